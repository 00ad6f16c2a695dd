"""Storms of malformed and hostile messages mixed with real changes of the station."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
import dataclasses
import itertools
import logging
from typing import Any

from homeassistant.const import MAX_LENGTH_STATE_STATE, STATE_UNKNOWN
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.binary_sensor import STATION_BINARY_SENSORS
from custom_components.icws_station.icws import (
    ConnectionState,
    ConnectionStateMessage,
    MediaType,
    Station,
    StationMessage,
)
from custom_components.icws_station.icws.codec import decode_json
from custom_components.icws_station.icws.messages import Complaints, parse_message
from custom_components.icws_station.icws.sse import SseDecoder
from custom_components.icws_station.sensor import STATION_SENSORS
from icws_simulator import IcwsSimulator, SimulatedStation
from icws_simulator.sse import encode_event
from icws_simulator.station_data import station_delta, station_info
from tests.conftest import make_stations
from tests.helpers import wait_for_state

from .conftest import (
    EXTENSION,
    MEDIA_TYPES,
    SERVER_CONNECTION,
    SERVER_LOGGERS,
    STATION,
    STATION_ENTITIES,
    Secrets,
    server_station,
    showing,
    shown,
    until,
)
from .strategies import (
    Hostile,
    RealChange,
    Tolerated,
    draw_examples,
    dumps,
    hostile_messages,
    oversized,
    real_changes,
    station_message,
    tolerated_messages,
)

VERSION = 15  # the simulator's connection feature version
BULK_MESSAGES = 10_000
BULK_BATCH = 50


def weighted(
    *choices: tuple[int, st.SearchStrategy[Any]],
) -> st.SearchStrategy[Any]:
    """One of the strategies, each chosen with odds of its weight to the weights' sum."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def expected(station: SimulatedStation) -> dict[str, Any]:
    """What the client should hold for a workstation, read from the simulator's data."""
    return {
        "id": station.id,
        "extension": station.extension,
        "station_setting": "workstation",
        "can_be_dialed": station.can_be_dialed,
        "ring_always": station.ring_always,
        "sip_address": station.sip_address,
        "sip_user": station.sip_user,
        "remote_number": station.remote_number,
        "allowed_media_types": [
            MediaType(media).name.lower() for media in station.allowed_media_types
        ],
        "managed_ip_phone": station.managed_ip_phone,
        "emergency_responder_location_id": station.emergency_responder_location_id,
    }


def full_message(station: SimulatedStation) -> str:
    """The full message a server sends after a subscription."""
    return dumps(station_message(station_info(station, VERSION), is_delta=False))


def assert_presentable(station: Station | None) -> None:
    """Every entity can show this station: a valid state, JSON-safe attributes."""
    assert station is not None
    for description in STATION_SENSORS:
        value = description.value_fn(station)
        assert value is None or isinstance(value, str | int), value
        if isinstance(value, str):
            assert 0 < len(value) <= MAX_LENGTH_STATE_STATE, description.key
        if description.attributes_fn is not None:
            dumps(description.attributes_fn(station))
    for binary_description in STATION_BINARY_SENSORS:
        assert binary_description.value_fn(station) in (True, False, None)


class Receiver:
    """The client's side of an event stream without the HTTP: decoder, JSON, parser.

    None of the hostile messages may say that the session went down: the client would end
    it.
    """

    def __init__(self, chunk_size: int) -> None:
        """Start with no station, reading the stream in chunks of ``chunk_size`` bytes."""
        self.complain = Complaints()
        self.decoder = SseDecoder()
        self.chunk_size = chunk_size
        self.station: Station | None = None

    def receive(self, text: str) -> None:
        """Receive one message as the server would write it in an event."""
        data = encode_event(text, "\r\n")
        for start in range(0, len(data), self.chunk_size):
            for event in self.decoder.feed(data[start : start + self.chunk_size]):
                try:
                    raw = decode_json(event)
                except ValueError:
                    continue
                for item in raw if isinstance(raw, list) else (raw,):
                    message = parse_message(item, self.complain)
                    assert not isinstance(message, ConnectionStateMessage) or (
                        message.new_state is not ConnectionState.DOWN
                    ), item
                    if isinstance(message, StationMessage):
                        self.station = message.apply(self.station)

    def holds(self, station: SimulatedStation) -> bool:
        """Whether the client holds exactly this station, SIP password included."""
        held = self.station
        return (
            held is not None
            and held.as_dict() == expected(station)
            and held.sip_password is not None
            and held.sip_password.reveal() == station.sip_password
        )


# ---- the bulk: the client's parser --------------------------------------------------------


def test_parser_storm() -> None:
    """Over 10,000 hostile and odd messages: none changes the station unless it should.

    Real deltas merged among them give exactly the server's station; an odd message the
    parser accepts gives a station every entity can show.
    """
    counts: Counter[str] = Counter()
    messages = weighted(
        (6, hostile_messages), (2, tolerated_messages), (1, real_changes)
    )

    @settings(
        max_examples=-(-BULK_MESSAGES * 9 // 8 // BULK_BATCH),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        batch=st.lists(messages, min_size=BULK_BATCH, max_size=BULK_BATCH),
        chunk_size=st.integers(min_value=256, max_value=16384),
    )
    def storm(batch: list[Hostile | Tolerated | RealChange], chunk_size: int) -> None:
        server = make_stations()[0]
        receiver = Receiver(chunk_size)
        receiver.receive(full_message(server))
        assert receiver.holds(server)
        for item in batch:
            if isinstance(item, RealChange):
                changed = dataclasses.replace(server, **item.changes)
                delta = station_delta(server, changed, VERSION)
                server = changed
                if delta is not None:
                    receiver.receive(dumps(station_message(delta)))
                    counts["real change"] += 1
            elif isinstance(item, Hostile):
                receiver.receive(item.render(station_info(server, VERSION)))
                counts["hostile"] += 1
            else:
                receiver.receive(dumps(item.message))
                counts["odd"] += 1
                assert_presentable(receiver.station)
                # The server's next full message puts the client right again.
                receiver.receive(full_message(server))
            assert receiver.holds(server), item

    storm()

    receiver = Receiver(65536)
    server = make_stations()[0]
    receiver.receive(full_message(server))
    receiver.receive(oversized.render(station_info(server, VERSION)))
    assert receiver.holds(server)
    assert receiver.decoder.dropped_events == 1
    assert counts["hostile"] + counts["odd"] >= BULK_MESSAGES, counts
    assert counts["real change"] > 0


# ---- through the integration ---------------------------------------------------------------


class Writes:
    """Every state an entity takes, and every write of its state (changed or not)."""

    def __init__(
        self, hass: HomeAssistant, entity_id: str, view: Callable[[Any], object]
    ) -> None:
        """Start recording."""
        self.changes: list[object] = []
        self.writes = 0
        self._view = view
        self._unsubscribe = [
            async_track_state_change_event(hass, entity_id, self._changed),
            async_track_state_report_event(hass, entity_id, self._reported),
        ]

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        self.writes += 1
        if (state := event.data["new_state"]) is not None:
            self.changes.append(self._view(state))

    @callback
    def _reported(self, event: Event[EventStateReportedData]) -> None:
        self.writes += 1

    def stop(self) -> None:
        """Stop recording."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()


def _state(state: Any) -> object:
    return state.state


def _state_and_media(state: Any) -> object:
    return (state.state, state.attributes.get("media_types"))


def _view(entity_id: str, station: SimulatedStation) -> object:
    """What the recorder of ``entity_id`` sees for the server's ``station``."""
    text = showing(station)[entity_id]
    if entity_id != MEDIA_TYPES:
        return text
    names = [MediaType(media).name.lower() for media in station.allowed_media_types]
    return (text, names)


def _visible(station: SimulatedStation) -> SimulatedStation:
    """The station without what no entity shows."""
    return dataclasses.replace(station, sip_password="")


def _sensor_state(key: str, station: Station) -> str:
    """The state the sensor ``key`` shows for ``station``."""
    (description,) = (d for d in STATION_SENSORS if d.key == key)
    value = description.value_fn(station)
    return STATE_UNKNOWN if value is None else str(value)


def _in_order(seen: list[object], expected: list[object]) -> bool:
    """Whether ``seen`` is ``expected`` with some values left out, in the same order."""
    rest = iter(expected)
    return all(any(value == candidate for candidate in rest) for value in seen)


@pytest.mark.parametrize(
    "simulator_options", [{}, {"messaging_version": 1}], ids=["events", "polling"]
)
async def test_storm_through_the_integration(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    secrets: Secrets,
    simulator_options: dict[str, object],
) -> None:
    """Hostile messages among real changes: nothing else is shown, the session stays.

    Over events, each entity takes exactly the values the real changes give it, in order,
    and a message that changes nothing writes no state. A poll answer holding a broken
    message is dropped whole and the station resynchronised, so polling may skip values.
    """
    polling = simulator_options.get("messaging_version") == 1
    batches: list[list[Hostile | RealChange]] = draw_examples(
        st.lists(weighted((9, hostile_messages), (1, real_changes)), min_size=100),
        count=8,
    )
    coordinator = init_integration.runtime_data.session
    listener = coordinator._task
    (session,) = simulator.sessions.values()
    logins, since = simulator.traffic.login_attempts, len(simulator.traffic.requests)
    server = server_station(simulator)
    recorders = {
        entity_id: Writes(
            hass, entity_id, _state_and_media if entity_id == MEDIA_TYPES else _state
        )
        for entity_id in STATION_ENTITIES
    }
    expected_changes: dict[str, list[object]] = {entity: [] for entity in recorders}
    updates = 0
    hostile = 0
    station_coordinator = init_integration.runtime_data.station
    # What each update of the station's coordinator carried.
    published: list[object] = [station_coordinator.data]

    @callback
    def updated() -> None:
        published.append(station_coordinator.data)

    remove_listener = station_coordinator.async_add_listener(updated)

    def change(**changes: Any) -> None:
        nonlocal server, updates
        if "sip_password" in changes:
            secrets.add(changes["sip_password"])
        before = server
        simulator.stations.change("WS-114", **changes)
        server = server_station(simulator)
        if _visible(server) != _visible(before):
            updates += 1
        for entity_id, seen in expected_changes.items():
            if _view(entity_id, server) != _view(entity_id, before):
                seen.append(_view(entity_id, server))

    for batch in batches:
        for item in batch:
            if isinstance(item, RealChange):
                change(**item.changes)
            else:
                simulator.sessions.inject_raw(
                    item.render(station_info(server, VERSION))
                )
                hostile += 1
        if polling:  # one poll answer for each batch
            await until(simulator, lambda: session.pending == 0)
    if not polling:  # the size limit is the event stream's
        simulator.sessions.inject_raw(oversized.render(station_info(server, VERSION)))
    # The server reports the station in full again: a clean repeat of what is shown, which
    # must cause no update (in its own poll answer when polling, so none drops it).
    if polling:
        await until(simulator, lambda: session.pending == 0)
    simulator.stations.subscribe(session)
    if polling:
        await until(simulator, lambda: session.pending == 0)
    change(extension="end")  # the last message: once it shows, all were handled

    await wait_for_state(hass, EXTENSION, "end", within=30)
    for recorder in recorders.values():
        recorder.stop()
    remove_listener()

    assert hostile >= 800
    assert shown(hass) == showing(server)
    seen = {entity: recorder.changes for entity, recorder in recorders.items()}
    # Counted at the coordinator and at every write, not from Home Assistant's states, which
    # hide a write that changes nothing: each update carries a new station, once per entity.
    repeats = [new for old, new in itertools.pairwise(published) if new == old]
    assert repeats == []
    assert all(r.writes <= len(published) - 1 for r in recorders.values())
    if polling:
        assert all(_in_order(seen[entity], expected_changes[entity]) for entity in seen)
        assert len(published) - 1 <= updates
        resubscriptions = [
            call
            for call in simulator.traffic.requests[since:]
            if call[0] == "PUT"
            and call[1].endswith("/messaging/subscriptions/connection/station")
        ]
        assert resubscriptions  # a broken answer was dropped and the station resynced
    else:
        assert seen == expected_changes
        assert len(published) - 1 == updates  # an update for each change, no more
    assert listener is not None
    assert not listener.done()
    assert init_integration.runtime_data.station.last_update_success
    assert list(simulator.sessions.values()) == [session]
    assert simulator.traffic.login_attempts == logins


async def test_odd_station_values_through_the_integration(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unknown enum numbers, long and odd strings, wrong types: shown sanely, no error.

    The server's next full message (a renewed subscription) shows its station again.
    """
    odd: list[Tolerated] = draw_examples(tolerated_messages, count=40)
    coordinator = init_integration.runtime_data.session
    listener = coordinator._task
    logins = simulator.traffic.login_attempts
    (session,) = simulator.sessions.values()
    states: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            states.append(state.state)

    unsubscribe = async_track_state_change_event(hass, list(STATION_ENTITIES), record)
    for item in odd:
        simulator.sessions.inject_message(item.message)
    # What the last odd message leaves, as the client parses it and the sensor shows it.
    station = parse_message(decode_json(full_message(server_station(simulator))))
    assert isinstance(station, StationMessage)
    odd_station = station.apply(None)
    for item in odd:
        message = parse_message(item.message)
        if isinstance(message, StationMessage):
            odd_station = message.apply(odd_station)
    assert odd_station is not None
    odd_id = _sensor_state("station_id", odd_station)
    assert odd_id != "WS-114"
    await wait_for_state(hass, STATION, odd_id, within=30)
    odd_states = list(states)
    simulator.stations.subscribe(
        session
    )  # the server reports its station in full again
    simulator.stations.change("WS-114", extension="end")  # once shown, all were handled

    await wait_for_state(hass, EXTENSION, "end", within=30)
    unsubscribe()
    assert shown(hass) == showing(server_station(simulator))

    assert odd_id in odd_states  # the odd stations were shown
    assert all(len(state) <= MAX_LENGTH_STATE_STATE for state in states)
    errors = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and not record.name.startswith(SERVER_LOGGERS)
    ]
    assert errors == []
    assert listener is not None
    assert not listener.done()
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == "on"
    assert simulator.traffic.login_attempts == logins
