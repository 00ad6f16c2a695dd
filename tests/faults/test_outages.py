"""Outages of the network in front of a server whose sessions live on.

Connections refused, answers cut after the server processed the request, or only event
streams dropped: the integration keeps its session (no second login, which would leave an
orphan session holding the user on the server), never logs the station off, and shows
what changed on the server meanwhile once the network is back.
"""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from icws_simulator import IcwsSimulator
from icws_simulator.state import Outage
from tests.conftest import USERNAME
from tests.helpers import StateRecorder, wait_for_state

from .conftest import (
    EXTENSION,
    STATION_CONNECTED,
    BackoffSpy,
    LiveSessions,
    server_station,
    showing,
    shown,
)

FAILED_ATTEMPTS = 3  # reconnect attempts the outage must see fail


@pytest.mark.parametrize("mode", ["refuse", "cut", "drop_streams"])
async def test_outage_keeps_the_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
    live_sessions: LiveSessions,
    mode: Outage,
) -> None:
    """Through the outage and after it: one session, the same one, station connected."""
    (session_id,) = simulator.sessions.ids_of(USERNAME)
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)
    requested = list(simulator.traffic.station_requests)
    connected = StateRecorder(hass, STATION_CONNECTED)

    simulator.set_outage(mode)
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    simulator.stations.change("WS-114", extension="7114")  # queued in the session
    await backoff.wait_for(len(backoff.ranges) + FAILED_ATTEMPTS)
    live_sessions.check(f"during the {mode} outage")
    assert simulator.sessions.ids_of(USERNAME) == [session_id]

    simulator.set_outage(None)
    await wait_for_state(hass, EXTENSION, "7114")
    assert shown(hass) == showing(server_station(simulator))
    live_sessions.check(f"after the {mode} outage")
    assert simulator.sessions.ids_of(USERNAME) == [session_id]
    assert simulator.traffic.login_attempts == logins
    # The station was never logged off nor connected again, on the server or on screen.
    assert simulator.traffic.station_requests == requested
    assert not [
        call
        for call in simulator.traffic.requests[since:]
        if call[0] == "DELETE" and call[1].endswith("/connection/station")
    ]
    assert STATE_OFF not in connected.states


@pytest.mark.parametrize("fault", ["stream_closed", "server_down_keeping_sessions"])
async def test_stream_ended_by_the_server_keeps_the_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
    live_sessions: LiveSessions,
    fault: str,
) -> None:
    """The server ends the stream cleanly and keeps the session: the same session comes back.

    A load balancer closes long requests so; a front end that goes down for a while and
    comes back keeps the sessions of the server behind it. A second login would leave the
    first session behind, which the live-session guard sees.
    """
    (session_id,) = simulator.sessions.ids_of(USERNAME)
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)
    requested = list(simulator.traffic.station_requests)
    extension = StateRecorder(hass, EXTENSION)
    connected = StateRecorder(hass, STATION_CONNECTED)

    if fault == "stream_closed":
        simulator.sessions.close_streams()
        simulator.stations.change("WS-114", extension="7115")
    else:
        await simulator.stop(keep_sessions=True)
        await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
        await backoff.wait_for(len(backoff.ranges) + FAILED_ATTEMPTS)
        simulator.stations.change("WS-114", extension="7115")
        await simulator.start()

    await wait_for_state(hass, EXTENSION, "7115")
    assert shown(hass) == showing(server_station(simulator))
    live_sessions.check(f"after the {fault}")
    assert simulator.sessions.ids_of(USERNAME) == [session_id]
    assert simulator.traffic.login_attempts == logins
    renewal = ("PUT", f"/icws/{session_id}/messaging/subscriptions/connection/station")
    assert renewal in [
        (method, path) for method, path, _ in simulator.traffic.requests[since:]
    ]
    assert simulator.traffic.station_requests == requested
    assert STATE_OFF not in connected.states
    if fault == "stream_closed":
        assert extension.states == ["7115"]  # never unavailable on the way


async def test_backoff_starts_over_after_a_recovery(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """Two outages in a row: the second is retried from the shortest delay, as the first.

    The delays are read from the backoff as drawn (without jitter), not measured.
    """
    # The minimum is the 0.01 s that tests/conftest.py patches in for every test.
    doubling = [(0.005, 0.01), (0.01, 0.02), (0.02, 0.04)]
    for outage in ("first", "second"):
        drawn = len(backoff.ranges)
        simulator.set_outage("refuse")
        await backoff.wait_for(drawn + FAILED_ATTEMPTS)
        assert backoff.ranges[drawn : drawn + FAILED_ATTEMPTS] == pytest.approx(
            doubling
        ), f"the {outage} outage"
        simulator.set_outage(None)
        simulator.stations.change("WS-114", extension=f"{outage}-back")
        await wait_for_state(hass, EXTENSION, f"{outage}-back")


NOTES = "Dentist at 3, back at 4"
FORWARD_NUMBER = "+1 555 0177"
CALLER = ("Ada Lovelace", "+1 555 0100")
STATUS = "sensor.jane_doe_cic01_status"
CALL_STATE = "sensor.jane_doe_cic01_call_state"


@pytest.mark.parametrize("fault", ["refuse", "session_ended"])
async def test_personal_data_changed_during_a_fault(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
    fault: str,
) -> None:
    """Notes, a forward number and a caller that came during a fault show once it ends.

    The suite's leak check then finds none of them in a log line above debug level or in
    the diagnostics, though the fault and the recovery were logged.
    """
    simulator.set_outage("refuse")
    if fault == "session_ended":
        simulator.sessions.end(notify=False)
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    simulator.status.set_user_status(
        USERNAME, "Available Forward", notes=NOTES, forward_number=FORWARD_NUMBER
    )
    simulator.calls.ring(USERNAME, *CALLER)
    await backoff.wait_for(len(backoff.ranges) + FAILED_ATTEMPTS)

    simulator.set_outage(None)
    status = await wait_for_state(hass, STATUS, "Available, Forward")
    assert (status.attributes["notes"], status.attributes["forward_number"]) == (
        NOTES,
        FORWARD_NUMBER,
    )
    call = await wait_for_state(hass, CALL_STATE, "ringing")
    assert (call.attributes["remote_name"], call.attributes["remote_number"]) == CALLER
