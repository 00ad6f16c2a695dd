"""Tests of the aioicws wheel, installed in an environment of its own."""
