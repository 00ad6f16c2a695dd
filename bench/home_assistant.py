"""Config entries of bench users in a Home Assistant test instance, and state watching."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
import time

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.settings import ARRIVAL_LIMIT
from bench.simulator import PASSWORD, SERVER_NAME, station_name, user_name
from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_testing.entries import config_entry


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


def extension_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the entity id of the entry's extension sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_extension"
    )
    if entity_id is None:
        raise RuntimeError("no extension sensor")
    return entity_id


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
