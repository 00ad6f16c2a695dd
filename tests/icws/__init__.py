"""Tests of the ICWS client library against the simulator."""
