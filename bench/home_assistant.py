"""Config entries of bench users in a Home Assistant test instance, and state watching."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
import contextlib
from dataclasses import dataclass, field
import random
import time
from typing import Any
from unittest.mock import patch

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import async_track_state_report_event
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.settings import ARRIVAL_LIMIT
from bench.simulator import PASSWORD, SERVER_NAME, station_name, user_name
from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_testing.entries import config_entry


async def pause(rng: random.Random) -> None:
    """Wait a random gap between changes (exponential, mean 4 ms, at most 50 ms)."""
    await asyncio.sleep(min(rng.expovariate(1 / 0.004), 0.05))


def add_entry(hass: HomeAssistant, url: str, index: int) -> MockConfigEntry:
    """Add (not set up) an entry for bench user ``index`` on its workstation, SSE."""
    user = user_name(index)
    entry = config_entry(
        url,
        user,
        PASSWORD,
        title=f"{user} ({SERVER_NAME})",
        station={
            CONF_STATION_TYPE: "workstation",
            CONF_WORKSTATION: station_name(index),
        },
    )
    entry.add_to_hass(hass)
    return entry


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """Set the entry up; return how long ``async_setup`` took."""
    begin = time.perf_counter()
    ok = await hass.config_entries.async_setup(entry.entry_id)
    elapsed = time.perf_counter() - begin
    if not ok:
        raise RuntimeError(f"setting up {entry.title} failed: {entry.state}")
    await hass.async_block_till_done()
    return elapsed


def entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """Return the entity ids of an entry."""
    registry = er.async_get(hass)
    return [
        e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    ]


def entity_of(
    hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str
) -> str:
    """Return the entity id of the entry's ``domain`` entity with translation key ``key``."""
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.unique_id}_{key}"
    )
    if entity_id is None:
        raise RuntimeError(f"no {domain} {key} entity")
    return entity_id


def extension_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the entity id of the entry's extension sensor."""
    return entity_of(hass, entry, "sensor", "extension")


class StateWatch:
    """Record state changes of some entities: the time each new state first appears."""

    def __init__(self, hass: HomeAssistant, watched: Iterable[str]) -> None:
        """Start listening."""
        self.watched = set(watched)
        self.changes = 0
        self.first_seen: dict[tuple[str, str], float] = {}
        self.last: dict[str, str] = {}
        self._waiters: list[tuple[Callable[[], bool], asyncio.Event]] = []
        self._unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        new_state = event.data["new_state"]
        if entity_id not in self.watched or new_state is None:
            return
        self.changes += 1
        self.first_seen.setdefault((entity_id, new_state.state), time.perf_counter())
        self.last[entity_id] = new_state.state
        for predicate, reached in self._waiters:
            if predicate():
                reached.set()

    async def wait(
        self, predicate: Callable[[], bool], limit: float = ARRIVAL_LIMIT
    ) -> None:
        """Wait until ``predicate()`` holds after a state change (bounded)."""
        if predicate():
            return
        waiter = (predicate, asyncio.Event())
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(limit):
                await waiter[1].wait()
        finally:
            self._waiters.remove(waiter)

    def stop(self) -> None:
        """Stop listening."""
        self._unsubscribe()


@dataclass
class Writes:
    """Every write of some entities, and when each new state first arrived.

    Counted as Home Assistant sees them: ``state_changed`` for a write that changed the
    state or its attributes, ``state_reported`` for one that changed nothing.
    """

    watched: set[str]
    changed: dict[str, int] = field(default_factory=dict)
    reported: dict[str, int] = field(default_factory=dict)
    arrivals: list[tuple[str, str, float]] = field(default_factory=list)
    _waiter: asyncio.Event = field(default_factory=asyncio.Event)

    def listen(self, hass: HomeAssistant) -> list[Any]:
        """Start counting; return the functions that stop it."""
        return [
            hass.bus.async_listen(EVENT_STATE_CHANGED, self.on_changed),
            async_track_state_report_event(hass, list(self.watched), self.on_reported),
        ]

    @callback
    def on_changed(self, event: Event[EventStateChangedData]) -> None:
        """Count a write that changed the state or its attributes."""
        entity_id = event.data["entity_id"]
        new = event.data["new_state"]
        if entity_id not in self.watched or new is None:
            return
        self.changed[entity_id] = self.changed.get(entity_id, 0) + 1
        self.arrivals.append((entity_id, new.state, time.perf_counter()))
        self._waiter.set()

    @callback
    def on_reported(self, event: Event[EventStateReportedData]) -> None:
        """Count a write that changed nothing."""
        entity_id = event.data["entity_id"]
        self.reported[entity_id] = self.reported.get(entity_id, 0) + 1

    def reset(self) -> None:
        """Forget what was counted."""
        self.changed.clear()
        self.reported.clear()
        self.arrivals.clear()

    def mark(self) -> int:
        """Return a position in the arrivals, for :meth:`until`."""
        return len(self.arrivals)

    async def until(
        self,
        entity_id: str,
        state: str | None,
        after: int,
        limit: float = ARRIVAL_LIMIT,
    ) -> float:
        """Wait (bounded) for ``entity_id`` to change (to ``state``) after ``after``."""
        start = after
        async with asyncio.timeout(limit):
            while True:
                for seen_id, seen_state, at in self.arrivals[start:]:
                    if seen_id == entity_id and state in {None, seen_state}:
                        return at
                start = len(self.arrivals)
                self._waiter.clear()
                await self._waiter.wait()


class WriteCalls:
    """Every ``async_write_ha_state`` call of some entities, counted where it is made.

    Events count only what reaches the state machine; this counts the entity's own
    writes, whatever they change, so an entity that rewrites an unchanged state on every
    update cannot hide.
    """

    def __init__(self, entity_ids: Iterable[str]) -> None:
        """Count nothing until :meth:`counting`."""
        self.watched = set(entity_ids)
        self.counts: Counter[str] = Counter()

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        """Count the writes made inside the block."""
        write = Entity.async_write_ha_state
        watched, counts = self.watched, self.counts

        @callback
        def counted(entity: Entity) -> None:
            if entity.entity_id in watched:
                counts[entity.entity_id] += 1
            write(entity)

        with patch.object(Entity, "async_write_ha_state", counted):
            yield

    @property
    def total(self) -> int:
        """Return how many writes were counted."""
        return self.counts.total()

    def reset(self) -> None:
        """Forget what was counted."""
        self.counts.clear()


def stop(listeners: Iterable[Any]) -> None:
    """Stop the listeners."""
    for remove in listeners:
        remove()
