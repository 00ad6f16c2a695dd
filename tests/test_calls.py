"""The call entities against the simulator over real HTTP: states, events, faults."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from icws_simulator import IcwsSimulator

from .conftest import USERNAME
from .helpers import WAIT, wait_for_state

ENTITY = "jane_doe_cic01"
CALL_STATE = f"sensor.{ENTITY}_call_state"
ON_CALL = f"binary_sensor.{ENTITY}_on_call"
RINGING = f"binary_sensor.{ENTITY}_ringing"
CALL_EVENT = f"event.{ENTITY}_call"
CALL_ENTITIES = (CALL_STATE, ON_CALL, RINGING, CALL_EVENT)
CALLER = ("Ada Lovelace", "+1 555 0100")
CALL_ATTRIBUTES = (
    "interaction_id",
    "muted",
    "calls",
    "direction",
    "remote_name",
    "remote_number",
    "since",
    "other_interactions",
)


class EventRecorder:
    """Every call event the event entity fired, as (event type, data).

    An event entity's state is the time of its last event (to the millisecond): the
    entity coming back after an outage writes that time again, which is no new event.
    Two events in one millisecond share the time and differ in their attributes.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Start recording."""
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._last_fired: str | None = None
        self._changed = asyncio.Event()
        self._unsubscribe = async_track_state_change_event(
            hass, CALL_EVENT, self._on_change
        )

    @callback
    def _on_change(self, event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is None or state.state in {STATE_UNAVAILABLE, STATE_UNKNOWN}:
            return
        old = event.data["old_state"]
        if (
            old is not None
            and old.state == STATE_UNAVAILABLE
            and state.state == self._last_fired
        ):
            return
        self._last_fired = state.state
        data = dict(state.attributes)
        event_type = data.pop("event_type")
        for key in ("event_types", "friendly_name", "icon"):
            data.pop(key, None)
        self.events.append((event_type, data))
        self._changed.set()

    @property
    def types(self) -> list[str]:
        """The event types so far."""
        return [event_type for event_type, _ in self.events]

    async def wait(self, count: int) -> list[str]:
        """Wait (bounded) until ``count`` events fired; return their types."""
        async with asyncio.timeout(WAIT):
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.types

    def stop(self) -> None:
        """Stop recording."""
        self._unsubscribe()


@pytest.fixture
def events(hass: HomeAssistant) -> Iterator[EventRecorder]:
    """The call events fired during the test."""
    recorder = EventRecorder(hass)
    yield recorder
    recorder.stop()


class Clock:
    """Home Assistant's wall clock, moved on by hand; timers keep the event loop's time."""

    def __init__(self) -> None:
        """Start at the real time."""
        self._now = dt_util.utcnow
        self._ahead = timedelta()

    def __call__(self) -> datetime:
        """Return the time Home Assistant sees."""
        return self._now() + self._ahead

    def advance(self, by: timedelta) -> None:
        """Move the clock on."""
        self._ahead += by


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Home Assistant's ``utcnow``, moved on only when the test says."""
    moved = Clock()
    with patch("homeassistant.util.dt.utcnow", moved):
        yield moved


def queue_watches(simulator: IcwsSimulator) -> int:
    """How many times the server was asked to watch the queue (renewals included)."""
    return sum(
        1
        for method, path, _ in simulator.traffic.requests
        if method == "PUT" and "subscriptions/queues" in path
    )


def attributes(hass: HomeAssistant) -> dict[str, Any]:
    """The call state sensor's attributes."""
    state = hass.states.get(CALL_STATE)
    assert state is not None
    return dict(state.attributes)


async def test_entities_start_idle(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An idle user: idle, off, off, and an event entity that never fired."""
    assert (state := hass.states.get(CALL_STATE))
    assert state.state == "idle"
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_OFF
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_OFF
    assert (state := hass.states.get(CALL_EVENT))
    assert state.state == STATE_UNKNOWN
    shown = attributes(hass)
    assert {key: shown[key] for key in CALL_ATTRIBUTES} == {
        "interaction_id": None,
        "muted": False,
        "calls": 0,
        "direction": None,
        "remote_name": None,
        "remote_number": None,
        "since": None,
        "other_interactions": 0,
    }
    assert shown["options"] == ["idle", "ringing", "held", "dialing", "connected"]
    # A manual refresh has nothing to read: the pushed state stays.
    await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": CALL_STATE}, blocking=True
    )
    assert (state := hass.states.get(CALL_STATE))
    assert state.state == "idle"
    entry = entity_registry.async_get(CALL_EVENT)
    assert entry is not None
    assert entry.capabilities == {
        "event_types": [
            "ringing",
            "answered",
            "held",
            "resumed",
            "ended",
            "missed",
            "outgoing",
        ]
    }


async def test_inbound_call_every_transition(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
    clock: Clock,
) -> None:
    """Ringing, answered, held, resumed, ended: each shows at once and fires once.

    Home Assistant's clock moves 42 s on after the answer: that is the call's duration.
    """
    simulator.calls.removal_delay = 0.01
    call = simulator.calls.ring(USERNAME, *CALLER)
    await wait_for_state(hass, CALL_STATE, "ringing")
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_ON
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_OFF
    assert await events.wait(1) == ["ringing"]
    assert events.events[0][1] == {
        "interaction_id": call,
        "direction": "inbound",
        "remote_name": "Ada Lovelace",
        "remote_number": "+1 555 0100",
        "media_type": "call",
    }
    shown = attributes(hass)
    assert (shown["calls"], shown["direction"]) == (1, "inbound")
    assert (shown["remote_name"], shown["remote_number"]) == CALLER
    assert shown["since"] is not None

    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_ON
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_OFF
    clock.advance(timedelta(seconds=42))
    simulator.calls.hold(call)
    await wait_for_state(hass, CALL_STATE, "held")
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_ON
    simulator.calls.resume(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    simulator.calls.disconnect(call)
    await wait_for_state(hass, CALL_STATE, "idle")
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_OFF
    assert await events.wait(5) == ["ringing", "answered", "held", "resumed", "ended"]
    assert events.events[-1][1]["duration"] == 42

    # Removed from the queue a moment later: nothing more happens.
    async with asyncio.timeout(WAIT):
        await simulator.wait_until(lambda: not simulator.calls.interactions)
    await hass.async_block_till_done()
    assert events.types == ["ringing", "answered", "held", "resumed", "ended"]
    assert (state := hass.states.get(CALL_STATE))
    assert state.state == "idle"


async def test_outbound_call(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """A call the user places: dialing and on a call, answered by the far end, ended."""
    call = simulator.calls.place_call(USERNAME, "+1 555 0199")
    await wait_for_state(hass, CALL_STATE, "dialing")
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_ON
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_OFF
    assert attributes(hass)["direction"] == "outbound"
    simulator.calls.proceed(call)
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    simulator.calls.disconnect(call, by="local")
    await wait_for_state(hass, CALL_STATE, "idle")
    assert await events.wait(3) == ["outgoing", "answered", "ended"]
    assert events.events[0][1]["direction"] == "outbound"
    assert events.events[0][1]["remote_name"] is None


async def test_missed_call(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """A call that rings and ends unanswered is missed, with the caller in the event."""
    call = simulator.calls.ring(USERNAME, *CALLER)
    await wait_for_state(hass, RINGING, STATE_ON)
    simulator.calls.disconnect(call)
    await wait_for_state(hass, RINGING, STATE_OFF)
    assert await events.wait(2) == ["ringing", "missed"]
    assert events.events[1][1]["remote_number"] == CALLER[1]
    assert "duration" not in events.events[1][1]


async def test_two_calls_at_once(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """A call waiting: the state stays on the strongest call, ringing shows beside it."""
    first = simulator.calls.ring(USERNAME, *CALLER)
    simulator.calls.answer(first)
    await wait_for_state(hass, CALL_STATE, "connected")
    second = simulator.calls.ring(USERNAME, "Grace Hopper", "+1 555 0101")
    await wait_for_state(hass, RINGING, STATE_ON)
    shown = attributes(hass)
    assert (state := hass.states.get(CALL_STATE))
    assert state.state == "connected"
    assert shown["calls"] == 2
    assert shown["remote_name"] == "Ada Lovelace"  # the connected call gives the state

    simulator.calls.hold(first)
    simulator.calls.answer(second)
    await wait_for_state(
        hass, CALL_STATE, lambda s: s.attributes["remote_name"] == "Grace Hopper"
    )
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_OFF
    simulator.calls.disconnect(second)
    await wait_for_state(hass, CALL_STATE, "held")
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_ON
    simulator.calls.resume(first)
    simulator.calls.disconnect(first, by="local")
    await wait_for_state(hass, CALL_STATE, "idle")
    assert await events.wait(8) == [
        "ringing",
        "answered",
        "ringing",
        "held",
        "answered",
        "ended",
        "resumed",
        "ended",
    ]


async def test_chats_and_emails_are_not_calls(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """A chat and an e-mail are counted, but never ring, make a call or fire an event."""
    chat = simulator.calls.start_chat(USERNAME, "Ada", "ada@example.com")
    simulator.calls.start_email(USERNAME, "Grace", "grace@example.com")
    simulator.calls.answer(chat)
    await wait_for_state(
        hass, CALL_STATE, lambda s: s.attributes["other_interactions"] == 2
    )
    assert (state := hass.states.get(CALL_STATE))
    assert state.state == "idle"
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_OFF
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_OFF
    simulator.calls.disconnect(chat)
    call = simulator.calls.ring(USERNAME, *CALLER)  # the first event is the call's
    assert await events.wait(1) == ["ringing"]
    assert events.events[0][1]["media_type"] == "call"
    assert attributes(hass)["other_interactions"] == 1
    simulator.calls.disconnect(call)


@pytest.mark.parametrize("answered", [True, False])
async def test_call_in_progress_at_start(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    events: EventRecorder,
    answered: bool,
) -> None:
    """A call under way when Home Assistant starts shows at once, with no event."""
    call = simulator.calls.ring(USERNAME, *CALLER)
    if answered:
        simulator.calls.answer(call)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert (state := hass.states.get(CALL_STATE))

    assert state.state == ("connected" if answered else "ringing")
    assert attributes(hass)["remote_name"] == CALLER[0]
    assert events.events == []
    simulator.calls.disconnect(call)
    assert await events.wait(1) == ["ended" if answered else "missed"]


async def test_session_lost_mid_call_recovers_the_true_state(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """What happened while the session was gone shows, and fires, when it is back."""
    first = simulator.calls.ring(USERNAME, *CALLER)
    simulator.calls.answer(first)
    kept = simulator.calls.ring(USERNAME, "Grace Hopper", "+1 555 0101")
    simulator.calls.answer(kept)
    simulator.calls.hold(kept)
    await wait_for_state(hass, CALL_STATE, "connected")
    await events.wait(5)

    simulator.set_outage("refuse")
    simulator.sessions.end(notify=False)
    await wait_for_state(hass, CALL_STATE, STATE_UNAVAILABLE)
    assert (state := hass.states.get(CALL_EVENT))
    assert state.state == STATE_UNAVAILABLE
    # Meanwhile: the first call ends, a third rings, the held one stays held.
    simulator.calls.disconnect(first)
    simulator.calls.remove(first)
    simulator.calls.ring(USERNAME, "Alan Turing", "+1 555 0102")
    simulator.set_outage(None)

    await wait_for_state(hass, CALL_STATE, "held")
    assert (state := hass.states.get(RINGING))
    assert state.state == STATE_ON
    assert attributes(hass)["calls"] == 2
    assert await events.wait(7) == [
        "ringing",
        "answered",
        "ringing",
        "answered",
        "held",
        "ringing",  # the call that rang meanwhile
        "ended",  # the call that ended meanwhile
    ]


async def test_stream_gap_mid_call_keeps_state_without_events(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """A broken stream renews the watch: the full queue again, and no repeated events."""
    call = simulator.calls.ring(USERNAME, *CALLER)
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    await events.wait(2)
    watches = queue_watches(simulator)
    simulator.sessions.drop_sse_mid_event()
    simulator.calls.hold(call)
    await wait_for_state(hass, CALL_STATE, "held")
    await hass.async_block_till_done()
    assert events.types == ["ringing", "answered", "held"]
    # The new stream renewed the queue watch once, which brought the whole queue again.
    assert queue_watches(simulator) == watches + 1


@pytest.mark.parametrize("simulator_options", [{"messaging_version": 1}])
async def test_polling_server(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    """Servers without events are polled; the calls follow within a poll."""
    call = simulator.calls.ring(USERNAME, *CALLER)
    await wait_for_state(hass, CALL_STATE, "ringing", within=WAIT)
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected", within=WAIT)
    assert await events.wait(2) == ["ringing", "answered"]


async def test_server_without_queues_or_status_has_no_call_entities(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Without the queue watch (and nothing else to tell), no call entity is made."""
    simulator.queues_version = 0
    simulator.status.version = 0
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert not mock_config_entry.runtime_data.calls.supported
    for entity_id in CALL_ENTITIES:
        assert hass.states.get(entity_id) is None
        assert entity_registry.async_get(entity_id) is None
    assert not any(
        "subscriptions/queues" in path for _, path, _ in simulator.traffic.requests
    )


async def test_caller_stays_out_of_logs_and_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Names and numbers: in the user's states and events, not in logs or diagnostics."""
    caplog.set_level(logging.INFO)
    simulator.calls.queue_result_limit = 1
    call = simulator.calls.ring(USERNAME, *CALLER)
    simulator.calls.ring(
        USERNAME, "Grace Hopper", "+1 555 0101"
    )  # past the limit: not listed
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    assert attributes(hass)["calls"] == 1

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    calls = diagnostics["calls"]
    assert isinstance(calls, dict)
    assert calls["state"] == "connected"
    assert calls["queue"] == ["Call:C"]
    text = repr(diagnostics) + caplog.text
    for secret in (*CALLER, "Ada", "0100", "Grace", "0101"):
        assert secret not in text
    assert "lists only part of the queue" in caplog.text
    assert caplog.text.count("lists only part of the queue") == 1


async def test_entities_write_only_what_changed(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Holding and resuming change the call state; on call and ringing are not rewritten."""
    reported: list[str] = []

    @callback
    def record(event: Event[EventStateReportedData]) -> None:
        reported.append(event.data["entity_id"])

    unsubscribe = async_track_state_report_event(hass, list(CALL_ENTITIES), record)
    call = simulator.calls.ring(USERNAME, *CALLER)
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    for _ in range(3):
        simulator.calls.hold(call)
        await wait_for_state(hass, CALL_STATE, "held")
        simulator.calls.resume(call)
        await wait_for_state(hass, CALL_STATE, "connected")
    unsubscribe()
    assert reported == []


async def test_server_without_queues_falls_back_to_on_phone(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Without the queue watch, on call follows the status's onPhone; nothing else exists."""
    simulator.queues_version = 0
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    for entity_id in (CALL_STATE, RINGING, CALL_EVENT):
        assert entity_registry.async_get(entity_id) is None
    assert (state := hass.states.get(ON_CALL))
    assert state.state == STATE_OFF
    call = simulator.calls.ring(USERNAME, *CALLER)
    simulator.calls.answer(call)  # onPhone turns true [guess: connected and held]
    await wait_for_state(hass, ON_CALL, STATE_ON)
    simulator.calls.hold(call)
    simulator.calls.disconnect(call)
    await wait_for_state(hass, ON_CALL, STATE_OFF)
    # onPhone set by the server for a call this session cannot see.
    simulator.status.set_on_phone(USERNAME, True)
    await wait_for_state(hass, ON_CALL, STATE_ON)
    simulator.sessions.end(notify=False)
    await wait_for_state(hass, ON_CALL, STATE_UNAVAILABLE)
    await wait_for_state(hass, ON_CALL, STATE_ON)
    assert not any(
        "subscriptions/queues" in path for _, path, _ in simulator.traffic.requests
    )
