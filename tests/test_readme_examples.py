"""The README's automation examples, run as written against the simulator."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from icws_simulator import IcwsSimulator

from .conftest import DISPLAY_NAME, PASSWORD, USERNAME
from .helpers import wait_for_state

README = Path(__file__).parents[1] / "README.md"
MANAGER = "ada.allen"
STATION_CONNECTED = "binary_sensor.jane_doe_cic01_station_connected"
LONGEST_WAIT = "sensor.support_longest_wait"
SALES_SWITCH = "switch.jane_doe_cic01_activated_in_sales"


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """The user and a colleague, their manager."""
    return {
        "users": {USERNAME: PASSWORD, MANAGER: "pw-ada"},
        "display_names": {USERNAME: DISPLAY_NAME, MANAGER: "Ada Allen"},
    }


def readme_automation(alias: str) -> dict[str, Any]:
    """Return the automation with this alias from the README's YAML examples."""
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL):
        config = parse_yaml(block)
        if not isinstance(config, dict):
            continue
        for automation in config.get("automation") or []:
            if isinstance(automation, dict) and automation.get("alias") == alias:
                return dict(automation)
    pytest.fail(f"No automation {alias!r} in the README")


async def test_station_drops_notification_names_the_reason(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The notification the README's example sends says why the station dropped.

    The example waits 30 s with ``for:`` and reads the reason from the state it was
    triggered by: the state and the reason must come in one write.
    """
    # A Wednesday at 10:00, inside the example's working hours.
    freezer.move_to(
        datetime(2026, 12, 2, 10, 0, tzinfo=dt_util.get_default_time_zone())
    )
    notifications: list[ServiceCall] = async_mock_service(
        hass, "notify", "mobile_app_my_phone"
    )
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {AUTOMATION_DOMAIN: [readme_automation("Tell me when my station drops")]},
    )
    await hass.async_block_till_done()
    reason = "Your connection has been dropped due to a subsequent login"

    simulator.stations.take(USERNAME, reason=reason)
    await wait_for_state(hass, STATION_CONNECTED, "off")
    freezer.tick(31)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert len(notifications) == 1
    assert notifications[0].data["title"] == "Station logged off"
    assert reason in notifications[0].data["message"]


async def test_manager_back_from_lunch_notifies_once(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """The colleague example fires when Ada leaves At Lunch, not when she goes there."""
    manager = MANAGER
    simulator.status.set_user_status(manager, "At Lunch")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    flow = await hass.config_entries.subentries.async_init(
        (mock_config_entry.entry_id, "colleague"), context={"source": "user"}
    )
    await hass.config_entries.subentries.async_configure(
        flow["flow_id"], {"user_id": manager}
    )
    await hass.async_block_till_done()
    await wait_for_state(hass, "sensor.ada_allen_status", "At Lunch")
    notifications: list[ServiceCall] = async_mock_service(
        hass, "notify", "mobile_app_my_phone"
    )
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {AUTOMATION_DOMAIN: [readme_automation("My manager is back from lunch")]},
    )
    await hass.async_block_till_done()

    simulator.status.set_user_status(manager, "Available")
    await wait_for_state(hass, "sensor.ada_allen_status", "Available")
    await hass.async_block_till_done()
    simulator.status.set_user_status(manager, "At Lunch")
    await wait_for_state(hass, "sensor.ada_allen_status", "At Lunch")
    await hass.async_block_till_done()

    assert [call.data for call in notifications] == [
        {"title": "Ada is back", "message": "Ada Allen is Available."}
    ]


async def _add_support(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Put the workgroup Support on the entry's wallboard, as the subentry flow does."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "workgroup"), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"workgroup": "Support"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_red_light_while_a_caller_waits_over_a_minute(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    turned_on = async_mock_service(hass, "light", "turn_on")
    turned_off = async_mock_service(hass, "light", "turn_off")
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {AUTOMATION_DOMAIN: [readme_automation("Support queue red light")]},
    )
    await _add_support(hass, init_integration)
    await wait_for_state(hass, LONGEST_WAIT, "0")
    await hass.async_block_till_done()
    off_before = len(turned_off)

    began = dt_util.utcnow() - timedelta(seconds=75)
    simulator.statistics.clock = lambda: began
    simulator.statistics.calls("Support", "arrive")
    await wait_for_state(hass, LONGEST_WAIT, lambda state: int(state.state) > 60)
    await hass.async_block_till_done()
    assert [call.data["color_name"] for call in turned_on] == ["red"]

    simulator.statistics.calls("Support", "answer")
    await wait_for_state(hass, LONGEST_WAIT, "0")
    await hass.async_block_till_done()
    assert len(turned_off) == off_before + 1


async def test_leaving_the_office_deactivates_sales(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    office = {"latitude": 52.0, "longitude": 4.0}
    assert await async_setup_component(
        hass, "zone", {"zone": [{"name": "Office", "radius": 100, **office}]}
    )
    hass.states.async_set("person.jane", "Office", office)
    simulator.workgroups.set_member("Sales", USERNAME, True)
    await wait_for_state(hass, SALES_SWITCH, "on")
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: [
                readme_automation("Deactivate Sales when I leave the office")
            ]
        },
    )
    await hass.async_block_till_done()

    hass.states.async_set(
        "person.jane", "not_home", {"latitude": 52.1, "longitude": 4.1}
    )

    await wait_for_state(hass, SALES_SWITCH, "off")
    assert simulator.workgroups.activations(USERNAME)["Sales"] is False
