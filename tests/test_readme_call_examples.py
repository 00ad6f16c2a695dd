"""The README's call control and voicemail examples, run as written against the simulator.

Each example's ``config_entry_id`` placeholder becomes the test entry's ID; nothing else
changes.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.script import DOMAIN as SCRIPT_DOMAIN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from icws_simulator import IcwsSimulator

from .conftest import USERNAME
from .helpers import wait_for_state
from .test_readme_examples import readme_automation

README = Path(__file__).parents[1] / "README.md"
PLACEHOLDER = "0123456789abcdef0123456789abcdef"
CALL_STATE = "sensor.jane_doe_cic01_call_state"
WAITING = "binary_sensor.jane_doe_cic01_voicemail_waiting"

pytestmark = pytest.mark.usefixtures("live_sessions")


def for_entry(config: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    """Return ``config`` with the README's entry ID replaced by ``entry``'s."""
    replaced: dict[str, Any] = json.loads(
        json.dumps(config).replace(PLACEHOLDER, entry.entry_id)
    )
    return replaced


def readme_script(name: str) -> dict[str, Any]:
    """Return the script ``name`` from the README's YAML examples."""
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL):
        config = parse_yaml(block)
        if isinstance(config, dict) and name in (config.get("script") or {}):
            return dict(config["script"][name])
    pytest.fail(f"No script {name!r} in the README")


async def automate(hass: HomeAssistant, entry: MockConfigEntry, alias: str) -> None:
    """Set the README's automation up for ``entry``."""
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {AUTOMATION_DOMAIN: [for_entry(readme_automation(alias), entry)]},
    )
    await hass.async_block_till_done()


def state(simulator: IcwsSimulator, call: str) -> str | None:
    interaction = simulator.calls.interactions.get(call)
    return None if interaction is None else interaction.state


async def test_headset_button_answers_then_hangs_up(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.calls.removal_delay = None
    await automate(hass, init_integration, "Headset button answers or hangs up")
    call = simulator.calls.ring(USERNAME, "Ada Lovelace", "+1 555 0100")
    await wait_for_state(hass, CALL_STATE, "ringing")

    hass.states.async_set("event.headset_talk_button", "2026-12-02T09:00:00.000+00:00")
    await wait_for_state(hass, CALL_STATE, "connected")
    assert state(simulator, call) == "C"
    await hass.async_block_till_done()  # the run ends once the server's answer is in

    hass.states.async_set("event.headset_talk_button", "2026-12-02T09:05:00.000+00:00")
    await wait_for_state(hass, CALL_STATE, "idle")
    assert state(simulator, call) == "I"


async def test_hold_when_leaving_the_desk(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    hass.states.async_set("binary_sensor.desk_occupancy", "on")
    await automate(hass, init_integration, "Hold the call when I leave my desk")
    call = simulator.calls.ring(USERNAME, "Ada Lovelace", "+1 555 0100")
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")

    hass.states.async_set("binary_sensor.desk_occupancy", "off")

    await wait_for_state(hass, CALL_STATE, "held")
    assert state(simulator, call) == "H"


async def test_dial_script_names_the_call_it_placed(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    notifications: list[ServiceCall] = async_mock_service(
        hass, "persistent_notification", "create"
    )
    script = for_entry(readme_script("call_the_door"), init_integration)
    assert await async_setup_component(
        hass, SCRIPT_DOMAIN, {SCRIPT_DOMAIN: {"call_the_door": script}}
    )

    await hass.services.async_call(SCRIPT_DOMAIN, "call_the_door", blocking=True)

    [placed] = simulator.calls.interactions.values()
    assert (placed.direction, placed.remote_number) == ("O", "4100")
    assert len(notifications) == 1
    assert placed.interaction_id in notifications[0].data["message"]


async def test_voicemail_light(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    turned_on = async_mock_service(hass, "light", "turn_on")
    turned_off = async_mock_service(hass, "light", "turn_off")
    await automate(hass, init_integration, "Voicemail light")

    simulator.voicemail.set_count(USERNAME, 1)
    await wait_for_state(hass, WAITING, "on")
    await hass.async_block_till_done()
    simulator.voicemail.set_count(USERNAME, 0)
    await wait_for_state(hass, WAITING, "off")
    await hass.async_block_till_done()

    assert [call.data["entity_id"] for call in turned_on] == [["light.voicemail_lamp"]]
    assert [call.data["entity_id"] for call in turned_off] == [["light.voicemail_lamp"]]
