"""Fixtures shared by the client, simulator and integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from unittest.mock import patch

import aiohttp
import pytest
from yarl import URL

# Imported before the harness's `hass` fixture runs, so that Home Assistant finds this
# project's custom_components package rather than the harness's own.
import custom_components.icws_station  # noqa: F401
from custom_components.icws_station.icws import IcwsClient
from icws_simulator import IcwsSimulator, SimulatedStation

USERNAME = "jdoe"
PASSWORD = "pw-Lo9-secret"
DISPLAY_NAME = "Jane Doe"
SERVER_NAME = "CIC01"
SIP_PASSWORDS = {"WS-114": "sip-Secret-114", "WS-115": "sip-Secret-115"}


@pytest.fixture(autouse=True)
def _custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load this project's integration in tests that start it."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


def make_stations() -> list[SimulatedStation]:
    """Two workstations with every field the station subscription reports."""
    return [
        SimulatedStation(
            id=station_id,
            extension=station_id.removeprefix("WS-"),
            sip_address=f"sip:{station_id.lower()}@cic01.example.com",
            sip_user=f"user-{station_id.lower()}",
            sip_password=sip_password,
            allowed_media_types=(1, 2, 3),
            can_be_dialed=True,
            ring_always=False,
            managed_ip_phone=f"MIP-{station_id}",
            emergency_responder_location_id="ERL-1",
        )
        for station_id, sip_password in SIP_PASSWORDS.items()
    ]


@pytest.fixture
def simulator_options() -> dict[str, object]:
    """Override in a test module to start the simulator differently."""
    return {}


@pytest.fixture
async def simulator(
    socket_enabled: None, simulator_options: dict[str, object]
) -> AsyncIterator[IcwsSimulator]:
    """An ICWS simulator on 127.0.0.1 with one user and two workstations."""
    options: dict[str, object] = {
        "users": {USERNAME: PASSWORD},
        "display_names": {USERNAME: DISPLAY_NAME},
        "server_name": SERVER_NAME,
        "stations": make_stations(),
        "sse_ping_interval": 0.5,
        "sse_retry_ms": 100,
        **simulator_options,
    }
    sim = IcwsSimulator(**options)  # type: ignore[arg-type]
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def http_session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as any asyncio program would use."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def client(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> AsyncIterator[IcwsClient]:
    """A client for the simulator's user, closed after the test."""
    icws = IcwsClient(
        http_session, URL(simulator.url), USERNAME, PASSWORD, request_timeout=2.0
    )
    yield icws
    await icws.close()


@pytest.fixture
def mock_setup_entry() -> Iterator[None]:
    """Keep config-flow tests from setting the entry up."""
    with patch("custom_components.icws_station.async_setup_entry", return_value=True):
        yield
