"""Personal data of the status: in the user's entities, never in the log or diagnostics.

Notes and forward numbers are the user's: the status sensor shows them, a debug log may
name them, and nothing else does (README, Presence).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.icws_station.const import DOMAIN
from icws_simulator import IcwsSimulator

from .conftest import USERNAME
from .helpers import wait_for_state

pytestmark = pytest.mark.usefixtures("socket_enabled")

STATUS = "sensor.jane_doe_cic01_status"
NOTES = "Dentist at 3, back at 4"
FORWARD_NUMBER = "+1 555 0177"
OTHER_NOTES = "Interviewing a candidate"


async def test_notes_and_forward_numbers_stay_out_of_logs_and_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set by the action and by the server, through a loss and a recovery."""
    caplog.set_level(logging.DEBUG)
    await hass.services.async_call(
        DOMAIN,
        "set_status",
        {
            ATTR_CONFIG_ENTRY_ID: init_integration.entry_id,
            "status": "Available Forward",
            "notes": NOTES,
            "forward_number": FORWARD_NUMBER,
        },
        blocking=True,
    )
    state = await wait_for_state(hass, STATUS, "Available, Forward")
    assert (state.attributes["notes"], state.attributes["forward_number"]) == (
        NOTES,
        FORWARD_NUMBER,
    )
    forwarding: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    simulator.sessions.end()
    await wait_for_state(hass, STATUS, STATE_UNAVAILABLE)
    await wait_for_state(hass, STATUS, "Available, Forward")
    simulator.status.set_user_status(USERNAME, "In a Meeting", notes=OTHER_NOTES)
    await wait_for_state(hass, STATUS, "In a Meeting")
    meeting = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    shown = forwarding["status"]["status"]
    assert (shown["has_notes"], shown["has_forward_number"]) == (True, True)
    text = json.dumps([forwarding, meeting])
    logged = [
        record.getMessage()
        for record in caplog.records
        if record.levelno > logging.DEBUG
    ]
    assert logged  # the loss and the recovery were logged above debug level
    for personal in (NOTES, FORWARD_NUMBER, OTHER_NOTES):
        assert personal not in text
        assert not [line for line in logged if personal in line]
