"""Voicemail waiting against the simulator over real HTTP: present, absent, unavailable."""

from __future__ import annotations

import logging

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from icws_simulator import IcwsSimulator
from icws_simulator.voicemail import STATE_FAULTED, STATE_NORMAL, STATE_SUSPENDED

from .conftest import USERNAME
from .helpers import wait_for_state

COUNT = "sensor.jane_doe_cic01_voicemails"
WAITING = "binary_sensor.jane_doe_cic01_voicemail_waiting"
STATUS = "sensor.jane_doe_cic01_status"
SUBSCRIPTION = "messaging/subscriptions/unified-messaging/messages-waiting-indicator"

pytestmark = pytest.mark.usefixtures("live_sessions")


def subscriptions_asked(simulator: IcwsSimulator) -> int:
    """How many times the session asked for the voicemail subscription."""
    return sum(
        1
        for method, path, _ in simulator.traffic.requests
        if method == "PUT" and path.endswith(SUBSCRIPTION)
    )


async def test_count_and_waiting_follow_the_server(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    assert (count := hass.states.get(COUNT))
    assert count.state == "0"
    assert (waiting := hass.states.get(WAITING))
    assert waiting.state == STATE_OFF

    simulator.voicemail.set_count(USERNAME, 2)
    await wait_for_state(hass, COUNT, "2")
    assert (waiting := hass.states.get(WAITING))
    assert waiting.state == STATE_ON

    simulator.voicemail.set_count(USERNAME, 0)
    await wait_for_state(hass, WAITING, STATE_OFF)
    assert (count := hass.states.get(COUNT))
    assert count.state == "0"


async def test_a_count_waiting_at_start(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    simulator.voicemail.set_count(USERNAME, 3)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert (count := hass.states.get(COUNT))
    assert count.state == "3"
    assert (waiting := hass.states.get(WAITING))
    assert waiting.state == STATE_ON


async def test_not_offered_no_entities_no_error_no_retry(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that refuses the subscription: no voicemail entities, and nothing else."""
    simulator.voicemail.offered = False
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    for entity_id in (COUNT, WAITING):
        assert entity_registry.async_get(entity_id) is None
    assert (status := hass.states.get(STATUS))
    assert status.state == "Available"
    # A gap in the messages renews what the session holds: voicemail is not among it.
    simulator.sessions.drop_sse_mid_event()
    simulator.status.set_user_status(USERNAME, "Do Not Disturb")
    await wait_for_state(hass, STATUS, "Do Not Disturb")
    assert subscriptions_asked(simulator) == 1
    assert not [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.startswith("custom_components.icws_station")
    ]
    assert mock_config_entry.runtime_data.voicemail.supported is False


@pytest.mark.parametrize("state", [STATE_FAULTED, STATE_SUSPENDED])
async def test_unavailable_while_the_server_cannot_count(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    state: int,
) -> None:
    """A state other than Normal: unavailable; a count meanwhile shows once Normal."""
    simulator.voicemail.set_state(state, "The message store is offline")
    await wait_for_state(hass, COUNT, STATE_UNAVAILABLE)
    assert (waiting := hass.states.get(WAITING))
    assert waiting.state == STATE_UNAVAILABLE
    assert (status := hass.states.get(STATUS))
    assert status.state == "Available"  # only voicemail is affected

    simulator.voicemail.set_count(USERNAME, 1)
    await hass.async_block_till_done()
    assert (count := hass.states.get(COUNT))
    assert count.state == STATE_UNAVAILABLE

    simulator.voicemail.set_state(STATE_NORMAL)
    await wait_for_state(hass, COUNT, "1")
    assert (waiting := hass.states.get(WAITING))
    assert waiting.state == STATE_ON


async def test_normal_again_with_the_same_count(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.voicemail.set_state(STATE_FAULTED)
    await wait_for_state(hass, COUNT, STATE_UNAVAILABLE)
    simulator.voicemail.set_state(STATE_NORMAL)
    await wait_for_state(hass, COUNT, "0")


async def test_faulted_from_the_start(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """The entities exist (the server offers it) and wait, unavailable, for Normal."""
    simulator.voicemail.set_state(STATE_FAULTED)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert (count := hass.states.get(COUNT))
    assert count.state == STATE_UNAVAILABLE
    simulator.voicemail.set_state(STATE_NORMAL)
    await wait_for_state(hass, COUNT, "0")


async def test_refused_after_a_new_login(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """Offered before, refused after the server ended the session: unavailable."""
    simulator.voicemail.offered = False
    simulator.sessions.end()
    await wait_for_state(hass, COUNT, STATE_UNAVAILABLE)
    await wait_for_state(hass, STATUS, "Available")
    assert (count := hass.states.get(COUNT))
    assert count.state == STATE_UNAVAILABLE


async def test_refused_renewal(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.voicemail.offered = False
    simulator.sessions.drop_sse_mid_event()
    simulator.status.set_user_status(USERNAME, "Do Not Disturb")
    await wait_for_state(hass, COUNT, STATE_UNAVAILABLE)
    await wait_for_state(hass, STATUS, "Do Not Disturb")


async def test_manual_update_asks_for_a_recount(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": COUNT}, blocking=True
    )
    assert any(
        path.endswith("count-refresh") for _, path, _ in simulator.traffic.requests
    )
    assert (count := hass.states.get(COUNT))
    assert count.state == "0"

    # While the server cannot count, a refresh (not debounced here) keeps it unavailable.
    simulator.voicemail.set_state(STATE_FAULTED)
    await wait_for_state(hass, COUNT, STATE_UNAVAILABLE)
    refreshes = sum(
        1 for _, path, _ in simulator.traffic.requests if "count-refresh" in path
    )
    await init_integration.runtime_data.voicemail.async_refresh()
    await hass.async_block_till_done()
    assert sum(
        1 for _, path, _ in simulator.traffic.requests if "count-refresh" in path
    ) == (refreshes + 1)
    assert (count := hass.states.get(COUNT))
    assert count.state == STATE_UNAVAILABLE
