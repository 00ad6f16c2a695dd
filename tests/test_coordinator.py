"""The coordinator against the simulator: pushed changes, losses, recovery and reauth."""

from __future__ import annotations

import logging
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from custom_components.icws_station.icws import RetrievalMode, Station, StationMessage
from icws_simulator import IcwsSimulator

from .helpers import StateRecorder, wait_for_state

EXTENSION = "sensor.jane_doe_cic01_extension"
STATION = "sensor.jane_doe_cic01_station"
STATION_TYPE = "sensor.jane_doe_cic01_station_type"
CAN_BE_DIALED = "binary_sensor.jane_doe_cic01_can_be_dialed"
STATION_CONNECTED = "binary_sensor.jane_doe_cic01_station_connected"
SERVER_CONNECTION = "binary_sensor.jane_doe_cic01_server_connection"


async def test_station_change_reaches_the_states(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    assert (state := hass.states.get(EXTENSION))
    assert state.state == "114"

    simulator.stations.change("WS-114", extension="1140")

    await wait_for_state(hass, EXTENSION, "1140")
    assert (state := hass.states.get(STATION))
    assert state.state == "WS-114"


async def test_delta_merge_keeps_the_other_fields(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.stations.change("WS-114", can_be_dialed=False)

    await wait_for_state(hass, CAN_BE_DIALED, STATE_OFF)
    assert (state := hass.states.get(EXTENSION))
    assert state.state == "114"
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_ON


async def test_repeats_write_no_state(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A message that changes nothing shown notifies no entity.

    Home Assistant itself drops a write that changes nothing, so the states cannot tell;
    the coordinator's notifications and the entities' writes can.
    """
    coordinator = init_integration.runtime_data.station
    updates = 0

    def updated() -> None:
        nonlocal updates
        updates += 1

    remove = coordinator.async_add_listener(updated)
    with patch.object(
        Entity,
        "async_write_ha_state",
        autospec=True,
        side_effect=Entity.async_write_ha_state,
    ) as writes:
        # A change no entity shows (the SIP password), then one that shows. Messages
        # arrive in order, so once the second is visible the first has been handled.
        simulator.stations.change("WS-114", sip_password="sip-Rotated")
        simulator.stations.change("WS-114", extension="115")
        await wait_for_state(hass, EXTENSION, "115")
    remove()

    assert updates == 1
    # One write for each of the station's entities, for the one real change.
    entities = {call.args[0].entity_id for call in writes.call_args_list}
    assert writes.call_count == len(entities)


async def test_station_removed(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.stations.remove()

    await wait_for_state(hass, STATION_CONNECTED, STATE_OFF)
    assert (state := hass.states.get(EXTENSION))
    assert state.state == STATE_UNKNOWN
    assert (state := hass.states.get(STATION))
    assert state.state == STATE_UNKNOWN
    assert (state := hass.states.get(STATION_TYPE))
    assert state.state == "none"
    assert (state := hass.states.get(CAN_BE_DIALED))
    assert state.state == STATE_UNKNOWN
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_ON


@pytest.mark.parametrize("notify", [True, False])
async def test_session_ended_by_the_server_is_recovered(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    notify: bool,
) -> None:
    caplog.set_level(logging.INFO, "custom_components.icws_station")
    extension = StateRecorder(hass, EXTENSION)
    server = StateRecorder(hass, SERVER_CONNECTION)
    logins = simulator.traffic.login_attempts

    simulator.sessions.end(notify=notify)
    simulator.stations.change("WS-114", extension="116")

    await wait_for_state(hass, EXTENSION, "116")
    assert extension.states == [STATE_UNAVAILABLE, "116"]
    assert server.states == [STATE_OFF, STATE_ON]
    assert simulator.traffic.login_attempts == logins + 1
    assert len(simulator.sessions) == 1
    messages = [record.getMessage() for record in caplog.records]
    assert len([text for text in messages if text.startswith("Lost connection")]) == 1
    assert len([text for text in messages if text.startswith("Connection to")]) == 1


async def test_server_down_then_back(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await simulator.stop()
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_OFF

    await simulator.start()
    simulator.stations.change("WS-114", extension="117")

    await wait_for_state(hass, EXTENSION, "117")
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_ON


async def test_wrong_password_during_recovery_starts_reauth_once(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    logins = simulator.traffic.login_attempts
    simulator.set_password("jdoe", "changed-on-the-server")

    simulator.sessions.end()
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    task = init_integration.runtime_data.session._task
    assert task is not None
    await task  # the message loop stops by itself: no retry loop is left running

    assert simulator.traffic.login_attempts == logins + 1
    flows = init_integration.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert len(list(flows)) == 1
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_OFF


@pytest.mark.parametrize(
    "station_options",
    [{CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-999"}],
)
async def test_station_refused_is_a_repair_issue_not_a_failure(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_OFF
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == STATE_ON
    issue = issue_registry.async_get_issue(
        DOMAIN, f"station_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "station_not_found"


@pytest.mark.parametrize("station_options", [{CONF_STATION_TYPE: "none"}])
async def test_no_station_chosen(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_OFF
    assert (state := hass.states.get(STATION_TYPE))
    assert state.state == "none"
    assert not any(
        method == "PUT" and path.split("/", 3)[-1] == "connection/station"
        for method, path, _ in simulator.traffic.requests
    )


@pytest.mark.parametrize("simulator_options", [{"messaging_version": 1}])
async def test_server_without_events_is_polled(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.stations.change("WS-114", extension="118")

    await wait_for_state(hass, EXTENSION, "118")
    assert (
        init_integration.runtime_data.session.effective_retrieval_mode
        is RetrievalMode.POLL
    )


async def test_unexpected_error_does_not_end_the_listener(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    apply = StationMessage.apply
    calls = 0

    def fails_once(message: StationMessage, current: Station | None) -> Station | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug in handling a message")
        return apply(message, current)

    with patch.object(StationMessage, "apply", fails_once):
        simulator.stations.change("WS-114", extension="120")
        await wait_for_state(hass, EXTENSION, "120")

    assert "Unexpected error while reading 127.0.0.1" in caplog.text
    task = init_integration.runtime_data.session._task
    assert task is not None
    assert not task.done()
