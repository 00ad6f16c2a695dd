"""Workgroup activation switches in Home Assistant, against the simulator over real HTTP.

One live session throughout, and no new login: workgroups the user joins or leaves, and a
supervisor's changes, all come through the running session's activation watch.
"""

from __future__ import annotations

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_FRIENDLY_NAME,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from icws_simulator import IcwsSimulator

from .conftest import USERNAME
from .helpers import LiveSessionWatch, wait_for_removal, wait_for_state

pytestmark = pytest.mark.usefixtures("socket_enabled")

SUPPORT = "switch.jane_doe_cic01_activated_in_support"
SALES = "switch.jane_doe_cic01_activated_in_sales"
BILLING = "switch.jane_doe_cic01_activated_in_billing"


@pytest.fixture
def one_session(
    simulator: IcwsSimulator, live_sessions: LiveSessionWatch
) -> tuple[int, list[str]]:
    """The logins and the session before the test: neither may change."""
    return simulator.traffic.login_attempts, simulator.sessions.ids_of(USERNAME)


def assert_same_session(
    simulator: IcwsSimulator, before: tuple[int, list[str]]
) -> None:
    assert (
        simulator.traffic.login_attempts,
        simulator.sessions.ids_of(USERNAME),
    ) == before


async def switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_a_switch_per_workgroup_of_the_user(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    support = hass.states.get(SUPPORT)
    sales = hass.states.get(SALES)
    assert support is not None
    assert sales is not None
    assert support.state == STATE_ON
    assert sales.state == STATE_OFF
    assert (
        support.attributes[ATTR_FRIENDLY_NAME]
        == "Jane Doe (CIC01) Activated in Support"
    )
    assert sales.attributes["workgroup"] == "Sales"
    entry = er.async_get(hass).async_get(SALES)
    assert entry is not None
    assert entry.translation_key == "workgroup_activation"


async def test_switching_goes_to_the_server_and_back(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: tuple[int, list[str]],
) -> None:
    await switch(hass, SERVICE_TURN_ON, SALES)
    # The call returns once the server has it; the state follows the server's message.
    assert simulator.workgroups.activations(USERNAME) == {
        "Support": True,
        "Sales": True,
    }
    await wait_for_state(hass, SALES, STATE_ON)

    await switch(hass, SERVICE_TURN_OFF, SUPPORT)
    await wait_for_state(hass, SUPPORT, STATE_OFF)
    assert simulator.workgroups.activations(USERNAME)["Support"] is False
    state = hass.states.get(SALES)
    assert state is not None
    assert state.state == STATE_ON  # only the workgroup switched changed
    assert_same_session(simulator, one_session)


async def test_a_supervisors_change_shows_at_once(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: tuple[int, list[str]],
) -> None:
    simulator.workgroups.set_member("Support", USERNAME, False)
    await wait_for_state(hass, SUPPORT, STATE_OFF)
    simulator.workgroups.set_member("Sales", USERNAME, True)
    await wait_for_state(hass, SALES, STATE_ON)
    assert_same_session(simulator, one_session)


async def test_workgroups_come_and_go_without_a_reload(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: tuple[int, list[str]],
) -> None:
    registry = er.async_get(hass)

    simulator.workgroups.add_workgroup("Billing", {USERNAME: True})
    await wait_for_state(hass, BILLING, STATE_ON)
    entry = registry.async_get(BILLING)
    assert entry is not None
    assert entry.config_entry_id == init_integration.entry_id

    simulator.workgroups.remove_member("Sales", USERNAME)
    await wait_for_removal(hass, SALES)
    assert registry.async_get(SALES) is None
    assert hass.states.get(SUPPORT) is not None

    # Back in the workgroup: the switch comes back.
    simulator.workgroups.set_member("Sales", USERNAME, True)
    await wait_for_state(hass, SALES, STATE_ON)
    assert_same_session(simulator, one_session)


@pytest.mark.parametrize(
    ("refuse", "key"),
    [("right", "activation_not_allowed"), ("membership", "activation_refused")],
)
async def test_a_refused_switch_says_why_and_keeps_its_state(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: tuple[int, list[str]],
    refuse: str,
    key: str,
) -> None:
    if refuse == "right":
        simulator.workgroups.refuse(USERNAME)
    else:
        # The server no longer has the user in Sales, and has not said so yet.
        del simulator.workgroups.workgroups["sales"].members[USERNAME]

    with pytest.raises(HomeAssistantError) as raised:
        await switch(hass, SERVICE_TURN_ON, SALES)

    assert raised.value.translation_key == key
    assert (raised.value.translation_placeholders or {})["workgroup"] == "Sales"
    state = hass.states.get(SALES)
    assert state is not None
    assert state.state == STATE_OFF
    assert_same_session(simulator, one_session)


async def test_no_switches_without_the_feature(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    simulator.workgroups.version = 0
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.async_entity_ids(SWITCH_DOMAIN) == []
    assert not mock_config_entry.runtime_data.activations.supported


async def test_a_refused_renewal_makes_the_switches_unavailable(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A switchover partner without the feature: the switches cannot be trusted."""
    simulator.workgroups.version = 0
    simulator.set_outage("drop_streams")
    simulator.set_outage(None)
    await wait_for_state(hass, SALES, STATE_UNAVAILABLE)
    assert hass.states.get("sensor.jane_doe_cic01_status") is not None
