"""Fixtures of the simulator's tests: a running simulator and a plain HTTP client."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from icws_simulator import IcwsSimulator

from .helpers import BOUND


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """A running simulator with default users and stations."""
    simulator = IcwsSimulator(sse_ping_interval=30.0)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client that keeps no cookies (cookies are sent by hand)."""
    timeout = aiohttp.ClientTimeout(total=BOUND)
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout
    ) as session:
        yield session
