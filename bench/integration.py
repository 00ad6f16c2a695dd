"""Measurements through the integration in a Home Assistant test instance."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, callback

from bench.home_assistant import (
    StateWatch,
    WriteCalls,
    add_entry,
    entity_ids,
    extension_entity,
    set_up,
)
from bench.results import rss_bytes
from bench.settings import PHASE_LIMIT, Sizes
from bench.simulator import (
    delta_text,
    make_simulator,
    running,
    session_of,
    station_name,
    user_name,
)
from custom_components.icws_station.station import StationCoordinator


async def ha_latency(
    hass: HomeAssistant, sizes: Sizes, rng: random.Random
) -> tuple[list[float], int]:
    """Figure 2: extension changes until the extension sensor shows them."""
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim.url, 2)
        await set_up(hass, entry)
        entity_id = extension_entity(hass, entry)
        watch = StateWatch(hass, [entity_id])
        try:
            await asyncio.sleep(0.2)
            sent: list[tuple[str, float]] = []
            for number in range(sizes.ha_changes):
                extension = f"h{number}"
                sent.append((extension, time.perf_counter()))
                sim.stations.change(station_name(2), extension=extension)
                await asyncio.sleep(
                    min(rng.expovariate(1 / sizes.sse_gap), 20 * sizes.sse_gap)
                )
            last = sent[-1][0]
            with contextlib.suppress(TimeoutError):
                await watch.wait(lambda: (entity_id, last) in watch.first_seen)
            found = [
                watch.first_seen[entity_id, extension] - at
                for extension, at in sent
                if (entity_id, extension) in watch.first_seen
            ]
            return found, len(sent) - len(found)
        finally:
            watch.stop()
            await hass.config_entries.async_unload(entry.entry_id)


def burst_texts(
    index: int, sizes: Sizes, prefix: str, extension: str
) -> tuple[list[str], int, str]:
    """Return a burst's message texts, its number of real changes and the last extension.

    ``extension`` is the station's extension before the burst. One message in
    ``burst_change_every`` changes it (a real change); the others repeat the station as it
    is, or rotate the SIP password (a field that is kept but is not part of the station's
    equality, and that no entity shows). The last message is a change.
    """
    texts: list[str] = []
    real_changes = 0
    every = sizes.burst_change_every
    for number in range(sizes.burst_messages):
        if number % every == every - 1 or number == sizes.burst_messages - 1:
            extension = f"{prefix}{number}"
            real_changes += 1
            texts.append(delta_text(index, extension))
        elif number % 2:
            texts.append(delta_text(index, extension, sipPassword=f"r{number}"))
        else:
            texts.append(delta_text(index, extension, canBeDialed=True))
    return texts, real_changes, extension


async def ha_burst(hass: HomeAssistant, sizes: Sizes) -> dict[str, Any]:
    """Figure 4: ``burst_messages`` deltas queued at once on the entry's session, repeated.

    Each run is timed from the queue being full to the extension sensor showing the last
    message, with the process's CPU time beside the wall time. Counts the coordinator's
    updates and the entities' ``async_write_ha_state`` calls, which must both equal the
    real changes: only the extension sensor shows them, once each.
    """
    index = 3
    runs: list[dict[str, Any]] = []
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        coordinator: StationCoordinator = entry.runtime_data.station
        extension_id = extension_entity(hass, entry)
        updates = 0

        @callback
        def updated() -> None:
            nonlocal updates
            updates += 1

        watch = StateWatch(hass, entity_ids(hass, entry))
        writes = WriteCalls(entity_ids(hass, entry))
        remove = coordinator.async_add_listener(updated)
        try:
            for run in range(sizes.burst_runs):
                current = coordinator.data.extension if coordinator.data else ""
                texts, real_changes, last = burst_texts(
                    index, sizes, f"x{run}-", current
                )
                await asyncio.sleep(0.2)
                updates, watch.changes = 0, 0
                writes.reset()
                session = session_of(sim, user_name(index))
                rss_before = rss_bytes()
                for text in texts:
                    session.push(text)
                del texts
                with writes.counting():
                    begin, cpu_begin = time.perf_counter(), time.process_time()
                    await watch.wait(
                        lambda: watch.last.get(extension_id) == last,  # noqa: B023
                        PHASE_LIMIT / 4,
                    )
                    wall = time.perf_counter() - begin
                    cpu = time.process_time() - cpu_begin
                    # Anything still in flight would show up as extra updates: let it land.
                    await asyncio.sleep(0.3)
                    await hass.async_block_till_done()
                runs.append(
                    {
                        "drain_seconds": wall,
                        "rate": sizes.burst_messages / wall,
                        "cpu_seconds": cpu,
                        "cpu_rate": sizes.burst_messages / cpu,
                        "real_changes": real_changes,
                        "coordinator_updates": updates,
                        "state_writes": writes.total,
                        "state_changes": watch.changes,
                        "rss_growth": rss_bytes() - rss_before,
                    }
                )
        finally:
            remove()
            watch.stop()
            await hass.config_entries.async_unload(entry.entry_id)
    return {"messages": sizes.burst_messages, "runs": runs}


async def ha_recovery(hass: HomeAssistant, sizes: Sizes) -> dict[str, Any]:
    """Figure 6: the server ends the session; time until the entities are available again."""
    index = 4
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        entity_id = extension_entity(hass, entry)
        watch = StateWatch(hass, [entity_id])
        downs: list[float] = []
        totals: list[float] = []
        try:
            for _ in range(sizes.recoveries):
                await asyncio.sleep(0.2)
                session_id = session_of(sim, user_name(index)).session_id
                begin = time.perf_counter()
                sim.sessions.end(session_id)
                await watch.wait(lambda: watch.last.get(entity_id) == STATE_UNAVAILABLE)
                down = time.perf_counter()
                # Default backoff: the first retry comes 0.5 to 1 s after the loss.
                await watch.wait(
                    lambda: watch.last.get(entity_id) != STATE_UNAVAILABLE, 30.0
                )
                totals.append(time.perf_counter() - begin)
                downs.append(down - begin)
        finally:
            watch.stop()
            await hass.config_entries.async_unload(entry.entry_id)
        return {"totals": totals, "downs": downs}
