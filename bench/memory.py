"""Memory per config entry in Home Assistant, and per session of the client alone.

Both are measured against the simulator running as a process of its own, so that its
sessions do not count: Python heap growth (tracemalloc) and resident set growth, divided by
the number of entries (or sessions) added after a first one loaded everything.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from typing import Any

import aiohttp

from bench.home_assistant import add_entry, set_up
from bench.probes import probes
from bench.processes import simulator_process
from bench.results import rss_bytes
from bench.settings import Sizes
from bench.test_instance import home_assistant
from custom_components.icws_station.icws import RetrievalMode


def _snapshot() -> tuple[int, int]:
    gc.collect()
    return tracemalloc.get_traced_memory()[0], rss_bytes()


async def ha_memory_per_entry(sizes: Sizes) -> dict[str, Any]:
    """Home Assistant's growth per set-up entry: client, coordinator, entities, states."""
    count = sizes.memory_entries
    async with (
        simulator_process(users=count + 1) as sim,
        home_assistant() as hass,
    ):
        await set_up(hass, add_entry(hass, sim.url, count + 1))
        tracemalloc.start()
        try:
            traced, rss = _snapshot()
            for index in range(1, count + 1):
                await set_up(hass, add_entry(hass, sim.url, index))
            await asyncio.sleep(0.5)  # let the first messages land
            await hass.async_block_till_done()
            traced_after, rss_after = _snapshot()
        finally:
            tracemalloc.stop()
    return {
        "entries": count,
        "traced_per_entry": (traced_after - traced) / count,
        "rss_per_entry": (rss_after - rss) / count,
    }


async def client_memory_per_session(
    http: aiohttp.ClientSession, sizes: Sizes
) -> dict[str, Any]:
    """The client library's growth per logged-in, streaming session."""
    count = sizes.memory_entries
    async with simulator_process(users=count + 1) as sim:
        specs = [(count + 1, RetrievalMode.SSE)]
        async with probes(http, sim.url, specs, record=False):
            tracemalloc.start()
            try:
                traced, rss = _snapshot()
                specs = [(index, RetrievalMode.SSE) for index in range(1, count + 1)]
                async with probes(http, sim.url, specs, record=False):
                    await asyncio.sleep(0.5)
                    traced_after, rss_after = _snapshot()
            finally:
                tracemalloc.stop()
    return {
        "sessions": count,
        "traced_per_session": (traced_after - traced) / count,
        "rss_per_session": (rss_after - rss) / count,
    }
