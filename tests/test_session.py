"""The session through faults, against the simulator: what a user keeps and what they see.

Every test watches the server's live sessions of the user: never two at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from homeassistant.components.homeassistant import (
    DOMAIN as HOMEASSISTANT_DOMAIN,
    SERVICE_UPDATE_ENTITY,
)
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from custom_components.icws_station.icws import RetrievalMode
from icws_simulator import IcwsSimulator
from icws_simulator.state import Outage
from icws_testing.entries import config_entry

from .conftest import DISPLAY_NAME, PASSWORD, SERVER_NAME, USERNAME
from .helpers import WAIT, LiveSessionWatch, StateRecorder, wait_for_state

EXTENSION = "sensor.jane_doe_cic01_extension"
STATION_CONNECTED = "binary_sensor.jane_doe_cic01_station_connected"
SERVER_CONNECTION = "binary_sensor.jane_doe_cic01_server_connection"

pytestmark = pytest.mark.usefixtures("live_sessions")


def station_logoffs(simulator: IcwsSimulator, since: int) -> list[str]:
    return [
        path
        for method, path, _ in simulator.traffic.requests[since:]
        if method == "DELETE" and path.endswith("/connection/station")
    ]


@pytest.mark.parametrize("outage", ["refuse", "cut", "drop_streams"])
async def test_outage_keeps_the_session_and_the_station(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    outage: Outage,
) -> None:
    """The network fails while the server keeps the session: the same session comes back.

    Nothing logs the station off or signs in again; the renewed subscription brings the
    full state, including what changed during the outage.
    """
    (session_id,) = simulator.sessions
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)

    simulator.set_outage(outage)
    # Streams dropped one after another are a fault too, once a session check finds the
    # session alive: the entry waits, then reopens the stream.
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_OFF
    simulator.stations.change("WS-114", extension="1501")
    simulator.set_outage(None)

    await wait_for_state(hass, EXTENSION, "1501")
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_ON
    assert list(simulator.sessions) == [session_id]
    assert simulator.traffic.login_attempts == logins
    assert station_logoffs(simulator, since) == []
    assert simulator.sessions[session_id].station is not None


async def test_loss_shows_at_once(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The entities go unavailable when the loss is seen, before anything is sent."""
    recorder = StateRecorder(hass, EXTENSION)
    simulator.traffic.response_delay = (
        30.0  # whatever the entry sends next stays unanswered
    )

    simulator.sessions.end()

    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    assert recorder.states == [STATE_UNAVAILABLE]
    simulator.traffic.response_delay = 0.0
    await wait_for_state(hass, EXTENSION, "114")


async def test_update_entity_during_an_outage_stays_unavailable(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await async_setup_component(hass, HOMEASSISTANT_DOMAIN, {})
    simulator.set_outage("refuse")
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)

    await hass.services.async_call(
        HOMEASSISTANT_DOMAIN,
        SERVICE_UPDATE_ENTITY,
        {ATTR_ENTITY_ID: [EXTENSION]},
        blocking=True,
    )

    assert (state := hass.states.get(EXTENSION))

    assert state.state == STATE_UNAVAILABLE
    # The refresh was refused, not answered from what the entities showed before.
    assert not init_integration.runtime_data.station.last_update_success
    simulator.set_outage(None)
    await wait_for_state(hass, EXTENSION, "114")


async def test_update_entity_reads_the_server(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await async_setup_component(hass, HOMEASSISTANT_DOMAIN, {})
    since = len(simulator.traffic.requests)

    await hass.services.async_call(
        HOMEASSISTANT_DOMAIN,
        SERVICE_UPDATE_ENTITY,
        {ATTR_ENTITY_ID: [EXTENSION]},
        blocking=True,
    )

    assert [
        (method, path.split("/", 3)[-1])
        for method, path, _ in simulator.traffic.requests[since:]
    ] == [("GET", "connection/station")]
    assert (state := hass.states.get(EXTENSION))
    assert state.state == "114"


async def test_should_not_reconnect_is_a_repair_that_reconnects(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reason = "Your account was disabled for maintenance."
    caplog.set_level(logging.WARNING)
    logins = simulator.traffic.login_attempts
    task = init_integration.runtime_data.session._task
    assert task is not None

    simulator.sessions.end(reason=reason, should_reconnect=False)

    async with asyncio.timeout(WAIT):
        await task  # the loop ends: no login is tried
    assert simulator.traffic.login_attempts == logins
    assert not simulator.sessions
    assert (state := hass.states.get(EXTENSION))
    assert state.state == STATE_UNAVAILABLE
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_OFF
    issue_id = f"session_{init_integration.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "session_ended"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["reason"] == reason
    assert "asks not to reconnect" in caplog.text

    # The user reconnects from the repair.
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["reason"] == reason
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}")
    assert (await response.json())["type"] == "create_entry"

    await wait_for_state(hass, EXTENSION, "114")
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert simulator.traffic.login_attempts == logins + 1
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_session_ended_logs_in_again_on_the_chosen_station(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    live_sessions: LiveSessionWatch,
) -> None:
    (old,) = simulator.sessions
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)

    simulator.sessions.end()
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)

    (new,) = simulator.sessions
    assert new != old
    assert simulator.traffic.login_attempts == logins + 1
    assert simulator.traffic.station_requests[-1]["workstation"] == "WS-114"
    assert station_logoffs(simulator, since) == []
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_ON
    assert live_sessions.most == 1


async def test_another_account_after_a_login_stops(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The address now signs the entry in as someone else: stop, never show their station."""
    hass.config_entries.async_update_entry(
        init_integration, unique_id=f"someone-else@{simulator.host}"
    )
    task = init_integration.runtime_data.session._task
    assert task is not None

    simulator.sessions.end()
    async with asyncio.timeout(WAIT):
        await task

    assert not simulator.sessions  # the foreign session was ended again
    assert (state := hass.states.get(EXTENSION))
    assert state.state == STATE_UNAVAILABLE
    issue = issue_registry.async_get_issue(
        DOMAIN, f"session_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "account_mismatch"
    assert not issue.is_fixable


async def test_unload_and_stop_leave_no_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Reloads log out before they log in again; stop logs out."""
    for _ in range(3):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()
        assert simulator.sessions.count_of(USERNAME) == 1

    await hass.async_stop()
    assert simulator.sessions.count_of(USERNAME) == 0


async def test_reason_in_a_connection_state_message(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that explains the logoff in a connection state that stays up."""
    reason = "Station logged on elsewhere"
    simulator.sessions.inject_message(
        {
            "__type": "urn:inin.com:connection:connectionStateChangeMessage",
            "isDelta": False,
            "previousConnectionState": 1,
            "newConnectionState": 1,
            "reason": reason,
            "shouldReconnect": True,
        }
    )
    simulator.stations.take(USERNAME, reason="")

    state = await wait_for_state(hass, STATION_CONNECTED, STATE_OFF)
    assert state.attributes["logged_off_reason"] == reason
    assert f"off the station: {reason}" in caplog.text


def entry_for(simulator: IcwsSimulator, **kwargs: Any) -> MockConfigEntry:
    return config_entry(
        simulator.url,
        USERNAME,
        PASSWORD,
        title=f"{DISPLAY_NAME} ({SERVER_NAME})",
        station={CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-114"},
        **kwargs,
    )


async def test_polling_chosen(hass: HomeAssistant, simulator: IcwsSimulator) -> None:
    """Polling chosen in the options (a proxy that holds streams back) is used as is."""
    entry = entry_for(simulator, retrieval_mode=RetrievalMode.POLL)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    simulator.stations.change("WS-114", extension="1502")

    await wait_for_state(hass, EXTENSION, "1502")
    assert entry.runtime_data.session.effective_retrieval_mode is RetrievalMode.POLL
    assert simulator.sessions.open_streams == 0


async def test_another_account_at_setup(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    entry = entry_for(simulator, unique_id=f"someone-else@{simulator.host}")
    entry.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(entry.entry_id)

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert not simulator.sessions


async def test_refused_renewal_makes_only_its_concern_unavailable(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a gap the server renews all but the queue watch: only the calls go stale."""
    call_state = "sensor.jane_doe_cic01_call_state"
    status = "sensor.jane_doe_cic01_status"
    await wait_for_state(hass, call_state, "idle")

    simulator.queues_version = 0  # a server that no longer grants the queue watch
    simulator.set_outage("drop_streams")
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
    simulator.set_outage(None)

    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)
    await wait_for_state(hass, call_state, STATE_UNAVAILABLE)
    simulator.stations.change("WS-114", extension="1188")
    await wait_for_state(hass, EXTENSION, "1188")
    assert (current := hass.states.get(status))
    assert current.state == "Available"
    said = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and "refused to renew the queue subscription" in record.getMessage()
    ]
    assert len(said) == 1

    # Granted again after the next gap: the full queue message brings the calls back.
    simulator.queues_version = 1
    simulator.set_outage("drop_streams")
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
    simulator.set_outage(None)
    await wait_for_state(hass, call_state, "idle")
