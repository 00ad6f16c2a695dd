"""Waiting on Home Assistant's state machine without sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress

from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.event import async_track_state_change_event

from icws_simulator import IcwsSimulator

WAIT = 5.0


async def wait_for_state(
    hass: HomeAssistant,
    entity_id: str,
    expected: str | Callable[[State], bool],
    within: float = WAIT,
) -> State:
    """Return the entity's state once it matches, failing the test after ``within`` s."""

    def matches(state: State | None) -> bool:
        if state is None:
            return False
        return state.state == expected if isinstance(expected, str) else expected(state)

    reached = asyncio.Event()

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        if matches(event.data["new_state"]):
            reached.set()

    unsubscribe = async_track_state_change_event(hass, entity_id, changed)
    try:
        if not matches(hass.states.get(entity_id)):
            async with asyncio.timeout(within):
                await reached.wait()
    finally:
        unsubscribe()
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def wait_for_removal(
    hass: HomeAssistant, entity_id: str, within: float = WAIT
) -> None:
    """Return once the entity's state is gone, failing the test after ``within`` s."""
    removed = asyncio.Event()

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        if event.data["new_state"] is None:
            removed.set()

    unsubscribe = async_track_state_change_event(hass, entity_id, changed)
    try:
        if hass.states.get(entity_id) is not None:
            async with asyncio.timeout(within):
                await removed.wait()
    finally:
        unsubscribe()


class StateRecorder:
    """Every state an entity goes through, in order."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        """Start recording."""
        self.states: list[str] = []
        self._unsubscribe = async_track_state_change_event(
            hass, entity_id, self._changed
        )

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            self.states.append(state.state)

    def stop(self) -> None:
        """Stop recording."""
        self._unsubscribe()


class LiveSessionWatch:
    """The most sessions the server held for a user at any one moment.

    The simulator wakes its waiters after every request and every change, so the count is
    seen at each step: a second session that lived for one request is caught too.
    """

    def __init__(self, simulator: IcwsSimulator, user: str) -> None:
        """Start watching."""
        self._simulator = simulator
        self._user = user
        self.most = simulator.sessions.count_of(user)
        self._task = asyncio.create_task(self._watch())

    def _count(self) -> int:
        return self._simulator.sessions.count_of(self._user)

    async def _watch(self) -> None:
        while True:
            await self._simulator.wait_until(lambda: self._count() > self.most)
            self.most = self._count()

    async def stop(self) -> None:
        """Stop watching."""
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task
