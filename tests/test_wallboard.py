"""The queue wallboard in Home Assistant, against the simulator over real HTTP.

Workgroups are added and removed as config subentries while the entry runs: one live session
throughout, no new login, and one statistic-values subscription that the session PUTs again
with every workgroup's statistics.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
import logging
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigSubentry, ConfigSubentryData
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.icws_station.const import CONF_WORKGROUP, DOMAIN
from custom_components.icws_station.wallboard import RETRY_DELAY, STATISTICS
from icws_simulator import IcwsSimulator

from .conftest import USERNAME
from .helpers import LiveSessionWatch, wait_for_removal, wait_for_state

pytestmark = pytest.mark.usefixtures("socket_enabled")

STATISTICS_PATH = "messaging/subscriptions/statistics/statistic-values"
WAITING = "sensor.support_calls_waiting"
LONGEST = "sensor.support_longest_wait"
AVAILABLE = "sensor.support_agents_available"
LOGGED_IN = "sensor.support_agents_logged_in"
AVERAGE_WAIT = "sensor.support_average_wait_this_period"
SALES_WAITING = "sensor.sales_calls_waiting"


@pytest.fixture
def one_session(
    simulator: IcwsSimulator, live_sessions: LiveSessionWatch
) -> Iterator[None]:
    """Fail the test if it logs in again or the session changes."""
    before = simulator.traffic.login_attempts, simulator.sessions.ids_of(USERNAME)
    yield
    assert (
        simulator.traffic.login_attempts,
        simulator.sessions.ids_of(USERNAME),
    ) == before


def subscribed_keys(simulator: IcwsSimulator) -> int:
    """Return how many statistic keys the user's one session watches (0: none)."""
    subscriptions: dict[str, int] = simulator.statistics.snapshot()["subscriptions"]
    assert len(subscriptions) <= 1
    return sum(subscriptions.values())


def puts(simulator: IcwsSimulator) -> int:
    """Return how many statistic-values PUTs the server has answered."""
    return sum(
        1
        for method, path, _ in simulator.traffic.requests
        if method == "PUT" and path.endswith(STATISTICS_PATH)
    )


async def start_flow(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "workgroup"), context={"source": SOURCE_USER}
    )
    return dict(result)


async def add_workgroup(
    hass: HomeAssistant, entry: MockConfigEntry, name: str
) -> ConfigSubentry:
    """Add a workgroup through the subentry flow; return its subentry."""
    result = await start_flow(hass, entry)
    assert result["type"] is FlowResultType.FORM
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_WORKGROUP: name}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return next(
        subentry
        for subentry in entry.subentries.values()
        if subentry.unique_id == name.casefold()
    )


def device_of(
    hass: HomeAssistant, entry: MockConfigEntry, identifier: str
) -> dr.DeviceEntry | None:
    """Return the entry's device with this identifier (on every supported release)."""
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(
                dr.async_get(hass), entry.entry_id
            )
            if (DOMAIN, identifier) in device.identifiers
        ),
        None,
    )


def options(result: dict[str, Any]) -> list[tuple[str, str]]:
    config = result["data_schema"].schema[CONF_WORKGROUP].config
    return [(option["value"], option["label"]) for option in config["options"]]


async def test_adding_a_workgroup_adds_its_device_in_the_running_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: None,
) -> None:
    session = init_integration.runtime_data.session
    result = await start_flow(hass, init_integration)
    assert result["step_id"] == "user"
    assert options(result) == [("Support", "Support"), ("Sales", "Sales")]
    assert subscribed_keys(simulator) == 0

    subentry = await add_workgroup(hass, init_integration, "Support")

    assert subentry.title == "Support"
    assert dict(subentry.data) == {CONF_WORKGROUP: "Support"}
    assert init_integration.runtime_data.session is session
    assert subscribed_keys(simulator) == len(STATISTICS)
    device = device_of(hass, init_integration, subentry.subentry_id)
    assert device is not None
    assert device.name == "Support"
    assert device.model == "Workgroup"
    parent = device_of(hass, init_integration, str(init_integration.unique_id))
    assert parent is not None
    assert device.via_device_id == parent.id
    entities = er.async_entries_for_device(er.async_get(hass), device.id)
    assert len(entities) == len(STATISTICS)
    assert {entity.config_subentry_id for entity in entities} == {subentry.subentry_id}
    waiting = await wait_for_state(hass, WAITING, "0")
    assert waiting.attributes["state_class"] == "measurement"
    longest = await wait_for_state(hass, LONGEST, "0")
    assert longest.attributes[ATTR_DEVICE_CLASS] == "duration"
    assert longest.attributes[ATTR_UNIT_OF_MEASUREMENT] == "s"
    state = hass.states.get("sensor.support_agents_available_percent")
    assert state is not None
    assert state.state == "50"
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "%"


async def test_values_follow_the_queue(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: None,
) -> None:
    await add_workgroup(hass, init_integration, "Support")
    await wait_for_state(hass, AVAILABLE, "2")
    simulator.statistics.calls("Support", "arrive", 3)
    await wait_for_state(hass, WAITING, "3")
    simulator.statistics.calls("Support", "answer", 2)
    await wait_for_state(hass, WAITING, "1")
    await wait_for_state(hass, AVAILABLE, "0")
    await wait_for_state(hass, "sensor.support_calls_connected", "2")
    await wait_for_state(hass, "sensor.support_answered_this_period", "2")
    simulator.statistics.calls("Support", "hold")
    await wait_for_state(hass, "sensor.support_calls_on_hold", "1")
    simulator.statistics.calls("Support", "abandon")
    await wait_for_state(hass, "sensor.support_abandoned_this_period", "1")
    await wait_for_state(hass, WAITING, "0")
    simulator.statistics.change("Support", agents_logged_in=5, agents_activated=3)
    await wait_for_state(hass, LOGGED_IN, "5")
    await wait_for_state(hass, "sensor.support_agents_activated", "3")


async def test_the_longest_wait_runs_while_calls_wait(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The server sends when the longest wait began; the sensor counts on from it."""
    began = dt_util.utcnow() - timedelta(seconds=42)
    simulator.statistics.clock = lambda: began
    await add_workgroup(hass, init_integration, "Support")

    simulator.statistics.calls("Support", "arrive")
    shown = await wait_for_state(hass, LONGEST, lambda state: state.state != "0")
    assert 42 <= int(shown.state) <= 44
    # A second later it shows a second more, with no message from the server.
    messages = simulator.traffic.requests[:]
    await wait_for_state(
        hass, LONGEST, lambda state: int(state.state) > int(shown.state), within=3
    )
    assert simulator.traffic.requests == messages

    simulator.statistics.calls("Support", "answer")
    await wait_for_state(hass, LONGEST, "0")  # the queue is empty: no value, shown as 0
    average = await wait_for_state(hass, AVERAGE_WAIT, lambda s: s.state != "unknown")
    assert float(average.state) == 0  # the simulator's clock stood still meanwhile


async def test_no_value_is_zero_for_the_queue_and_unknown_for_the_rest(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await add_workgroup(hass, init_integration, "Support")
    await wait_for_state(hass, LONGEST, "0")
    await wait_for_state(hass, AVERAGE_WAIT, STATE_UNKNOWN)  # nothing answered yet

    simulator.statistics.set_value("Support", "InteractionsWaiting", None)
    simulator.statistics.change("Support", agents_logged_in=0)
    await wait_for_state(hass, AVAILABLE, STATE_UNKNOWN)
    await wait_for_state(hass, "sensor.support_agents_available_percent", STATE_UNKNOWN)
    state = await wait_for_state(hass, WAITING, "0")
    assert state.state == "0"


async def test_an_error_value_makes_only_that_sensor_unavailable(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add_workgroup(hass, init_integration, "Support")
    await wait_for_state(hass, LOGGED_IN, "4")
    caplog.set_level(logging.INFO, "custom_components.icws_station")

    simulator.statistics.set_error("Support", "AgentsLoggedIn", 2)
    await wait_for_state(hass, LOGGED_IN, STATE_UNAVAILABLE)
    state = hass.states.get(WAITING)
    assert state is not None
    assert state.state == "0"
    # A full message repeats the error: it was logged already.
    await add_workgroup(hass, init_integration, "Sales")
    await wait_for_state(hass, SALES_WAITING, "0")
    warnings = [r for r in caplog.records if "AgentsLoggedIn" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "Support" in warnings[0].getMessage()
    assert "unknown_statistic_key" in warnings[0].getMessage()

    simulator.statistics.reset("Support")
    await wait_for_state(hass, LOGGED_IN, "4")
    back = [r for r in caplog.records if "AgentsLoggedIn" in r.getMessage()]
    assert len(back) == 2
    assert back[1].levelno == logging.INFO


async def test_a_busy_statistic_is_asked_for_again_later(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await add_workgroup(hass, init_integration, "Support")
    await wait_for_state(hass, LOGGED_IN, "4")
    simulator.statistics.set_error("Support", "AgentsLoggedIn", 3)
    await wait_for_state(hass, LOGGED_IN, STATE_UNAVAILABLE)
    before = puts(simulator)
    simulator.statistics.queue("Support").errors.clear()  # the provider has time now

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=RETRY_DELAY))
    await wait_for_state(hass, LOGGED_IN, "4")
    assert puts(simulator) == before + 1


async def test_removing_a_workgroup_removes_its_device_and_statistics(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: None,
) -> None:
    support = await add_workgroup(hass, init_integration, "Support")
    sales = await add_workgroup(hass, init_integration, "Sales")
    await wait_for_state(hass, SALES_WAITING, "0")
    assert subscribed_keys(simulator) == 2 * len(STATISTICS)

    assert hass.config_entries.async_remove_subentry(
        init_integration, support.subentry_id
    )
    await hass.async_block_till_done()
    await wait_for_removal(hass, WAITING)
    assert device_of(hass, init_integration, support.subentry_id) is None
    assert subscribed_keys(simulator) == len(STATISTICS)
    simulator.statistics.calls("Sales", "arrive")
    await wait_for_state(hass, SALES_WAITING, "1")

    hass.config_entries.async_remove_subentry(init_integration, sales.subentry_id)
    await hass.async_block_till_done()
    await wait_for_removal(hass, SALES_WAITING)
    assert subscribed_keys(simulator) == 0  # no workgroup left: no subscription


async def test_a_workgroup_is_added_once(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await add_workgroup(hass, init_integration, "Support")
    result = await start_flow(hass, init_integration)
    assert options(result) == [("Sales", "Sales")]

    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_WORKGROUP: " SUPPORT "}
        )
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_an_unknown_workgroup_is_a_form_error(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    result = await start_flow(hass, init_integration)
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_WORKGROUP: "Nowhere"}
        )
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_WORKGROUP: "unknown_workgroup"}

    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_WORKGROUP: "sales"}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Sales"


async def test_a_workgroup_beyond_a_short_list_is_found_by_name(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.statistics.max_results = 1
    result = await start_flow(hass, init_integration)
    assert options(result) == [("Support", "Support")]
    result = dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_WORKGROUP: "Sales"}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_WORKGROUP: "Sales"}


async def test_a_list_the_server_cannot_give_is_a_form_error(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.statistics.version = 0  # the server stopped answering statistics queries
    result = await start_flow(hass, init_integration)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_list"}
    assert options(result) == []


async def test_the_flow_never_logs_in_on_its_own(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    one_session: None,
) -> None:
    simulator.set_outage("refuse")
    await wait_for_state(hass, "binary_sensor.jane_doe_cic01_server_connection", "off")
    result = await start_flow(hass, init_integration)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_connected"
    simulator.set_outage(None)
    await wait_for_state(hass, "binary_sensor.jane_doe_cic01_server_connection", "on")


async def test_an_entry_not_loaded_has_no_session_to_ask(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    logins = simulator.traffic.login_attempts

    result = await start_flow(hass, init_integration)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_connected"
    assert simulator.traffic.login_attempts == logins


async def test_a_user_without_statistics_cannot_add_workgroups(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.statistics.deny(USERNAME)
    result = await start_flow(hass, init_integration)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_workgroups"


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """Workgroups already on the wallboard when the entry is set up."""
    return [
        ConfigSubentryData(
            data={CONF_WORKGROUP: name},
            subentry_type="workgroup",
            title=name,
            unique_id=name.casefold(),
        )
        for name in ("Support", "Sales")
    ]


@pytest.fixture
async def with_workgroups(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    subentries: list[ConfigSubentryData],
) -> MockConfigEntry:
    """The entry with two workgroups on its wallboard, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=mock_config_entry.version,
        minor_version=mock_config_entry.minor_version,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data=dict(mock_config_entry.data),
        options=dict(mock_config_entry.options),
        subentries_data=subentries,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_setup_watches_every_workgroup_in_one_subscription(
    hass: HomeAssistant, simulator: IcwsSimulator, with_workgroups: MockConfigEntry
) -> None:
    await wait_for_state(hass, WAITING, "0")
    await wait_for_state(hass, SALES_WAITING, "0")
    assert puts(simulator) == 1
    assert subscribed_keys(simulator) == 2 * len(STATISTICS)


async def test_the_subscription_is_renewed_after_a_gap(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    with_workgroups: MockConfigEntry,
    live_sessions: LiveSessionWatch,
) -> None:
    await wait_for_state(hass, WAITING, "0")
    simulator.set_outage("drop_streams")
    await wait_for_state(hass, WAITING, STATE_UNAVAILABLE)
    simulator.set_outage(None)
    await wait_for_state(hass, WAITING, "0")
    assert puts(simulator) == 2
    simulator.statistics.calls("Sales", "arrive")
    await wait_for_state(hass, SALES_WAITING, "1")

    # The server ends the session: the new one watches every workgroup again.
    simulator.sessions.end(user=USERNAME)
    await wait_for_state(hass, WAITING, STATE_UNAVAILABLE)
    await wait_for_state(hass, WAITING, "0")
    await wait_for_state(hass, SALES_WAITING, "1")
    assert subscribed_keys(simulator) == 2 * len(STATISTICS)


async def test_a_refused_renewal_makes_the_wallboard_unavailable_until_it_is_back(
    hass: HomeAssistant, simulator: IcwsSimulator, with_workgroups: MockConfigEntry
) -> None:
    await wait_for_state(hass, WAITING, "0")
    simulator.statistics.version = 0  # a switchover partner without statistics
    simulator.set_outage("drop_streams")
    simulator.set_outage(None)
    await wait_for_state(hass, WAITING, STATE_UNAVAILABLE)
    state = hass.states.get("sensor.jane_doe_cic01_status")
    assert state is not None
    assert state.state != STATE_UNAVAILABLE

    simulator.statistics.version = 1
    simulator.set_outage("drop_streams")
    simulator.set_outage(None)
    await wait_for_state(hass, WAITING, "0")


async def test_a_changed_set_the_server_refuses_is_put_again_later(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    subentries: list[ConfigSubentryData],
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.statistics.version = 0
    workgroup = subentries[0]
    hass.config_entries.async_add_subentry(
        init_integration,
        ConfigSubentry(
            data=MappingProxyType(dict(workgroup["data"])),
            subentry_type=workgroup["subentry_type"],
            title=workgroup["title"],
            unique_id=workgroup["unique_id"],
        ),
    )
    await hass.async_block_till_done()
    assert "did not take the wallboard's statistics" in caplog.text
    await wait_for_state(hass, WAITING, STATE_UNKNOWN)

    simulator.statistics.version = 1
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=RETRY_DELAY))
    await wait_for_state(hass, WAITING, "0")


async def test_a_workgroup_added_during_an_outage_is_watched_once_it_is_over(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    subentries: list[ConfigSubentryData],
    one_session: None,
) -> None:
    """The session lives on through the outage; the client alone would renew the old set."""
    simulator.set_outage("refuse")
    await wait_for_state(hass, "binary_sensor.jane_doe_cic01_server_connection", "off")
    workgroup = subentries[1]
    hass.config_entries.async_add_subentry(
        init_integration,
        ConfigSubentry(
            data=MappingProxyType(dict(workgroup["data"])),
            subentry_type=workgroup["subentry_type"],
            title=workgroup["title"],
            unique_id=workgroup["unique_id"],
        ),
    )
    await hass.async_block_till_done()
    assert subscribed_keys(simulator) == 0

    simulator.set_outage(None)
    await wait_for_state(hass, SALES_WAITING, "0")
    assert subscribed_keys(simulator) == len(STATISTICS)


async def test_no_wallboard_without_the_feature(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    simulator.statistics.version = 0
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    result = await start_flow(hass, mock_config_entry)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "statistics_not_supported"


async def test_diagnostics_count_the_wallboard(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    with_workgroups: MockConfigEntry,
) -> None:
    await wait_for_state(hass, SALES_WAITING, "0")
    simulator.statistics.set_error("Sales", "AgentsLoggedIn", 2)
    await wait_for_state(hass, "sensor.sales_agents_logged_in", STATE_UNAVAILABLE)

    found: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, with_workgroups
    )

    wallboard = found["wallboard"]
    assert wallboard["workgroups"] == 2
    assert wallboard["statistics"] == 2 * len(STATISTICS)
    assert wallboard["errors"] == 1
    assert wallboard["values"] + wallboard["no_value"] == 2 * len(STATISTICS)
    assert found["activations"] == {
        "last_update_success": True,
        "workgroups": 2,
        "activated": 1,
    }
