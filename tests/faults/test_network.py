"""The server and the network misbehave while the entry runs: it recovers, nothing is lost."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.icws_station.calls import CallSource
from custom_components.icws_station.const import DOMAIN
from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsTimeoutError,
)
from custom_components.icws_station.icws.transport import Response
from icws_simulator import IcwsSimulator
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import StateRecorder, wait_for_state

from .conftest import (
    ALTERNATE_HOST,
    ALTERNATE_STATION,
    ENTITY,
    EXTENSION,
    SERVER_CONNECTION,
    WAIT,
    BackoffSpy,
    make_entry,
    server_station,
    set_up,
    showing,
    shown,
    unavailable,
    until,
)

POLLING = {"messaging_version": 1}
SUBSCRIPTION = "messaging/subscriptions/connection/station"


def _last_error(entry: MockConfigEntry) -> str:
    """The kind of the session's last error, as the diagnostics show it."""
    kind: str = entry.runtime_data.session.errors[-1][1]
    return kind


def calls(simulator: IcwsSimulator, since: int = 0) -> list[tuple[str, str, int]]:
    """(method, path under /icws/, status) of the requests answered since ``since``."""
    return [
        (method, path.removeprefix("/icws/"), status)
        for method, path, status in simulator.traffic.requests[since:]
    ]


def assert_backoff_doubles(backoff: BackoffSpy, count: int) -> None:
    """The first ``count`` delays double from the minimum, each jittered down to half.

    The minimum is the 0.01 s that tests/conftest.py patches in for every test.
    """
    highs = [0.01 * 2**attempt for attempt in range(count)]
    assert backoff.ranges[:count] == pytest.approx([(high / 2, high) for high in highs])


# ---- 1. restart --------------------------------------------------------------------------


@pytest.mark.parametrize("simulator_options", [{}, POLLING], ids=["events", "polling"])
async def test_server_restart_mid_stream(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A restart forgets every session; the entry logs in again and shows the station."""
    (before,) = simulator.sessions
    logins = simulator.traffic.login_attempts
    extension = StateRecorder(hass, EXTENSION)

    await simulator.restart()
    simulator.stations.change("WS-114", extension="1401")  # while the entry reconnects

    await wait_for_state(hass, EXTENSION, "1401")
    assert shown(hass) == showing(server_station(simulator))
    assert extension.states == [STATE_UNAVAILABLE, "1401"]
    assert before not in simulator.sessions
    assert simulator.traffic.login_attempts == logins + 1


# ---- 2. session ended --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("simulator_options", "states_as_strings"),
    [({}, False), ({}, True), (POLLING, False)],
    ids=["events", "events-states-as-text", "polling"],
)
async def test_session_ended_by_the_server(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    states_as_strings: bool,
) -> None:
    """A "connection down" with a reason: the entry logs in again, keeping the reason."""
    logins = simulator.traffic.login_attempts
    extension = StateRecorder(hass, EXTENSION)
    server = StateRecorder(hass, SERVER_CONNECTION)
    reason = "An administrator ended the session."

    simulator.sessions.end(reason=reason, states_as_strings=states_as_strings)
    simulator.stations.change("WS-114", extension="1402")

    await wait_for_state(hass, EXTENSION, "1402")
    assert shown(hass) == showing(server_station(simulator))
    assert extension.states == [STATE_UNAVAILABLE, "1402"]
    assert server.states == ["off", "on"]
    assert simulator.traffic.login_attempts == logins + 1
    # The history keeps the kind of each error, not the server's text (it can be personal).
    errors = [text for _, text in init_integration.runtime_data.session.errors]
    assert errors == ["IcwsSessionLostError"]


async def test_session_ended_for_good_as_the_stream_reopens(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The server says not to reconnect just as a cut stream is reopened: it stops."""
    logins = simulator.traffic.login_attempts
    listener = init_integration.runtime_data.session._task
    assert listener is not None
    # The cut falls on a message the client ignores; the server's word follows it.
    simulator.sessions.drop_sse_mid_event()
    simulator.sessions.inject_message(
        {"__type": "urn:example:unknownMessage", "isDelta": False}
    )
    simulator.sessions.end(should_reconnect=False, reason="Account disabled")

    relogin = asyncio.create_task(
        until(simulator, lambda: simulator.traffic.login_attempts > logins)
    )
    await asyncio.wait({listener, relogin}, return_when=asyncio.FIRST_COMPLETED)
    relogin.cancel()
    with suppress(asyncio.CancelledError, TimeoutError):
        await relogin
    assert simulator.traffic.login_attempts == logins
    assert listener.done()  # stopped: a repair asks the user


# ---- 3. a 401 on one call ----------------------------------------------------------------


@pytest.mark.parametrize("simulator_options", [POLLING])
async def test_401_on_a_message_poll(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The session vanishes while a poll is on its way: that poll's 401 ends it."""
    (before,) = simulator.sessions
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)
    extension = StateRecorder(hass, EXTENSION)

    simulator.traffic.response_delay = 0.2
    await until(
        simulator, lambda: simulator.traffic.in_flight > 0
    )  # a poll waits to be answered
    simulator.sessions.end(notify=False)
    simulator.traffic.response_delay = 0.0
    simulator.stations.change("WS-114", extension="1403")

    await wait_for_state(hass, EXTENSION, "1403")
    assert ("GET", f"{before}/messaging/messages", 401) in calls(simulator, since)
    assert shown(hass) == showing(server_station(simulator))
    assert extension.states == [STATE_UNAVAILABLE, "1403"]
    assert simulator.traffic.login_attempts == logins + 1


async def test_401_on_the_subscription_during_a_reconnect(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A reconnect whose session is lost between two of its calls starts over."""
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)

    simulator.traffic.response_delay = 0.1
    simulator.sessions.end()
    await until(
        simulator,
        lambda: any(
            method == "PUT" and path.endswith("/connection/station") and status == 200
            for method, path, status in calls(simulator, since)
        ),
    )
    (reconnected,) = simulator.sessions
    simulator.sessions.end(notify=False)  # while the subscription waits to be answered
    simulator.traffic.response_delay = 0.0
    simulator.stations.change("WS-114", extension="1404")

    await wait_for_state(hass, EXTENSION, "1404")
    assert ("PUT", f"{reconnected}/{SUBSCRIPTION}", 401) in calls(simulator, since)
    assert shown(hass) == showing(server_station(simulator))
    assert reconnected not in simulator.sessions
    assert simulator.traffic.login_attempts == logins + 2


# ---- 4. and 5. switchover ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("simulator_options", "how"),
    [({}, "refusing"), ({"alternate_hosts": [ALTERNATE_HOST]}, "stopped")],
    ids=["503-names-the-alternate", "server-gone-alternate-known-from-login"],
)
async def test_switchover_to_the_alternate_server(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    alternate: IcwsSimulator,
    init_integration: MockConfigEntry,
    how: str,
) -> None:
    """The server hands over to its partner: the entry follows and shows its station."""
    coordinator = init_integration.runtime_data.session
    assert coordinator.client.url.host == "127.0.0.1"

    if how == "refusing":
        simulator.refuse_logins(alternates=[ALTERNATE_HOST])
        simulator.sessions.end(reason="Switchover")
    else:
        await simulator.stop()

    await wait_for_state(hass, EXTENSION, ALTERNATE_STATION.extension)
    assert shown(hass) == showing(ALTERNATE_STATION)
    assert server_station(alternate) == ALTERNATE_STATION
    assert not simulator.sessions
    assert coordinator.client.url.host == ALTERNATE_HOST
    assert alternate.traffic.login_attempts == 1

    # The partner's changes arrive too.
    alternate.stations.change("WS-114", extension="2115")
    await wait_for_state(hass, EXTENSION, "2115")


async def test_switchover_to_a_partner_with_other_features(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    alternate: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A partner on another release: the entry reloads, and the entities follow it."""
    call_state = f"sensor.{ENTITY}_call_state"
    assert hass.states.get(call_state) is not None
    alternate.queues_version = 0  # no queue watch over there: no call state

    simulator.refuse_logins(alternates=[ALTERNATE_HOST])
    simulator.sessions.end(reason="Switchover")

    await until(alternate, lambda: alternate.traffic.login_attempts == 2)
    await wait_for_state(hass, EXTENSION, ALTERNATE_STATION.extension)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.calls.source is CallSource.STATUS
    # The entity is no longer provided: its registry entry stays, restored unavailable.
    assert (state := hass.states.get(call_state))
    assert state.state == STATE_UNAVAILABLE
    assert state.attributes.get("restored") is True
    assert alternate.sessions.count_of(USERNAME) == 1
    assert not simulator.sessions


async def test_alternates_all_refusing(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    alternate: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """No server accepts: unavailable, retried with growing delays, then back on a partner."""
    logins = simulator.traffic.login_attempts
    simulator.refuse_logins(alternates=[ALTERNATE_HOST])
    alternate.refuse_logins(alternates=["127.0.0.1"])

    simulator.sessions.end(reason="Switchover")
    await backoff.wait_for(5)  # four reconnects failed; the fifth waits

    assert shown(hass) == unavailable()
    assert_backoff_doubles(backoff, 5)
    # Each reconnect asked each server once: no server was asked twice in one attempt.
    assert simulator.traffic.login_attempts == logins + 4
    assert alternate.traffic.login_attempts == 4
    assert _last_error(init_integration) == "IcwsConnectionError"

    alternate.accept_logins()
    await wait_for_state(hass, EXTENSION, ALTERNATE_STATION.extension)
    assert shown(hass) == showing(server_station(alternate))
    assert not simulator.sessions


BAD_ALTERNATES = ["cic 02", "cic02:8019", "cic02/icws", "", "x" * 300]


@pytest.mark.usefixtures("resolver")
async def test_alternates_that_are_not_host_names(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """A 503 naming alternates that are no host names: skipped, retried, then back."""
    logins = simulator.traffic.login_attempts
    simulator.refuse_logins(alternates=BAD_ALTERNATES)

    simulator.sessions.end(reason="Switchover")
    await backoff.wait_for(3)

    assert shown(hass) == unavailable()
    assert simulator.traffic.login_attempts == logins + 2
    assert _last_error(init_integration) == "IcwsConnectionError"

    simulator.accept_logins()
    await wait_for_state(hass, SERVER_CONNECTION, "on")
    assert shown(hass) == showing(server_station(simulator))


@pytest.mark.usefixtures("resolver")
async def test_config_flow_alternates_that_are_not_host_names(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """The sign-in form reports such a server as unreachable, not as an unknown error."""
    simulator.refuse_logins(alternates=BAD_ALTERNATES)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: simulator.url,
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: PASSWORD,
            CONF_VERIFY_SSL: True,
        },
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert simulator.traffic.login_attempts == 1


# ---- 6. connection refused and DNS failure -----------------------------------------------


@pytest.mark.usefixtures("resolver")
@pytest.mark.parametrize("failure", ["refused", "dns"])
async def test_config_flow_cannot_connect(
    hass: HomeAssistant, simulator: IcwsSimulator, failure: str
) -> None:
    """The sign-in form says the server cannot be reached; once it can, the flow goes on."""
    url = simulator.url
    if failure == "refused":
        await simulator.stop()
    else:
        url = "http://cic01.invalid:8018"
    form = {
        CONF_URL: url,
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        CONF_VERIFY_SSL: True,
    }
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "cannot_connect"}

    if failure == "refused":
        await simulator.start()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_URL: simulator.url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "station"
    assert not simulator.sessions


@pytest.mark.parametrize(
    ("failure", "host", "error"),
    [
        ("refused", "127.0.0.1", "ClientConnectorError"),
        ("dns", "cic01.invalid", "ClientConnectorDNSError"),
    ],
)
@pytest.mark.usefixtures("resolver")
async def test_setup_cannot_connect(
    hass: HomeAssistant, simulator: IcwsSimulator, failure: str, host: str, error: str
) -> None:
    """Setting up against an unreachable server is "not ready", and says why."""
    url = simulator.url.replace("127.0.0.1", host)
    if failure == "refused":
        await simulator.stop()
    entry = make_entry(url)

    assert await set_up(hass, entry) is ConfigEntryState.SETUP_RETRY
    assert (
        entry.reason
        == f"Cannot connect to the CIC server {host}: Login failed: {error}"
    )


async def test_running_entry_server_stopped(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """Connections refused: unavailable, retried with growing delays, back when it listens."""
    await simulator.stop()
    await backoff.wait_for(4)

    assert shown(hass) == unavailable()
    assert_backoff_doubles(backoff, 4)
    simulator.stations.change(
        "WS-114", extension="1406"
    )  # changed while the server was down

    await simulator.start()
    await wait_for_state(hass, EXTENSION, "1406")
    assert shown(hass) == showing(server_station(simulator))


SHORT_CAP = 0.02  # stands in for backoff.CANNOT_CONNECT_MAX, next to the 0.01 s minimum


@pytest.mark.parametrize(
    ("failure", "highs"),
    [
        ("unreachable", [0.01, 0.02, 0.02, 0.02, 0.02]),
        ("server_answers_503", [0.01, 0.02, 0.04, 0.08, 0.16]),
    ],
)
async def test_backoff_follows_what_failed(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
    failure: str,
    highs: list[float],
) -> None:
    """Connections refused: retried at a short cap; a server answering errors: doubling.

    Nothing reaches the server while it cannot be connected to, so frequent tries cost it
    nothing and the entities come back soon after the network; a server that answers
    errors is given the growing delays.
    """
    logins = simulator.traffic.login_attempts
    with patch("custom_components.icws_station.backoff.CANNOT_CONNECT_MAX", SHORT_CAP):
        if failure == "unreachable":
            await simulator.set_unreachable(True)
        else:
            simulator.refuse_logins()
            simulator.sessions.end()
        await backoff.wait_for(len(highs))
        assert shown(hass) == unavailable()
        simulator.stations.change("WS-114", extension="1410")

        if failure == "unreachable":
            await simulator.set_unreachable(False)
        else:
            simulator.accept_logins()
        await wait_for_state(hass, EXTENSION, "1410")

    assert [high for _, high in backoff.ranges[: len(highs)]] == pytest.approx(highs)
    assert shown(hass) == showing(server_station(simulator))
    # The network's break kept the session; the server's refusals were logins.
    relogins = simulator.traffic.login_attempts - logins
    assert relogins == 0 if failure == "unreachable" else relogins >= len(highs)


@pytest.mark.usefixtures("resolver")
async def test_running_entry_alternate_name_does_not_resolve(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """The server points at a partner whose name does not resolve: retried, then back.

    The server's answer, not the partner's failure, decides the backoff: a server that
    answers is not tried again every few seconds.
    """
    logins = simulator.traffic.login_attempts
    simulator.refuse_logins(alternates=["cic02.invalid"])

    with patch("custom_components.icws_station.backoff.CANNOT_CONNECT_MAX", 0.01):
        simulator.sessions.end(reason="Switchover")
        await backoff.wait_for(3)

    assert shown(hass) == unavailable()
    assert simulator.traffic.login_attempts == logins + 2
    # The partner's name does not resolve: a connection error, retried like any other.
    assert _last_error(init_integration) == "IcwsConnectionError"
    coordinator = init_integration.runtime_data.session
    assert isinstance(coordinator.last_error, IcwsConnectionError)
    assert coordinator.last_error.status == 503
    assert_backoff_doubles(backoff, 3)

    simulator.accept_logins()
    simulator.stations.change("WS-114", extension="1407")
    await wait_for_state(hass, EXTENSION, "1407")
    assert shown(hass) == showing(server_station(simulator))
    assert coordinator.client.url.host == "127.0.0.1"


# ---- 7. TLS ------------------------------------------------------------------------------


async def test_untrusted_certificate(
    hass: HomeAssistant, https_simulator: IcwsSimulator
) -> None:
    """A self-signed server with verification on is "not ready" with a TLS reason."""
    entry = make_entry(https_simulator.url)

    assert await set_up(hass, entry) is ConfigEntryState.SETUP_RETRY
    assert entry.reason == (
        "Cannot connect to the CIC server 127.0.0.1: "
        "Login failed: TLS error (ClientConnectorCertificateError)"
    )
    assert (
        https_simulator.traffic.login_attempts == 0
    )  # nothing was sent to that server

    # Trusting the server (what the reconfigure flow stores) sets the entry up.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_VERIFY_SSL: False}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert shown(hass) == showing(server_station(https_simulator))


@pytest.mark.parametrize("verify_ssl", [True, False], ids=["verify", "no-verify"])
async def test_https_to_a_plain_http_port(
    hass: HomeAssistant, simulator: IcwsSimulator, verify_ssl: bool
) -> None:
    """The entry's https address meets a plain HTTP port: the reason says what to change."""
    entry = make_entry(str(URL(simulator.url).with_scheme("https")))
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_VERIFY_SSL: verify_ssl}
    )

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason == (
        "The CIC server 127.0.0.1 answered in plain HTTP at an HTTPS address. "
        "Reconfigure the entry: start the address with http instead of https, "
        "or enter the server's HTTPS port (8019 by default)"
    )
    assert (
        simulator.traffic.login_attempts == 0
    )  # the password never left the handshake

    # The advice taken (what the reconfigure flow stores) sets the entry up.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_URL: simulator.url}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert shown(hass) == showing(server_station(simulator))


# ---- 8. slow server ----------------------------------------------------------------------


@pytest.mark.usefixtures("short_request_timeout")
async def test_slow_server_at_setup(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A login answered past the request timeout: "not ready"; a reload then sets it up.

    The server finishes the login it received, and its answer still reaches the client:
    the session it brings is logged out with the failed setup, not left behind.
    """
    gave_up = asyncio.Event()
    post_login = IcwsClient._post_login

    async def watching(client: IcwsClient, url: URL) -> Response:
        try:
            return await post_login(client, url)
        except IcwsTimeoutError:
            gave_up.set()
            raise

    simulator.traffic.response_delay = 30.0
    with patch.object(IcwsClient, "_post_login", watching):
        setup = hass.async_create_task(set_up(hass, mock_config_entry))
        async with asyncio.timeout(WAIT):
            await gave_up.wait()
        simulator.traffic.response_delay = (
            0.0  # the held login is answered now, too late
        )
        assert await setup is ConfigEntryState.SETUP_RETRY

    assert mock_config_entry.reason == (
        "Cannot connect to the CIC server 127.0.0.1: Login timed out"
    )
    assert simulator.traffic.login_attempts == 1
    assert simulator.traffic.abandoned_logins == 0
    await until(simulator, lambda: simulator.traffic.in_flight == 0)
    assert not simulator.sessions

    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    assert shown(hass) == showing(server_station(simulator))


@pytest.mark.usefixtures("short_request_timeout")
async def test_slow_server_while_running(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """Reconnects time out while the server is slow; once it is quick again, all is back.

    One login is in flight at a time: while the server holds it, later attempts wait for
    its answer instead of asking again, and the session it brings is the one the entry
    uses. No session is left behind.
    """
    assert await set_up(hass, mock_config_entry) is ConfigEntryState.LOADED
    coordinator = mock_config_entry.runtime_data.session
    logins = simulator.traffic.login_attempts

    simulator.traffic.response_delay = 2.0
    simulator.sessions.end()
    await backoff.wait_for(3)  # two attempts timed out

    assert shown(hass) == unavailable()
    assert [text for _, text in coordinator.errors][-2:] == ["IcwsTimeoutError"] * 2
    await until(simulator, lambda: simulator.traffic.login_attempts == logins + 1)

    simulator.traffic.response_delay = 0.0
    simulator.stations.change("WS-114", extension="1408")
    await wait_for_state(hass, EXTENSION, "1408")
    assert shown(hass) == showing(server_station(simulator))
    assert simulator.traffic.login_attempts == logins + 1
    assert simulator.traffic.abandoned_logins == 0


# ---- 9. event stream cut mid-event -------------------------------------------------------


async def test_event_stream_dropped_mid_event(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The change cut in half is not lost: the stream is reopened and resynchronised."""
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)
    requested = list(simulator.traffic.station_requests)
    (session_id,) = simulator.sessions
    extension = StateRecorder(hass, EXTENSION)
    server = StateRecorder(hass, SERVER_CONNECTION)

    simulator.sse_chunk_size = 16
    simulator.sessions.drop_sse_mid_event()
    simulator.stations.change("WS-114", extension="1409", can_be_dialed=False)

    await wait_for_state(hass, EXTENSION, "1409")
    assert shown(hass) == showing(server_station(simulator))
    assert extension.states == ["1409"]  # never unavailable on the way
    assert server.states == []
    assert simulator.traffic.login_attempts == logins
    assert list(simulator.sessions) == [session_id]  # the same session
    assert ("PUT", f"{session_id}/{SUBSCRIPTION}", 200) in calls(simulator, since)
    # The station was never logged off nor connected again.
    assert [call for call in calls(simulator, since) if call[0] == "DELETE"] == []
    assert simulator.traffic.station_requests == requested
