"""Fixtures shared by the client, simulator and integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from enum import StrEnum
from pathlib import Path
import ssl
from typing import Any, override
from unittest.mock import PropertyMock, patch

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.types import SerializableData
from yarl import URL

# Imported before the harness's `hass` fixture runs, so that Home Assistant finds this
# project's custom_components package rather than the harness's own.
import custom_components.icws_station  # noqa: F401
from custom_components.icws_station.const import (
    APPLICATION_NAME,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
)
from custom_components.icws_station.icws import IcwsClient
from icws_simulator import IcwsSimulator, SimulatedStation
from icws_testing.entries import config_entry

from .helpers import LiveSessionWatch
from .tls import self_signed_server_context

USERNAME = "jdoe"
PASSWORD = "pw-Lo9-secret"
DISPLAY_NAME = "Jane Doe"
SERVER_NAME = "CIC01"
SIP_PASSWORDS = {"WS-114": "sip-Secret-114", "WS-115": "sip-Secret-115"}


class _SnapshotSerializer(HomeAssistantSnapshotSerializer):
    """Home Assistant's serialiser, writing the same text on every supported release.

    Newer releases key state attributes with ``StrEnum`` members
    (``EntityStateAttribute.FRIENDLY_NAME``) where older ones use plain strings; both mean
    the same attribute, so every string key is written as the plain string.
    """

    @classmethod
    @override
    def _serialize(cls, data: SerializableData, **kwargs: Any) -> str:
        if isinstance(data, dict) and any(isinstance(key, StrEnum) for key in data):
            plain = {
                str(key) if isinstance(key, StrEnum) else key: value
                for key, value in data.items()
            }
            data = plain if type(data) is dict else type(data)(plain)
        return super()._serialize(data, **kwargs)


class _SnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's extension with :class:`_SnapshotSerializer`."""

    serializer_class = _SnapshotSerializer


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialise snapshots as Home Assistant core does, into tests/snapshots."""
    return snapshot.use_extension(_SnapshotExtension)


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
def simulator_options() -> dict[str, Any]:
    """Override in a test module to start the simulator differently."""
    return {}


@pytest.fixture
async def simulator(
    socket_enabled: None, simulator_options: dict[str, Any]
) -> AsyncIterator[IcwsSimulator]:
    """An ICWS simulator on 127.0.0.1 with one user and two workstations."""
    options: dict[str, Any] = {
        "users": {USERNAME: PASSWORD},
        "display_names": {USERNAME: DISPLAY_NAME},
        "server_name": SERVER_NAME,
        "stations": make_stations(),
        "sse_ping_interval": 0.5,
        "sse_retry_ms": 100,
        **simulator_options,
    }
    sim = IcwsSimulator(**options)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def https_simulator(
    hass: HomeAssistant, socket_enabled: None, tmp_path: Path
) -> AsyncIterator[IcwsSimulator]:
    """The simulator over https with a self-signed certificate.

    A client that refuses the certificate resets the handshake, which the server reports to
    the event loop; that report, and only it, is expected.
    """
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    assert handler is not None  # the hass fixture installs one

    def ignore_refused_handshake(
        loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        if not isinstance(
            context.get("exception"), ConnectionResetError | ssl.SSLError
        ):
            handler(loop, context)

    loop.set_exception_handler(ignore_refused_handshake)
    sim = IcwsSimulator(
        users={USERNAME: PASSWORD},
        display_names={USERNAME: DISPLAY_NAME},
        server_name=SERVER_NAME,
        ssl_context=self_signed_server_context(tmp_path),
    )
    await sim.start()
    yield sim
    await sim.stop()
    loop.set_exception_handler(handler)


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
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        application_name=APPLICATION_NAME,
        request_timeout=2.0,
    )
    yield icws
    await icws.close()


@pytest.fixture
def mock_setup_entry() -> Iterator[None]:
    """Keep config-flow tests from setting the entry up."""
    with patch("custom_components.icws_station.async_setup_entry", return_value=True):
        yield


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create the entities that are disabled by default too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def station_options() -> dict[str, object]:
    """The entry's station choice; override to test another."""
    return {CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-114"}


@pytest.fixture
def mock_config_entry(
    simulator: IcwsSimulator, station_options: dict[str, object]
) -> MockConfigEntry:
    """An entry for the simulator's user, as the config flow creates it."""
    return config_entry(
        simulator.url,
        USERNAME,
        PASSWORD,
        title=f"{DISPLAY_NAME} ({SERVER_NAME})",
        station=station_options,
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the entry up against the simulator, with reconnects that start quickly."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
async def live_sessions(simulator: IcwsSimulator) -> AsyncIterator[LiveSessionWatch]:
    """Fail the test if the server ever held two sessions of the user at once."""
    watch = LiveSessionWatch(simulator, USERNAME)
    yield watch
    await watch.stop()
    assert watch.most <= 1, f"{watch.most} live sessions at once"


@pytest.fixture(autouse=True)
def _fast_backoff() -> Iterator[None]:
    """Reconnect after a few milliseconds instead of seconds; the logic stays the same."""
    with patch("custom_components.icws_station.backoff.BACKOFF_MIN", 0.01):
        yield
