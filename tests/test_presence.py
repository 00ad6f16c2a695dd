"""The user's status in Home Assistant, against the simulator over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_ENTITY_ID
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_simulator import IcwsSimulator, SimulatedStatusMessage

from .helpers import wait_for_state

pytestmark = pytest.mark.usefixtures("socket_enabled")

USER = "jdoe"


def entity_id(
    hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str
) -> str:
    """Return the entity id of one of the entry's entities."""
    found = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.unique_id}_{key}"
    )
    assert found is not None, (domain, key)
    return found


class Writes:
    """Count every state write of some entities, whether or not it changed the state.

    Home Assistant fires ``state_changed`` for a write that changes something and
    ``state_reported`` for one that does not; counting both counts the writes themselves.
    """

    def __init__(self, hass: HomeAssistant, entity_ids: list[str]) -> None:
        """Start counting."""
        self.counts = dict.fromkeys(entity_ids, 0)

        @callback
        def changed(event: Event[EventStateChangedData]) -> None:
            self.counts[event.data["entity_id"]] += 1

        @callback
        def reported(event: Event[EventStateReportedData]) -> None:
            self.counts[event.data["entity_id"]] += 1

        self._unsubs = [
            async_track_state_change_event(hass, entity_ids, changed),
            async_track_state_report_event(hass, entity_ids, reported),
        ]

    def stop(self) -> dict[str, int]:
        """Stop counting; return the counts."""
        for unsub in self._unsubs:
            unsub()
        return self.counts


async def set_status(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> None:
    """Call the set_status action."""
    await hass.services.async_call(
        DOMAIN,
        "set_status",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data},
        blocking=True,
    )


async def test_entities_show_the_status_and_follow_other_clients(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """Sensor, select and binary sensors show the status; a change elsewhere shows too."""
    entry = init_integration
    sensor = entity_id(hass, entry, "sensor", "status")
    select = entity_id(hass, entry, "select", "status")
    dnd = entity_id(hass, entry, "binary_sensor", "do_not_disturb")
    logged_in = entity_id(hass, entry, "binary_sensor", "logged_in")
    state = hass.states.get(sensor)
    assert state is not None
    assert state.state == "Available"
    assert state.attributes["status_id"] == "Available"
    assert state.attributes["stations"] == ["WS-114"]
    assert (select_state := hass.states.get(select))
    assert "Do Not Disturb" in select_state.attributes["options"]
    assert "ACD - Agent Not Answering" not in select_state.attributes["options"]
    assert select_state.state == "Available"
    assert (dnd_state := hass.states.get(dnd))
    assert dnd_state.state == "off"
    assert (logged_in_state := hass.states.get(logged_in))
    assert logged_in_state.state == "on"

    simulator.status.set_user_status(USER, "Do Not Disturb", notes="Focus")
    state = await wait_for_state(hass, sensor, "Do Not Disturb")
    assert state.attributes["notes"] == "Focus"
    await wait_for_state(hass, dnd, "on")
    await wait_for_state(hass, select, "Do Not Disturb")

    # An ACD status the user cannot pick: shown by its text on both, offered as the
    # current option only.
    simulator.status.set_user_status(USER, "AcdAgentNotAnswering")
    await wait_for_state(hass, sensor, "ACD - Agent Not Answering")
    select_state = await wait_for_state(hass, select, "ACD - Agent Not Answering")
    assert "Available" in select_state.attributes["options"]
    assert select_state.attributes["options"][-1] == "ACD - Agent Not Answering"

    # Picking it again asks the server nothing; the user stays in it.
    sent = len(simulator.traffic.requests)
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: select, ATTR_OPTION: "ACD - Agent Not Answering"},
        blocking=True,
    )
    assert simulator.traffic.requests[sent:] == []
    assert simulator.status.user_status(USER).status_id == "AcdAgentNotAnswering"

    # Back in a status the user may pick: the ACD status is no longer offered.
    simulator.status.set_user_status(USER, "Available")
    select_state = await wait_for_state(hass, select, "Available")
    assert "ACD - Agent Not Answering" not in select_state.attributes["options"]


@pytest.mark.parametrize(
    "station_options",
    [
        {CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-114"},
        {CONF_STATION_TYPE: "none"},
    ],
    ids=["workstation", "no_station"],
)
async def test_select_sets_the_status_on_the_server(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    station_options: dict[str, object],
) -> None:
    """Choosing an option sets it on the server, with or without a station logon."""
    has_station = station_options[CONF_STATION_TYPE] != "none"
    assert (
        any(session.station for session in simulator.sessions.of(USER)) is has_station
    )
    select = entity_id(hass, init_integration, "select", "status")
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: select, ATTR_OPTION: "In a Meeting"},
        blocking=True,
    )
    assert simulator.status.user_status(USER).status_id == "In a Meeting"
    await wait_for_state(hass, select, "In a Meeting")


async def test_options_follow_catalogue_and_access_changes(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The select's options change live when the catalogue or the access list does."""
    select = entity_id(hass, init_integration, "select", "status")
    simulator.status.revoke_access(USER, "At Lunch")
    await wait_for_state(
        hass, select, lambda state: "At Lunch" not in state.attributes["options"]
    )
    simulator.status.put_status_message(
        SimulatedStatusMessage(status_id="Training", message_text={"en": "Training"})
    )
    simulator.status.grant_access(USER, "Training")
    await wait_for_state(
        hass, select, lambda state: "Training" in state.attributes["options"]
    )


async def test_options_follow_catalogue_changes_alone(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A status renamed, made unselectable or removed changes the options by itself.

    The server is kept from telling the access list's side of a removal, so only the
    catalogue's message can change the options.
    """
    select = entity_id(hass, init_integration, "select", "status")
    sensor = entity_id(hass, init_integration, "sensor", "status")
    simulator.status.set_user_status(USER, "At Lunch")
    await wait_for_state(hass, select, "At Lunch")
    requests = len(simulator.traffic.requests)

    simulator.status.put_status_message(
        SimulatedStatusMessage(
            status_id="At Lunch", message_text={"en": "Lunch Break"}, group_tag="Away"
        )
    )
    state = await wait_for_state(hass, select, "Lunch Break")
    assert "At Lunch" not in state.attributes["options"]
    assert "Lunch Break" in state.attributes["options"]
    await wait_for_state(hass, sensor, "Lunch Break")

    simulator.status.put_status_message(
        SimulatedStatusMessage(
            status_id="Gone Home", message_text={"en": "Gone Home"}, is_selectable=False
        )
    )
    await wait_for_state(
        hass, select, lambda state: "Gone Home" not in state.attributes["options"]
    )

    simulator.status.unwatch_access(next(iter(simulator.sessions.values())))
    simulator.status.remove_status_message("In a Meeting")
    await wait_for_state(
        hass, select, lambda state: "In a Meeting" not in state.attributes["options"]
    )
    # Pushed: no request of the entry's brought any of it.
    assert [
        request
        for request in simulator.traffic.requests[requests:]
        if "messaging/messages" not in request[1]
    ] == []


async def test_do_not_disturb_follows_the_servers_flag_not_the_group(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """Only the flag counts: a busy status without it is off, one with it in any group on."""
    sensor = entity_id(hass, init_integration, "sensor", "status")
    dnd = entity_id(hass, init_integration, "binary_sensor", "do_not_disturb")
    simulator.status.put_status_message(
        SimulatedStatusMessage(
            status_id="Focus Time",
            message_text={"en": "Focus Time"},
            group_tag="Available",
            is_do_not_disturb=True,
        )
    )
    simulator.status.set_user_status(USER, "Do Not Disturb")
    await wait_for_state(hass, dnd, "on")

    for busy in ("In a Meeting", "Follow Up"):  # group tag "Busy", not do-not-disturb
        assert simulator.status.catalogue[busy.casefold()].group_tag == "Busy"
        simulator.status.set_user_status(USER, busy)
        await wait_for_state(hass, sensor, busy)
        assert (state := hass.states.get(dnd))
        assert state.state == "off"

    simulator.status.set_user_status(USER, "Focus Time")
    await wait_for_state(hass, sensor, "Focus Time")
    assert (state := hass.states.get(dnd))
    assert state.state == "on"


async def test_action_sets_status_with_details(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The action takes a status by text or id, any case, with notes and an end."""
    until = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    await set_status(
        hass,
        init_integration,
        status="out of the office",
        notes="Back Monday",
        until=until,
    )
    # A datetime has a date and a time: the server is told both.
    assert simulator.status.requests[-1].body["until"] == {
        "untilDateTime": "20261224T170000Z",
        "hasDate": True,
        "hasTime": True,
    }
    current = simulator.status.user_status(USER)
    assert current.status_id == "Out of the Office"
    assert current.notes == "Back Monday"
    assert current.until is not None
    assert current.until.moment == until
    sensor = entity_id(hass, init_integration, "sensor", "status")
    state = await wait_for_state(hass, sensor, "Out of the Office")
    assert state.attributes["until"] == until.isoformat()


@pytest.mark.parametrize(
    ("until", "sent"),
    [
        ("2026-12-24 17:00:00", "20261224T160000Z"),  # Berlin's time, as the UI sends
        ("2026-07-01T08:30:00", "20260701T063000Z"),  # summer time
        ("2026-12-24T17:00:00-05:00", "20261224T220000Z"),  # a zone of its own
    ],
)
async def test_action_until_without_zone_is_home_assistants_time(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    until: str,
    sent: str,
) -> None:
    """An end without a zone is Home Assistant's local time; the server gets UTC."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    await set_status(hass, init_integration, status="Out of the Office", until=until)

    assert simulator.status.requests[-1].body["until"]["untilDateTime"] == sent
    current = simulator.status.user_status(USER).until
    assert current is not None
    assert current.moment.strftime("%Y%m%dT%H%M%SZ") == sent


async def test_action_forward_number_reaches_the_server(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A forwarding status set with a number: the server keeps it, the sensor shows it."""
    await set_status(
        hass,
        init_integration,
        status="Available Forward",
        forward_number="+1 555 0142",
    )
    assert simulator.status.requests[-1].body["forwardNumber"] == "+1 555 0142"
    assert simulator.status.user_status(USER).forward_number == "+1 555 0142"
    sensor = entity_id(hass, init_integration, "sensor", "status")
    state = await wait_for_state(hass, sensor, "Available, Forward")
    assert state.attributes["forward_number"] == "+1 555 0142"


@pytest.mark.parametrize(
    ("status", "error", "key"),
    [
        ("Lounging", ServiceValidationError, "unknown_status"),
        ("AcdAgentNotAnswering", ServiceValidationError, "status_not_allowed"),
        ("On Vacation", ServiceValidationError, "status_not_allowed"),
    ],
)
async def test_action_refuses_statuses_the_user_cannot_pick(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    status: str,
    error: type[HomeAssistantError],
    key: str,
) -> None:
    """Unknown or not allowed statuses are refused before the server is asked."""
    sensor = entity_id(hass, init_integration, "sensor", "status")
    simulator.status.revoke_access(USER, "On Vacation")
    await wait_for_state(
        hass,
        entity_id(hass, init_integration, "select", "status"),
        lambda state: "On Vacation" not in state.attributes["options"],
    )
    requests = len(simulator.status.requests)
    with pytest.raises(error) as raised:
        await set_status(hass, init_integration, status=status)
    assert raised.value.translation_key == key
    assert len(simulator.status.requests) == requests
    assert (state := hass.states.get(sensor))
    assert state.state == "Available"


async def test_action_reports_a_server_refusal(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A status the server refuses (its list changed meanwhile) is a translated error."""
    # The server forgets the access change message: Home Assistant still offers it.
    simulator.status.unwatch_access(next(iter(simulator.sessions.values())))
    simulator.status.revoke_access(USER, "At Lunch")
    with pytest.raises(HomeAssistantError) as raised:
        await set_status(hass, init_integration, status="At Lunch")
    assert raised.value.translation_key == "status_refused"
    assert simulator.status.requests[-1].status == 403


async def test_action_needs_a_loaded_entry(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """An unloaded entry is a translated validation error."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await set_status(hass, init_integration, status="Available")
    assert raised.value.translation_key == "service_config_entry_not_loaded"


async def test_status_messages_write_only_status_entities(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """Each status entity writes once per change of what it shows; station messages none.

    Writes are counted, not states: a write that repeats the state counts too.
    """
    entry = init_integration
    sensor = entity_id(hass, entry, "sensor", "status")
    select = entity_id(hass, entry, "select", "status")
    dnd = entity_id(hass, entry, "binary_sensor", "do_not_disturb")
    logged_in = entity_id(hass, entry, "binary_sensor", "logged_in")
    ring = entity_id(hass, entry, "binary_sensor", "ring_always")
    writes = Writes(hass, [sensor, select, dnd, logged_in, ring])

    simulator.status.set_user_status(USER, "At Lunch")
    await wait_for_state(hass, sensor, "At Lunch")
    simulator.status.set_user_status(USER, "Do Not Disturb")
    await wait_for_state(hass, dnd, "on")
    simulator.status.resend_user_status(USER)  # a repeat: nothing changes
    simulator.status.set_on_phone(USER, True)  # a status message no entity shows
    simulator.stations.change("WS-114", ring_always=True)  # a station message
    await wait_for_state(hass, ring, "on")  # after the messages before it
    await hass.async_block_till_done()

    status = entry.runtime_data.status
    assert status is not None
    assert status.data is not None
    assert status.data.status.on_phone is True
    assert writes.stop() == {
        sensor: 2,
        select: 2,
        dnd: 1,
        logged_in: 0,
        ring: 1,
    }


async def test_status_comes_back_after_the_session_is_lost(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """After the server ends the session, the new one shows the status set meanwhile.

    The network stays down until the status is set, so the change happens while the
    entry holds no session and only the new session's first message can bring it.
    """
    sensor = entity_id(hass, init_integration, "sensor", "status")
    logins = simulator.traffic.login_attempts
    simulator.set_outage("refuse")
    simulator.sessions.end(notify=False)
    await wait_for_state(hass, sensor, "unavailable")
    simulator.status.set_user_status(USER, "Gone Home", notes="Back tomorrow")
    assert not simulator.sessions
    assert simulator.traffic.login_attempts == logins

    simulator.set_outage(None)
    state = await wait_for_state(hass, sensor, "Gone Home")
    assert state.attributes["notes"] == "Back tomorrow"
    assert simulator.traffic.login_attempts == logins + 1


@pytest.mark.parametrize("simulator_options", [{"status_version": 0}])
async def test_no_status_entities_without_the_feature(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A server without statuses gets no status entities and a clear action error."""
    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, init_integration.entry_id)
    assert not [e for e in entities if e.unique_id.endswith("_status")]
    assert not init_integration.runtime_data.status.supported
    with pytest.raises(ServiceValidationError) as raised:
        await set_status(hass, init_integration, status="Available")
    assert raised.value.translation_key == "status_not_supported"


@pytest.mark.parametrize("simulator_options", [{"messaging_version": 1}])
async def test_status_works_when_polling(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A server that only polls brings status changes too."""
    sensor = entity_id(hass, init_integration, "sensor", "status")
    simulator.status.set_user_status(USER, "In a Meeting")
    await wait_for_state(hass, sensor, "In a Meeting")
