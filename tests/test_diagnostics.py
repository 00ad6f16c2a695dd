"""Diagnostics: useful to a maintainer, with every secret redacted."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.icws_station.const import (
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
)
from icws_simulator import IcwsSimulator

from .conftest import PASSWORD, SIP_PASSWORDS, USERNAME
from .helpers import wait_for_state

NUMBER = "3175559876"


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    # A loss and recovery puts an error into the history the diagnostics show.
    simulator.sessions.end()
    simulator.stations.change("WS-114", extension="119")
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


@pytest.mark.parametrize(
    "station_options",
    [
        {
            CONF_STATION_TYPE: "remote_workstation",
            CONF_WORKSTATION: "WS-114",
            CONF_REMOTE_NUMBER: NUMBER,
        }
    ],
)
async def test_diagnostics_hold_no_personal_data(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Remote number, SIP identity, account and server address stay out; the shape stays."""
    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    text = json.dumps(diagnostics)
    for personal in (
        NUMBER,
        USERNAME,
        "sip:ws-114@cic01.example.com",
        "user-ws-114",
        simulator.host,
        simulator.url,
    ):
        assert personal not in text
    station = diagnostics["station"]["station"]
    assert station["remote_number"] == "**REDACTED**"  # present, and redacted
    assert station["station_setting"] == "remote_workstation"
    assert diagnostics["entry"]["options"][CONF_REMOTE_NUMBER] == "**REDACTED**"
    assert diagnostics["server"]["features"]["messaging"] == 2
