"""Fixtures of the fault-injection suite.

Every test here is checked for leaks after it ran: no secret (user password, SIP password,
CSRF token, cookie value, session id) may appear in a captured log line of the client or
integration, in an entity state, or in the diagnostics of a loaded entry; no personal data
(status notes, forward and remote numbers, callers' names and numbers, the SIP identity)
in a log line above debug level or in the diagnostics. And every server
of the test holds at most one live session per user: when a login creates a session, when
a server stops, at each fault step a test names (``live_sessions.check``), and at the end.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
import json
import logging
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import AsyncResolver
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CoreState, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from pytest_socket import socket_allow_hosts

from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from custom_components.icws_station.icws import IcwsClient
from icws_simulator import (
    IcwsSimulator,
    SimSession,
    SimulatedStation,
    SimulatedUserStatus,
)
from icws_simulator.calls import CallCenter
from icws_simulator.session_table import SessionTable
from icws_simulator.status import StatusState
from icws_simulator.traffic import Traffic
from icws_testing.entries import config_entry
from tests.conftest import (
    DISPLAY_NAME,
    PASSWORD,
    SERVER_NAME,
    SIP_PASSWORDS,
    USERNAME,
    make_stations,
)

WAIT = 5.0
# Loggers of the server side, which knows the session's secrets by design.
SERVER_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "icws_simulator")

ENTITY = "jane_doe_cic01"
STATION = f"sensor.{ENTITY}_station"
EXTENSION = f"sensor.{ENTITY}_extension"
STATION_TYPE = f"sensor.{ENTITY}_station_type"
SIP_ADDRESS = f"sensor.{ENTITY}_sip_address"
SIP_USER = f"sensor.{ENTITY}_sip_user"
MEDIA_TYPES = f"sensor.{ENTITY}_allowed_media_types"
REMOTE_NUMBER = f"sensor.{ENTITY}_remote_number"
STATION_CONNECTED = f"binary_sensor.{ENTITY}_station_connected"
CAN_BE_DIALED = f"binary_sensor.{ENTITY}_can_be_dialed"
RING_ALWAYS = f"binary_sensor.{ENTITY}_ring_always"
SERVER_CONNECTION = f"binary_sensor.{ENTITY}_server_connection"
STATION_ENTITIES = (
    STATION,
    EXTENSION,
    STATION_TYPE,
    SIP_ADDRESS,
    SIP_USER,
    MEDIA_TYPES,
    REMOTE_NUMBER,
    STATION_CONNECTED,
    CAN_BE_DIALED,
    RING_ALWAYS,
)

# The switchover partner: the same user, and a WS-114 that differs in every shown field.
ALTERNATE_HOST = "127.0.0.2"
ALTERNATE_SIP_PASSWORD = "sip-Secret-Alt-2114"
ALTERNATE_STATION = SimulatedStation(
    id="WS-114",
    extension="2114",
    sip_address="sip:ws-114@cic02.example.com",
    sip_user="alt-ws-114",
    sip_password=ALTERNATE_SIP_PASSWORD,
    allowed_media_types=(1,),
    can_be_dialed=False,
    ring_always=True,
)


class Secrets:
    """Every secret a test's servers hand out or its users know, and the personal data.

    Sessions are added as the simulators create them, and personal data as the simulators
    are given it (status notes and forward numbers, callers, remote numbers); a test adds
    what it invents (a new password, a rotated SIP password).
    """

    def __init__(self) -> None:
        """Start with the passwords and the SIP identities of the test's stations."""
        self.values: set[str] = {PASSWORD, *SIP_PASSWORDS.values()}
        self.personal: set[str] = set()
        for station in (*make_stations(), ALTERNATE_STATION):
            self.add_personal(station.sip_address, station.sip_user)

    def add(self, *values: str) -> None:
        """Watch these values too."""
        self.values.update(value for value in values if value)

    def add_personal(self, *values: str) -> None:
        """Watch these personal values too (allowed in states and debug lines only)."""
        self.personal.update(value for value in values if value)

    def add_session(self, session: SimSession) -> None:
        """Watch a new session's id, CSRF token and cookie (whole, and its GUID alone)."""
        guid = session.cookie_value.split("|", 1)[0]
        self.add(session.session_id, session.csrf_token, session.cookie_value, guid)

    def leaks(self, texts: Iterable[str]) -> dict[str, str]:
        """Return each secret found, with the text around its first appearance."""
        return _found(self.values, texts)

    def personal_leaks(self, texts: Iterable[str]) -> dict[str, str]:
        """Return each personal value found, with the text around its first appearance."""
        return _found(self.personal, texts)


def _found(values: set[str], texts: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in texts:
        for value in values - found.keys():
            if (at := text.find(value)) >= 0:
                found[value] = text[max(0, at - 150) : at + len(value) + 150]
    return found


def _log_texts(
    caplog: pytest.LogCaptureFixture, above: int = logging.NOTSET
) -> list[str]:
    """What a log handler could print for the client side's records above ``above``."""
    formatter = logging.Formatter()
    texts: list[str] = []
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):
            if record.name.startswith(SERVER_LOGGERS) or record.levelno <= above:
                continue
            text = record.getMessage()
            if record.exc_info:
                text += formatter.formatException(record.exc_info)
            if record.stack_info:
                text += record.stack_info
            texts.append(text)
    return texts


async def _entry_texts(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> tuple[list[str], list[str]]:
    """Diagnostics of every loaded entry, and every state; then unload the entries.

    Unloading here, before the leak check, puts the logging out into the checked logs.
    """
    diagnostics: list[str] = []
    if hass.state is not CoreState.running:
        return diagnostics, []
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            shown = await get_diagnostics_for_config_entry(hass, hass_client, entry)
            diagnostics.append(json.dumps(shown))
    states = [
        json.dumps({"state": state.state, "attributes": dict(state.attributes)})
        for state in hass.states.async_all()
    ]
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return diagnostics, states


@contextmanager
def _watching_servers(watched: Secrets) -> Iterator[None]:
    """Have every simulator hand its new secrets and personal data to ``watched``."""
    create = SessionTable.create
    record_station_request = Traffic.record_station_request
    set_user_status = StatusState.set_user_status
    ring = CallCenter.ring
    place_call = CallCenter.place_call

    def creating(
        sessions: SessionTable, user_id: str, language: str, **kwargs: Any
    ) -> SimSession:
        session = create(sessions, user_id, language, **kwargs)
        watched.add_session(session)
        return session

    def recording(traffic: Traffic, body: dict[str, Any]) -> None:
        number = body.get("remoteNumber")
        if isinstance(number, str):
            watched.add_personal(number)
        record_station_request(traffic, body)

    def setting(
        status: StatusState, user_id: str, status_id: str, **details: Any
    ) -> SimulatedUserStatus:
        watched.add_personal(
            details.get("notes", ""), details.get("forward_number", "")
        )
        return set_user_status(status, user_id, status_id, **details)

    def ringing(
        calls: CallCenter, user_id: str, name: str, number: str, **kwargs: Any
    ) -> str:
        watched.add_personal(name, number)
        return ring(calls, user_id, name, number, **kwargs)

    def placing(
        calls: CallCenter, user_id: str, number: str, name: str = "", **kwargs: Any
    ) -> str:
        watched.add_personal(name, number)
        return place_call(calls, user_id, number, name, **kwargs)

    with (
        patch.object(SessionTable, "create", creating),
        patch.object(Traffic, "record_station_request", recording),
        patch.object(StatusState, "set_user_status", setting),
        patch.object(CallCenter, "ring", ringing),
        patch.object(CallCenter, "place_call", placing),
    ):
        yield


@pytest.fixture(autouse=True)
def secrets(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[Secrets]:
    """Fail the test if a secret or a piece of personal data showed where it must not.

    A secret: in no log line, state or diagnostics. Personal data: in no log line above
    debug level and no diagnostics (states show it to the user, as they must).
    Synchronous so that it can set Home Assistant up first and check it last: its teardown
    runs the final checks on the test's (then idle) event loop.
    """
    caplog.set_level(logging.DEBUG)
    watched = Secrets()
    hass: HomeAssistant | None = None
    hass_client: ClientSessionGenerator | None = None
    if "hass" in request.fixturenames:
        hass = request.getfixturevalue("hass")
        hass_client = request.getfixturevalue("hass_client")
    diagnostics: list[str] = []
    states: list[str] = []
    with _watching_servers(watched):
        yield watched
        if hass is not None and hass_client is not None:
            diagnostics, states = hass.loop.run_until_complete(
                _entry_texts(hass, hass_client)
            )
    leaks = watched.leaks([*diagnostics, *states, *_log_texts(caplog)])
    assert not leaks, f"secrets leaked: {leaks}"
    shown = watched.personal_leaks(
        [*diagnostics, *_log_texts(caplog, above=logging.DEBUG)]
    )
    assert not shown, f"personal data leaked: {shown}"


class LiveSessions:
    """Checks that no server of the test holds more than one live session of a user.

    The servers are the simulators that created a session during the test, known by their
    session tables and named by the order of their first login. A login that
    finds the user's previous session still live is a violation (recorded, so that the
    server still answers, and reported when the test ends); so is a second session at a
    step the test checks, when a server stops (it forgets its sessions), and at the end.
    """

    def __init__(self) -> None:
        """No server watched yet."""
        self.servers: list[SessionTable] = []
        self.violations: list[str] = []

    def watch(self, sessions: SessionTable) -> None:
        """Check this server's sessions too."""
        if all(sessions is not known for known in self.servers):
            self.servers.append(sessions)

    def counts(self) -> dict[str, int]:
        """Live sessions per server and user, for those that have any."""
        counts: Counter[str] = Counter()
        for index, sessions in enumerate(self.servers, start=1):
            for session in sessions.values():
                counts[f"{session.user_id}@server {index}"] += 1
        return dict(counts)

    def check(self, step: str) -> None:
        """Fail now if a user has more than one live session on a server."""
        assert all(count <= 1 for count in self.counts().values()), (
            f"{step}: live sessions {self.counts()}"
        )

    def record(self, step: str) -> None:
        """Note a second live session without failing inside the server."""
        if any(count > 1 for count in self.counts().values()):
            self.violations.append(f"{step}: live sessions {self.counts()}")


@pytest.fixture(autouse=True)
def live_sessions() -> Iterator[LiveSessions]:
    """At most one live session per user on every server, checked throughout the test."""
    guard = LiveSessions()
    create = SessionTable.create
    forget_all = SessionTable.forget_all

    def creating(
        sessions: SessionTable, user_id: str, language: str, **kwargs: Any
    ) -> SimSession:
        guard.watch(sessions)
        session = create(sessions, user_id, language, **kwargs)
        guard.record(f"login of {user_id}")
        return session

    def forgetting(sessions: SessionTable) -> None:
        guard.record("server stopping")
        forget_all(sessions)

    with (
        patch.object(SessionTable, "create", creating),
        patch.object(SessionTable, "forget_all", forgetting),
    ):
        yield guard
    guard.record("end of the test")
    assert guard.violations == []


async def until(
    simulator: IcwsSimulator, predicate: Callable[[], bool], within: float = WAIT
) -> None:
    """Wait until ``predicate()`` holds about the simulator, failing after ``within`` s."""
    async with asyncio.timeout(within):
        await simulator.wait_until(predicate)


def make_entry(url: str) -> MockConfigEntry:
    """An entry for the simulator's user on WS-114, as the config flow creates it."""
    return config_entry(
        url,
        USERNAME,
        PASSWORD,
        title=f"{DISPLAY_NAME} ({SERVER_NAME})",
        station={CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-114"},
    )


@pytest.fixture(autouse=True)
def _one_live_session(request: pytest.FixtureRequest) -> None:
    """Fail the test if the server ever held two sessions of the user at once."""
    if "simulator" in request.fixturenames:
        request.getfixturevalue("live_sessions")


@pytest.fixture(autouse=True)
def _quick_polling() -> Iterator[None]:
    """Poll every 0.1 s when the server offers no events, so that polling tests are quick."""
    with patch("custom_components.icws_station.session.POLL_INTERVAL", 0.1):
        yield


@pytest.fixture
def mock_config_entry(simulator: IcwsSimulator) -> MockConfigEntry:
    """The entry ``init_integration`` sets up: :func:`make_entry` on the simulator."""
    return make_entry(simulator.url)


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigEntryState:
    """Add the entry and try to set it up; return the state it ends in."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry.state


@pytest.fixture
async def alternate(
    simulator: IcwsSimulator, secrets: Secrets
) -> AsyncIterator[IcwsSimulator]:
    """The switchover partner: a second server on 127.0.0.2, on the same port."""
    socket_allow_hosts(["127.0.0.1", ALTERNATE_HOST])
    secrets.add(ALTERNATE_SIP_PASSWORD)
    partner = IcwsSimulator(
        host=ALTERNATE_HOST,
        port=simulator.port,
        users={USERNAME: PASSWORD},
        display_names={USERNAME: DISPLAY_NAME},
        server_name="CIC02",
        stations=[ALTERNATE_STATION],
        sse_ping_interval=0.5,
        sse_retry_ms=100,
    )
    await partner.start()
    yield partner
    await partner.stop()


class BackoffSpy:
    """Stands in for the backoff's ``random``: records every delay it draws.

    Returns the top of each range, so the delays are the backoff without its jitter.
    """

    def __init__(self) -> None:
        """Nothing drawn yet."""
        self.ranges: list[tuple[float, float]] = []
        self._drawn = asyncio.Event()

    def uniform(self, low: float, high: float) -> float:
        """Record the range the coordinator's jitter draws from."""
        self.ranges.append((low, high))
        self._drawn.set()
        return high

    async def wait_for(self, count: int, within: float = WAIT) -> None:
        """Wait until ``count`` backoff delays were drawn."""
        async with asyncio.timeout(within):
            while len(self.ranges) < count:
                self._drawn.clear()
                await self._drawn.wait()


@pytest.fixture
def backoff() -> Iterator[BackoffSpy]:
    """Record the coordinator's backoff delays."""
    spy = BackoffSpy()
    with patch("custom_components.icws_station.backoff.random", spy):
        yield spy


class _Resolver(AsyncResolver):
    """A DNS resolver Home Assistant can close as it closes its own."""

    async def real_close(self) -> None:
        """Close, as Home Assistant's resolver does when it closes."""
        await self.close()


@pytest.fixture
async def resolver(hass: HomeAssistant) -> AsyncIterator[None]:
    """A working DNS resolver for Home Assistant's HTTP sessions.

    The harness shares one resolver for the whole run and the first Home Assistant that
    stops closes it, so later lookups fail with an AttributeError instead of a DNS error.
    Request it before the entry or flow creates its HTTP session.
    """
    dns = _Resolver()
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=dns
    ):
        yield
    await dns.close()


REQUEST_TIMEOUT = 0.3


@pytest.fixture
def short_request_timeout() -> Iterator[float]:
    """Give every client the integration creates a short request timeout."""
    with patch(
        "custom_components.icws_station.session.IcwsClient",
        partial(IcwsClient, request_timeout=REQUEST_TIMEOUT),
    ):
        yield REQUEST_TIMEOUT


def server_station(simulator: IcwsSimulator) -> SimulatedStation:
    """The station of the one session the server holds (failing if it holds another count)."""
    sessions = list(simulator.sessions.values())
    assert len(sessions) == 1, f"{len(sessions)} sessions on the server"
    station = sessions[0].station
    assert station is not None
    return station


def shown(hass: HomeAssistant) -> dict[str, str]:
    """The state of every entity of the station and of the server connection."""
    states = {}
    for entity_id in (*STATION_ENTITIES, SERVER_CONNECTION):
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        states[entity_id] = state.state
    return states


def showing(station: SimulatedStation) -> dict[str, str]:
    """What the entities show for a workstation, with the server connected."""

    def text(value: str) -> str:
        return value or STATE_UNKNOWN

    def flag(value: bool) -> str:
        return STATE_ON if value else STATE_OFF

    return {
        STATION: station.id,
        EXTENSION: text(station.extension),
        STATION_TYPE: "workstation",
        SIP_ADDRESS: text(station.sip_address),
        SIP_USER: text(station.sip_user),
        MEDIA_TYPES: str(len(station.allowed_media_types)),
        REMOTE_NUMBER: text(station.remote_number),
        STATION_CONNECTED: STATE_ON,
        CAN_BE_DIALED: flag(station.can_be_dialed),
        RING_ALWAYS: flag(station.ring_always),
        SERVER_CONNECTION: STATE_ON,
    }


def unavailable() -> dict[str, str]:
    """What the entities show while there is no session: only the connection sensor."""
    return {
        **dict.fromkeys(STATION_ENTITIES, STATE_UNAVAILABLE),
        SERVER_CONNECTION: STATE_OFF,
    }
