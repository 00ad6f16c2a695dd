"""A subscription changed in the running session while the client renews them after a gap.

After any gap in the messages (a cut stream, an outage) the client PUTs every subscription
of the session again, one after the other, so that the server sends each in full. A
workgroup added to the wallboard (or a colleague added) meanwhile PUTs its subscription
with the new set at once: the renewal must not put the old set back after it, or the new
workgroup's sensors (the colleague's entities) would never move again.
"""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKGROUP,
    CONF_WORKSTATION,
)
from custom_components.icws_station.wallboard import STATISTICS, WORKGROUP_SUBENTRY
from icws_simulator import IcwsSimulator
from icws_testing.entries import config_entry
from tests.conftest import DISPLAY_NAME, PASSWORD, SERVER_NAME, USERNAME
from tests.helpers import wait_for_state

from .conftest import until

SUBSCRIPTIONS = "/messaging/subscriptions/"
STATISTICS_PATH = "/messaging/subscriptions/statistics/statistic-values"
SALES_WAITING = "sensor.sales_calls_waiting"
# Long enough that the renewal of every subscription takes a while; the statistics are
# the last the session made, so the last renewed.
DELAY = 0.2


@pytest.fixture
def mock_config_entry(simulator: IcwsSimulator) -> MockConfigEntry:
    """The user on WS-114, streaming, with Support on the wallboard."""
    return config_entry(
        simulator.url,
        USERNAME,
        PASSWORD,
        title=f"{DISPLAY_NAME} ({SERVER_NAME})",
        station={CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-114"},
        subentries=[
            ConfigSubentryData(
                data={CONF_WORKGROUP: "Support"},
                subentry_type=WORKGROUP_SUBENTRY,
                title="Support",
                unique_id="support",
            )
        ],
    )


def puts(simulator: IcwsSimulator, since: int, path: str) -> int:
    """How many PUTs on subscription paths ending in ``path`` were answered since then."""
    return sum(
        1
        for method, found, _ in simulator.traffic.requests[since:]
        if method == "PUT" and SUBSCRIPTIONS in found and found.endswith(path)
    )


def watched_keys(simulator: IcwsSimulator) -> int:
    """How many statistic keys the user's one session watches."""
    (keys,) = simulator.statistics.snapshot()["subscriptions"].values()
    return int(keys)


async def test_workgroup_added_while_the_subscriptions_are_renewed(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The renewal after a cut stream keeps the workgroup added while it ran."""
    mark = len(simulator.traffic.requests)
    simulator.traffic.response_delay = DELAY
    simulator.sessions.drop_sse_mid_event()
    simulator.sessions.inject_message(
        {"__type": "urn:example:unknownMessage", "isDelta": False}
    )
    await until(simulator, lambda: puts(simulator, mark, "") >= 1)

    flow = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, WORKGROUP_SUBENTRY), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], {CONF_WORKGROUP: "Sales"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The workgroup's PUT, then the renewal's.
    await until(simulator, lambda: puts(simulator, mark, STATISTICS_PATH) >= 2)
    simulator.traffic.response_delay = 0

    assert watched_keys(simulator) == 2 * len(STATISTICS)
    simulator.statistics.calls("Sales", "arrive")
    await wait_for_state(hass, SALES_WAITING, "1")
