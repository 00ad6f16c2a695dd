"""Tests of the ICWS simulator over real HTTP, with a plain aiohttp client (no client library)."""
