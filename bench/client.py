"""Measurements on the client library: latency beside the floor, polling, memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import gc
import random
import time
import tracemalloc
from typing import Any

import aiohttp

from bench.floor import bare_reader
from bench.probes import Probe, Target, latencies, probes, random_changes
from bench.results import rss_bytes
from bench.settings import IDLE_SESSIONS, Sizes
from bench.simulator import delta_text, make_simulator, running, session_of
from custom_components.icws_station.icws import RetrievalMode
from icws_simulator import IcwsSimulator


@dataclass
class SseRun:
    """Latencies of the client and of the bare reader beside it, and the changes lost."""

    client: list[float]
    floor: list[float]
    lost: int


async def client_latency_sse(
    http: aiohttp.ClientSession, sizes: Sizes, rng: random.Random
) -> SseRun:
    """The client's streaming session and a bare reader of another, changed in turn.

    Each change goes to one of the two at random, at random gaps, so both see the same
    load; nothing else runs.
    """
    async with (
        running(make_simulator()) as sim,
        probes(http, sim.url, [(1, RetrievalMode.SSE)]) as started,
        bare_reader(http, sim.url, 2) as floor,
    ):
        await asyncio.sleep(0.2)  # let the streams settle
        targets: list[Target] = [started[0], floor]
        sent = await random_changes(
            sim,
            targets,
            sizes.sse_changes * 2,
            mean_gap=sizes.sse_gap,
            prefix="s",
            rng=rng,
        )
        found, lost = await latencies(sent, targets)
        return SseRun(found[1], found[2], lost)


@dataclass
class PollingRun:
    """What the polling window measured: latencies, and request counts of idle sessions."""

    latencies: list[float]
    lost: int
    window: float
    idle_requests: dict[RetrievalMode, list[int]]


async def polling_window(
    http: aiohttp.ClientSession, sizes: Sizes, rng: random.Random
) -> PollingRun:
    """Figures 1 (polling) and 3, in one fixed window.

    ``poll_sessions`` sessions poll every second while their stations change at random
    moments (so changes fall at random phases of the poll cycle); beside them
    ``IDLE_SESSIONS`` streaming and ``IDLE_SESSIONS`` polling sessions see no change, and
    their HTTP requests during the window are counted on the simulator.
    """
    active = [(i, RetrievalMode.POLL) for i in range(1, sizes.poll_sessions + 1)]
    first_idle = sizes.poll_sessions + 1
    idle = [(first_idle + i, RetrievalMode.POLL) for i in range(IDLE_SESSIONS)] + [
        (first_idle + IDLE_SESSIONS + i, RetrievalMode.SSE)
        for i in range(IDLE_SESSIONS)
    ]
    async with (
        running(make_simulator()) as sim,
        probes(http, sim.url, active + idle) as started,
    ):
        idle_probes = started[len(active) :]
        await asyncio.sleep(1.5)  # every poller has a cycle behind it
        session_mode = {
            session_of(sim, probe.user).session_id: probe.mode for probe in idle_probes
        }
        first_request = len(sim.traffic.requests)
        begin = time.perf_counter()
        gap = (sizes.poll_window - 5.0) / sizes.poll_changes
        sent = await random_changes(
            sim,
            started[: len(active)],
            sizes.poll_changes,
            mean_gap=gap,
            prefix="p",
            rng=rng,
        )
        by_user, lost = await latencies(sent, started[: len(active)])
        found = [latency for values in by_user.values() for latency in values]
        await asyncio.sleep(max(0.0, sizes.poll_window - (time.perf_counter() - begin)))
        window = time.perf_counter() - begin
        counts: dict[str, int] = dict.fromkeys(session_mode, 0)
        for _method, path, _status in sim.traffic.requests[first_request:]:
            parts = path.split("/")
            if len(parts) > 2 and parts[2] in counts:
                counts[parts[2]] += 1
        idle_requests: dict[RetrievalMode, list[int]] = {
            RetrievalMode.SSE: [],
            RetrievalMode.POLL: [],
        }
        for session_id, mode in session_mode.items():
            idle_requests[mode].append(counts[session_id])
        return PollingRun(found, lost, window, idle_requests)


async def feed(
    sim: IcwsSimulator, probe: Probe, count: int, batch: int, start: int
) -> int:
    """Queue ``count`` distinct station deltas in batches; wait for each batch to be read."""
    session = session_of(sim, probe.user)
    number = start
    end = start + count
    while number < end:
        size = min(batch, end - number)
        for offset in range(size):
            session.push(delta_text(probe.index, f"m{number + offset}"))
        await probe.wait_count(probe.count + size)
        number += size
    return number


async def client_memory(http: aiohttp.ClientSession, sizes: Sizes) -> dict[str, Any]:
    """Figure 5: RSS before and after ``memory_messages`` messages, then tracemalloc."""
    async with (
        running(make_simulator()) as sim,
        probes(http, sim.url, [(1, RetrievalMode.SSE)], record=False) as (probe,),
    ):
        number = await feed(sim, probe, sizes.memory_warmup, sizes.memory_batch, 0)
        gc.collect()
        before = rss_bytes()
        begin = time.perf_counter()
        number = await feed(
            sim, probe, sizes.memory_messages, sizes.memory_batch, number
        )
        elapsed = time.perf_counter() - begin
        gc.collect()
        after = rss_bytes()
        tracemalloc.start()
        try:
            # Blocks allocated before tracing started and replaced since would count as
            # growth: warm up under tracing first.
            number = await feed(
                sim, probe, sizes.memory_batch * 5, sizes.memory_batch, number
            )
            gc.collect()
            traced_before = tracemalloc.get_traced_memory()[0]
            number = await feed(
                sim, probe, sizes.tracemalloc_messages, sizes.memory_batch, number
            )
            gc.collect()
            traced_after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        if probe.station is None or probe.station.extension != f"m{number - 1}":
            raise RuntimeError("the memory run lost messages")
        return {
            "rss_before": before,
            "rss_after": after,
            "rss_growth": after - before,
            "messages": sizes.memory_messages,
            "seconds": elapsed,
            "traced_growth": traced_after - traced_before,
            "traced_messages": sizes.tracemalloc_messages,
        }
