"""Diagnostics: useful to a maintainer, with every secret redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from icws_simulator import IcwsSimulator

from .conftest import PASSWORD, SIP_PASSWORDS
from .helpers import wait_for_state


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    # A loss and recovery puts an error into the history the diagnostics show.
    simulator.end_session()
    simulator.update_station("WS-114", extension="119")
    await wait_for_state(hass, "sensor.jane_doe_cic01_extension", "119")
    session = next(iter(simulator.sessions.values()))

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    assert diagnostics == snapshot(exclude=props("url", "time"))
    text = json.dumps(diagnostics)
    for secret in (
        PASSWORD,
        *SIP_PASSWORDS.values(),
        session.session_id,
        session.csrf_token,
        session.cookie_value,
    ):
        assert secret not in text
