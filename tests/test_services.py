"""The station actions against the simulator: switching, keeping the choice, every error."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsStationError,
    IcwsTimeoutError,
)
from icws_simulator import IcwsSimulator

from .conftest import USERNAME
from .helpers import LiveSessionWatch, wait_for_state

STATION = "sensor.jane_doe_cic01_station"
STATION_TYPE = "sensor.jane_doe_cic01_station_type"
REMOTE_NUMBER = "sensor.jane_doe_cic01_remote_number"
STATION_CONNECTED = "binary_sensor.jane_doe_cic01_station_connected"
SERVER_CONNECTION = "binary_sensor.jane_doe_cic01_server_connection"
NUMBER = "3175551234"

pytestmark = pytest.mark.usefixtures("live_sessions")


async def connect(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> None:
    await hass.services.async_call(
        DOMAIN,
        "connect_station",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data},
        blocking=True,
    )


async def disconnect(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.services.async_call(
        DOMAIN,
        "disconnect_station",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id},
        blocking=True,
    )


def station_puts(simulator: IcwsSimulator) -> list[dict[str, Any]]:
    return [dict(body) for body in simulator.traffic.station_requests]


async def test_switch_while_connected(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    (session_id,) = simulator.sessions

    await connect(
        hass, init_integration, station_type="workstation", workstation="WS-115"
    )

    await wait_for_state(hass, STATION, "WS-115")
    assert init_integration.options == {
        CONF_RETRIEVAL_MODE: "auto",
        CONF_STATION_TYPE: "workstation",
        CONF_WORKSTATION: "WS-115",
    }
    assert list(simulator.sessions) == [session_id]
    assert (station := simulator.sessions[session_id].station) is not None
    assert station.id == "WS-115"
    # A switch the user asked for is no logoff by the server.
    state = hass.states.get(STATION_CONNECTED)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["logged_off_reason"] is None


async def test_switch_on_a_server_that_wants_a_disconnect_first(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.stations.switch = "disconnect_first"
    since = len(simulator.traffic.requests)

    await connect(
        hass, init_integration, station_type="workstation", workstation="WS-115"
    )

    await wait_for_state(hass, STATION, "WS-115")
    calls = [
        (method, path.split("/", 3)[-1])
        for method, path, _ in simulator.traffic.requests
    ]
    assert calls[since:] == [
        ("PUT", "connection/station"),
        ("DELETE", "connection/station"),
        ("PUT", "connection/station"),
    ]
    state = hass.states.get(STATION_CONNECTED)
    assert state is not None
    assert state.attributes["logged_off_reason"] is None


async def test_remote_number_and_its_persistent_line(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await connect(
        hass,
        init_integration,
        station_type="remote_number",
        remote_number=f" {NUMBER} ",
        persistent=True,
    )

    await wait_for_state(hass, STATION_TYPE, "remote_number")
    assert station_puts(simulator)[-1] == {
        "__type": "urn:inin.com:connection:remoteNumberSettings",
        "remoteNumber": NUMBER,
        "persistentConnection": True,
    }
    assert init_integration.options[CONF_REMOTE_NUMBER] == NUMBER
    assert init_integration.options[CONF_PERSISTENT] is True
    assert CONF_WORKSTATION not in init_integration.options


async def test_disconnect_sticks(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    puts = len(simulator.traffic.station_requests)

    await disconnect(hass, init_integration)
    await wait_for_state(hass, STATION_CONNECTED, STATE_OFF)
    assert init_integration.options[CONF_STATION_TYPE] == "none"
    state = hass.states.get(STATION_CONNECTED)
    assert state is not None
    assert state.attributes["logged_off_reason"] is None

    # A new session (the server ended this one) stays without a station.
    simulator.sessions.end()
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)
    assert len(simulator.traffic.station_requests) == puts
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_OFF


async def test_choice_survives_reconnect_reload_and_restart(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await connect(
        hass, init_integration, station_type="workstation", workstation="WS-115"
    )
    await wait_for_state(hass, STATION, "WS-115")

    simulator.sessions.end()  # a reconnect: a new session on the chosen station
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
    await wait_for_state(hass, STATION, "WS-115")
    assert station_puts(simulator)[-1]["workstation"] == "WS-115"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert (state := hass.states.get(STATION))
    assert state.state == "WS-115"

    # A restart: the entry is unloaded and set up again from what was stored.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert not simulator.sessions
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert (state := hass.states.get(STATION))
    assert state.state == "WS-115"
    assert station_puts(simulator)[-1]["workstation"] == "WS-115"

    # The options flow shows the choice.
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert suggested(result)[CONF_STATION_TYPE] == "workstation"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_STATION_TYPE: "workstation", CONF_RETRIEVAL_MODE: "auto"},
    )
    assert suggested(result)[CONF_WORKSTATION] == "WS-115"
    hass.config_entries.options.async_abort(result["flow_id"])


def suggested(result: Any) -> dict[str, Any]:
    """The values a form shows filled in."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def test_unknown_station_is_refused_and_nothing_changes(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    options = dict(init_integration.options)

    with pytest.raises(HomeAssistantError) as err:
        await connect(
            hass, init_integration, station_type="workstation", workstation="WS-999"
        )

    assert err.value.translation_key == "station_not_found"
    assert init_integration.options == options
    assert (state := hass.states.get(STATION))
    assert state.state == "WS-114"
    assert next(iter(simulator.sessions.values())).station is not None
    assert not issue_registry.issues  # an action's caller is told; no repair needed


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (IcwsStationError("refused", status=403), "station_refused"),
        (IcwsTimeoutError("no answer"), "request_failed"),
    ],
)
async def test_other_refusals(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    error: Exception,
    key: str,
) -> None:
    """Answers the simulator does not give: a 403, and a request without an answer."""
    options = dict(init_integration.options)

    with (
        patch.object(IcwsClient, "connect_station", side_effect=error),
        pytest.raises(HomeAssistantError) as err,
    ):
        await connect(
            hass, init_integration, station_type="workstation", workstation="WS-115"
        )

    assert err.value.translation_key == key
    assert init_integration.options == options


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"station_type": "workstation"}, CONF_WORKSTATION),
        ({"station_type": "remote_number", "remote_number": "  "}, CONF_REMOTE_NUMBER),
        (
            {"station_type": "remote_workstation", "workstation": "WS-115"},
            CONF_REMOTE_NUMBER,
        ),
    ],
)
async def test_missing_field(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    data: dict[str, Any],
    field: str,
) -> None:
    puts = len(simulator.traffic.station_requests)

    with pytest.raises(ServiceValidationError) as err:
        await connect(hass, init_integration, **data)

    assert err.value.translation_key == "missing_field"
    assert err.value.translation_placeholders == {
        "field": field,
        "station_type": data["station_type"],
    }
    assert len(simulator.traffic.station_requests) == puts


async def test_entry_not_found(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "disconnect_station",
            {ATTR_CONFIG_ENTRY_ID: "no-such-entry"},
            blocking=True,
        )
    assert err.value.translation_key == "service_config_entry_not_found"


async def test_entry_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED

    with pytest.raises(ServiceValidationError) as err:
        await disconnect(hass, init_integration)
    assert err.value.translation_key == "service_config_entry_not_loaded"


async def test_not_connected(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.set_outage("refuse")
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)

    with pytest.raises(HomeAssistantError) as err:
        await connect(
            hass, init_integration, station_type="workstation", workstation="WS-115"
        )
    assert err.value.translation_key == "not_connected"
    assert init_integration.options[CONF_WORKSTATION] == "WS-114"

    simulator.set_outage(None)
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)


async def test_station_taken_by_another_logon(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    live_sessions: LiveSessionWatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server logs the station off: the reason is shown, and nothing fights back."""
    reason = "Logged on at another station"
    puts = len(simulator.traffic.station_requests)

    assert simulator.stations.take(USERNAME, reason=reason) == 1

    state = await wait_for_state(
        hass,
        STATION_CONNECTED,
        lambda state: state.attributes.get("logged_off_reason") == reason,
    )
    assert state.state == STATE_OFF
    assert f"off the station: {reason}" in caplog.text
    # Not even a new session takes it back.
    simulator.sessions.end()
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)
    assert len(simulator.traffic.station_requests) == puts
    assert (current := hass.states.get(STATION_CONNECTED))
    assert current.state == STATE_OFF

    # Until the user chooses again.
    await connect(
        hass, init_integration, station_type="workstation", workstation="WS-114"
    )
    state = await wait_for_state(hass, STATION_CONNECTED, STATE_ON)
    assert state.attributes["logged_off_reason"] is None
    assert live_sessions.most == 1


async def test_station_taken_is_not_taken_back_after_a_reload_or_restart(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    live_sessions: LiveSessionWatch,
) -> None:
    """The rule that the server's choice stands survives a reload and a restart."""
    puts = len(simulator.traffic.station_requests)
    simulator.stations.take(USERNAME, reason="Logged on at another station")
    await wait_for_state(hass, STATION_CONNECTED, STATE_OFF)

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)
    # A restart: the entry is set up again from its stored options.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)

    assert len(simulator.traffic.station_requests) == puts
    assert (state := hass.states.get(STATION_CONNECTED))
    assert state.state == STATE_OFF
    (session,) = simulator.sessions.values()
    assert session.station is None

    # Choosing a station again takes it, and the next restart keeps it.
    await connect(
        hass, init_integration, station_type="workstation", workstation="WS-114"
    )
    await wait_for_state(hass, STATION_CONNECTED, STATE_ON)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await wait_for_state(hass, STATION_CONNECTED, STATE_ON)
    assert len(simulator.traffic.station_requests) == puts + 2
    assert live_sessions.most == 1
