"""The refused-station issue: raised once, cleared by a new choice and by removing the entry."""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, STATE_OFF, STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import (
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_simulator import IcwsSimulator

from .helpers import wait_for_state

STATION_CONNECTED = "binary_sensor.jane_doe_cic01_station_connected"
SERVER_CONNECTION = "binary_sensor.jane_doe_cic01_server_connection"

pytestmark = [
    pytest.mark.usefixtures("live_sessions"),
    pytest.mark.parametrize(
        "station_options",
        [{CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-999"}],
    ),
]


@pytest.fixture
def issue_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every change of the issue registry, in order."""
    events: list[dict[str, Any]] = []

    @callback
    def record(event: Event[ir.EventIssueRegistryUpdatedData]) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, record)
    return events


def issue_id(entry: MockConfigEntry) -> str:
    return f"station_{entry.entry_id}"


async def test_raised_once_across_reconnects(
    hass: HomeAssistant,
    issue_events: list[dict[str, Any]],
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(init_integration))
    assert issue is not None
    assert issue.translation_key == "station_not_found"

    for _ in range(2):
        simulator.sessions.end()
        await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
        await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)

    ours = [event for event in issue_events if event["domain"] == DOMAIN]
    assert ours == [
        {"action": "create", "domain": DOMAIN, "issue_id": issue_id(init_integration)}
    ]
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_OFF


async def test_cleared_by_no_station_in_the_options(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_STATION_TYPE: "none", CONF_RETRIEVAL_MODE: "auto"}
    )
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, issue_id(init_integration)) is None


async def test_cleared_by_another_station(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "connect_station",
        {
            ATTR_CONFIG_ENTRY_ID: init_integration.entry_id,
            CONF_STATION_TYPE: "workstation",
            CONF_WORKSTATION: "WS-115",
        },
        blocking=True,
    )

    assert issue_registry.async_get_issue(DOMAIN, issue_id(init_integration)) is None
    await wait_for_state(hass, STATION_CONNECTED, STATE_ON)


async def test_cleared_with_the_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    assert issue_registry.async_get_issue(DOMAIN, issue_id(init_integration))

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert issue_registry.async_get_issue(DOMAIN, issue_id(init_integration)) is None
