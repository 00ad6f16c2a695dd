"""Benchmark of the ICWS client and the integration against the simulator, on loopback.

Run it with ``scripts/bench`` (``--help`` for the options). Everything runs in one process
and one event loop, as in the tests: the simulator, the client library and, for the figures
that need it, the coordinator inside a Home Assistant test instance
(``async_test_home_assistant``). The simulator's work is therefore counted in every figure;
the numbers are an upper bound of the client's own cost. Traffic goes only to 127.0.0.1.

Figures (the issue's numbering):

1. station change -> client update latency, SSE and polling at 1 s, with the ratio;
2. station change -> Home Assistant state change latency, SSE;
3. idle load: HTTP requests per minute per session, SSE and polling at 1 s;
4. burst: 100,000 station messages queued at once, drained through the coordinator;
5. resident memory growth of the client over 100,000 messages;
6. recovery after the server ends the session, with the default backoff;
7. config entry setup time.

Prints one table and writes it as JSON (``bench-results.json`` at the repository root).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gc
import json
import logging
import math
import os
from pathlib import Path
import platform
import random
import statistics
import sys
import time
import tracemalloc
from typing import Any, Final
from unittest.mock import patch

import aiohttp
from homeassistant import loader, runner
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    __version__ as ha_version,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
    mock_storage,
)
from yarl import URL

from custom_components.icws_station.const import (
    CONF_POLL_INTERVAL,
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
    StationType,
)
from custom_components.icws_station.coordinator import IcwsStationCoordinator
from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsError,
    Message,
    RetrievalMode,
    Station,
    StationMessage,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator, SimSession, SimulatedStation, protocol

ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT: Final = ROOT / "bench-results.json"

PASSWORD: Final = "pw-bench"  # noqa: S105 - a simulator user's
SERVER_NAME: Final = "CIC01"
USERS: Final = 40  # bench01..bench40, each with its own workstation WS-B01..WS-B40
POLL_INTERVAL: Final = 1.0  # the vendor example's setting
IDLE_SESSIONS: Final = 5  # per retrieval mode

# Bounds: no phase and no wait runs longer than these, whatever happens.
PHASE_LIMIT: Final = 150.0
ARRIVAL_LIMIT: Final = 10.0
RUN_LIMIT: Final = 540.0


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does (``--quick`` shrinks it for a smoke run)."""

    sse_changes: int = 1000
    sse_gap: float = 0.004  # mean seconds between changes, exponentially distributed
    poll_sessions: int = 25
    poll_changes: int = 600
    poll_window: float = 60.0  # also the idle window of figure 3
    ha_changes: int = 500
    burst_messages: int = 100_000
    burst_change_every: int = 100  # one real value change per this many messages
    burst_runs: int = 3
    memory_messages: int = 100_000
    memory_warmup: int = 10_000
    memory_batch: int = 1000
    tracemalloc_messages: int = 20_000
    recoveries: int = 20
    setups: int = 20


QUICK: Final = Sizes(
    sse_changes=200,
    poll_sessions=10,
    poll_changes=100,
    poll_window=12.0,
    ha_changes=100,
    burst_messages=20_000,
    burst_runs=1,
    memory_messages=20_000,
    memory_warmup=5000,
    tracemalloc_messages=5000,
    recoveries=3,
    setups=5,
)


# ---- results --------------------------------------------------------------------------

TITLES: Final = {
    1: "Station change -> client update latency",
    2: "Station change -> Home Assistant state change (SSE)",
    3: "Idle load on the server, HTTP requests/min per session",
    4: "Burst: {:,} station messages queued at once",
    5: "Client memory over {:,} messages (SSE)",
    6: "Recovery: session ended by the server -> entities available",
    7: "Config entry setup against the simulator",
}


@dataclass
class Figure:
    """One row group of the table: measured values, the goal, and whether it was met."""

    number: int
    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    goal: str = ""
    passed: bool | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, label: str, text: str, **values: Any) -> None:
        """Add a printed line and the raw values behind it."""
        self.lines.append((label, text))
        self.values.update(values)

    def as_json(self) -> dict[str, Any]:
        """Return the figure as plain data."""
        return {
            "number": self.number,
            "title": self.title,
            "values": self.values,
            "lines": dict(self.lines),
            "goal": self.goal,
            "passed": self.passed,
            "notes": self.notes,
        }


def percentile(values: Iterable[float], pct: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:.2f} ms"


def rss_bytes() -> int:
    """Return the process's resident set size now (VmRSS)."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


# ---- the simulator ----------------------------------------------------------------------


def user_name(index: int) -> str:
    """Return the id of bench user ``index`` (1-based)."""
    return f"bench{index:02d}"


def station_name(index: int) -> str:
    """Return the workstation of bench user ``index``."""
    return f"WS-B{index:02d}"


def make_simulator(**options: Any) -> IcwsSimulator:
    """Create a simulator with the bench users and their stations (default ping interval)."""
    stations = [
        SimulatedStation(
            id=station_name(index),
            extension=f"{index:03d}",
            sip_address=f"sip:b{index:02d}@cic01.example.test",
            sip_user=f"b{index:02d}",
            sip_password=f"sip-{index:02d}",
            managed_ip_phone=f"MIP-{index:02d}",
            emergency_responder_location_id="ERL-1",
        )
        for index in range(1, USERS + 1)
    ]
    return IcwsSimulator(
        users={user_name(index): PASSWORD for index in range(1, USERS + 1)},
        stations=stations,
        server_name=SERVER_NAME,
        **options,
    )


@contextlib.asynccontextmanager
async def running(sim: IcwsSimulator) -> AsyncIterator[IcwsSimulator]:
    """Run ``sim`` for the block."""
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


def session_of(sim: IcwsSimulator, user: str) -> SimSession:
    """Return the live simulator session of ``user`` (the bench gives each user one)."""
    found = [s for s in sim.sessions.values() if s.user_id == user and not s.ending]
    if len(found) != 1:
        raise RuntimeError(f"expected one session of {user}, found {len(found)}")
    return found[0]


def delta_text(index: int, extension: str, **fields: Any) -> str:
    """Return the wire text of an ``isDelta: true`` message for bench station ``index``."""
    info = {
        "id": station_name(index),
        "extension": extension,
        "stationSetting": 1,
        "managedIPPhone": f"MIP-{index:02d}",
        "emergencyResponderLocationID": "ERL-1",
        **fields,
    }
    return protocol.dumps(protocol.station_message(info, is_delta=True))


# ---- client probes ----------------------------------------------------------------------


class Probe:
    """One client session on its own station, reading messages in a task.

    Records when each extension value first arrives (``arrivals``) unless ``record`` is
    False (the memory figure, which must keep nothing per message).
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        sim: IcwsSimulator,
        index: int,
        mode: RetrievalMode,
        *,
        record: bool = True,
    ) -> None:
        """Prepare a client for bench user ``index``; nothing is sent yet."""
        self.index = index
        self.user = user_name(index)
        self.station_id = station_name(index)
        self.mode = mode
        self.client = IcwsClient(http, URL(sim.url), self.user, PASSWORD)
        self.station: Station | None = None
        self.count = 0
        self.arrivals: dict[str, float] = {}
        self._record = record
        self._target = 0
        self._reached = asyncio.Event()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in, connect the station, subscribe, read the first message, start reading."""
        await self.client.login()
        await self.client.connect_station(WorkstationSettings(self.station_id))
        await self.client.subscribe_station()
        messages = self.client.messages(self.mode, POLL_INTERVAL)
        async with asyncio.timeout(ARRIVAL_LIMIT):
            async for message in messages:
                if isinstance(message, StationMessage):
                    self.station = message.apply(None)
                    break
        self._task = asyncio.create_task(self._read(messages))

    async def _read(self, messages: AsyncIterator[Message]) -> None:
        try:
            await self._consume(messages)
        except IcwsError as err:
            # Shows up as lost changes or a timeout; say why.
            step(f"{self.user}: the message stream ended: {err}")

    async def _consume(self, messages: AsyncIterator[Message]) -> None:
        perf_counter = time.perf_counter
        async for message in messages:
            if not isinstance(message, StationMessage):
                continue
            station = message.apply(self.station)
            self.station = station
            self.count += 1
            if self._record and station is not None:
                self.arrivals.setdefault(station.extension, perf_counter())
                self._arrived.set()
            if self.count >= self._target:
                self._reached.set()

    async def wait_arrivals(self, extensions: Iterable[str]) -> None:
        """Wait until every one of ``extensions`` has arrived (bound it from outside)."""
        missing = set(extensions)
        while missing := missing - self.arrivals.keys():
            self._arrived.clear()
            await self._arrived.wait()

    async def wait_count(self, target: int, limit: float = ARRIVAL_LIMIT) -> None:
        """Wait until ``target`` station messages were read in all (bounded)."""
        self._target = target
        self._reached.clear()
        if self.count >= target:
            return
        async with asyncio.timeout(limit):
            await self._reached.wait()

    async def stop(self) -> None:
        """Stop reading and log out."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()


@contextlib.asynccontextmanager
async def probes(
    http: aiohttp.ClientSession,
    sim: IcwsSimulator,
    specs: Iterable[tuple[int, RetrievalMode]],
    *,
    record: bool = True,
) -> AsyncIterator[list[Probe]]:
    """Start a probe for each (user index, mode); stop them all after the block."""
    started: list[Probe] = []
    try:
        for index, mode in specs:
            probe = Probe(http, sim, index, mode, record=record)
            started.append(probe)
            await probe.start()
        yield started
    finally:
        for probe in started:
            await probe.stop()


async def random_changes(
    sim: IcwsSimulator,
    targets: list[Probe],
    count: int,
    *,
    mean_gap: float,
    prefix: str,
    rng: random.Random,
) -> dict[tuple[int, str], float]:
    """Change the extension of a random target's station ``count`` times, at random gaps.

    Returns when each change was made, by (user index, new extension).
    """
    sent: dict[tuple[int, str], float] = {}
    perf_counter = time.perf_counter
    for number in range(count):
        probe = rng.choice(targets)
        extension = f"{prefix}{number}"
        sent[probe.index, extension] = perf_counter()
        sim.update_station(probe.station_id, extension=extension)
        await asyncio.sleep(min(rng.expovariate(1 / mean_gap), 20 * mean_gap))
    return sent


async def latencies(
    sent: dict[tuple[int, str], float], targets: list[Probe]
) -> tuple[list[float], int]:
    """Wait (bounded) for every change to arrive; return the latencies and how many got lost."""
    by_index = {probe.index: probe for probe in targets}
    expected: dict[int, list[str]] = {}
    for index, extension in sent:
        expected.setdefault(index, []).append(extension)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(ARRIVAL_LIMIT):
            await asyncio.gather(
                *(by_index[i].wait_arrivals(exts) for i, exts in expected.items())
            )
    found = [
        by_index[index].arrivals[extension] - at
        for (index, extension), at in sent.items()
        if extension in by_index[index].arrivals
    ]
    return found, len(sent) - len(found)


# ---- figures 1 and 3: the client library -------------------------------------------------


async def client_latency_sse(
    http: aiohttp.ClientSession, sizes: Sizes, rng: random.Random
) -> tuple[list[float], int]:
    """Figure 1, SSE: one streaming session, changes at random gaps, nothing else running."""
    async with (
        running(make_simulator()) as sim,
        probes(http, sim, [(1, RetrievalMode.SSE)]) as started,
    ):
        await asyncio.sleep(0.2)  # let the stream settle
        sent = await random_changes(
            sim, started, sizes.sse_changes, mean_gap=sizes.sse_gap, prefix="s", rng=rng
        )
        return await latencies(sent, started)


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
        probes(http, sim, active + idle) as started,
    ):
        idle_probes = started[len(active) :]
        await asyncio.sleep(1.5)  # every poller has a cycle behind it
        session_mode = {
            session_of(sim, probe.user).session_id: probe.mode for probe in idle_probes
        }
        first_request = len(sim.requests)
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
        found, lost = await latencies(sent, started[: len(active)])
        await asyncio.sleep(max(0.0, sizes.poll_window - (time.perf_counter() - begin)))
        window = time.perf_counter() - begin
        counts: dict[str, int] = dict.fromkeys(session_mode, 0)
        for _method, path, _status in sim.requests[first_request:]:
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


# ---- figure 5: memory of the client -----------------------------------------------------


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
        probes(http, sim, [(1, RetrievalMode.SSE)], record=False) as (probe,),
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


# ---- Home Assistant ----------------------------------------------------------------------


class _Resolver(aiohttp.ThreadedResolver):
    """The resolver Home Assistant's HTTP session gets (no zeroconf in a bench)."""

    async def real_close(self) -> None:
        """Close, as Home Assistant's own resolver does on shutdown."""
        await self.close()


@contextlib.asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """A Home Assistant test instance that loads this project's integration.

    The harness's ``async_test_home_assistant`` with what its pytest fixtures add: storage
    kept in memory, custom integrations enabled, no zeroconf resolver. No loop debug mode.
    """
    with (
        mock_storage(),
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=_Resolver(),
        ),
    ):
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            try:
                yield hass
            finally:
                for entry in hass.config_entries.async_entries(DOMAIN):
                    await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


def add_entry(hass: HomeAssistant, sim: IcwsSimulator, index: int) -> MockConfigEntry:
    """Add (not set up) an entry for bench user ``index`` on its workstation, SSE."""
    user = user_name(index)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{user} ({SERVER_NAME})",
        unique_id=f"{user}@{SERVER_NAME}".lower(),
        data={
            CONF_URL: sim.url,
            CONF_USERNAME: user,
            CONF_PASSWORD: PASSWORD,
            CONF_VERIFY_SSL: True,
        },
        options={
            CONF_STATION_TYPE: StationType.WORKSTATION,
            CONF_WORKSTATION: station_name(index),
            CONF_RETRIEVAL_MODE: RetrievalMode.AUTO.value,
            CONF_POLL_INTERVAL: POLL_INTERVAL,
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


async def ha_setup(hass: HomeAssistant, sizes: Sizes) -> dict[str, Any]:
    """Figure 7: the first setup (loads the integration), then warm setups of one entry."""
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim, 1)
        cold = await set_up(hass, entry)
        warm: list[float] = []
        for _ in range(sizes.setups):
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            warm.append(await set_up(hass, entry))
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.config_entries.async_remove(entry.entry_id)
        return {"cold": cold, "warm": warm}


async def ha_latency(
    hass: HomeAssistant, sizes: Sizes, rng: random.Random
) -> tuple[list[float], int]:
    """Figure 2: extension changes until the extension sensor shows them."""
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim, 2)
        await set_up(hass, entry)
        entity_id = extension_entity(hass, entry)
        watch = StateWatch(hass, [entity_id])
        try:
            await asyncio.sleep(0.2)
            sent: list[tuple[str, float]] = []
            for number in range(sizes.ha_changes):
                extension = f"h{number}"
                sent.append((extension, time.perf_counter()))
                sim.update_station(station_name(2), extension=extension)
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
    updates and the state changes written, which must both equal the real changes.
    """
    index = 3
    runs: list[dict[str, Any]] = []
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim, index)
        await set_up(hass, entry)
        coordinator: IcwsStationCoordinator = entry.runtime_data
        extension_id = extension_entity(hass, entry)
        updates = 0

        @callback
        def updated() -> None:
            nonlocal updates
            updates += 1

        watch = StateWatch(hass, entity_ids(hass, entry))
        remove = coordinator.async_add_listener(updated)
        try:
            for run in range(sizes.burst_runs):
                current = coordinator.data.extension if coordinator.data else ""
                texts, real_changes, last = burst_texts(
                    index, sizes, f"x{run}-", current
                )
                await asyncio.sleep(0.2)
                updates, watch.changes = 0, 0
                session = session_of(sim, user_name(index))
                rss_before = rss_bytes()
                for text in texts:
                    session.push(text)
                del texts
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
        entry = add_entry(hass, sim, index)
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
                sim.end_session(session_id)
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


# ---- the run ------------------------------------------------------------------------------


def figure_1(sizes: Sizes, sse: tuple[list[float], int], polling: PollingRun) -> Figure:
    """Figure 1: client update latency, SSE and polling, with the ratio."""
    sse_lat, sse_lost = sse
    poll_lat = polling.latencies
    f1 = Figure(1, TITLES[1])
    s50, s95, s99 = (percentile(sse_lat, p) for p in (50, 95, 99))
    p50, p95, p99 = (percentile(poll_lat, p) for p in (50, 95, 99))
    ratio, ratio_95, ratio_99 = (
        slow / fast if fast > 0 else math.inf
        for slow, fast in ((p50, s50), (p95, s95), (p99, s99))
    )
    f1.add(
        "SSE p50 / p95 / p99",
        f"{ms(s50)} / {ms(s95)} / {ms(s99)}  (n={len(sse_lat)}, lost {sse_lost})",
        sse_p50=s50,
        sse_p95=s95,
        sse_p99=s99,
        sse_n=len(sse_lat),
        sse_lost=sse_lost,
    )
    f1.add(
        "polling 1 s p50 / p95 / p99",
        f"{ms(p50)} / {ms(p95)} / {ms(p99)}  (n={len(poll_lat)}, lost {polling.lost})",
        poll_p50=p50,
        poll_p95=p95,
        poll_p99=p99,
        poll_n=len(poll_lat),
        poll_lost=polling.lost,
    )
    f1.add(
        "ratio polling / SSE",
        f"p50 x{ratio:.0f}, p95 x{ratio_95:.0f}, p99 x{ratio_99:.0f}",
        ratio_p50=ratio,
        ratio_p95=ratio_95,
        ratio_p99=ratio_99,
    )
    f1.goal = "SSE p99 < 25 ms; polling p50 >= 40 x SSE p50"
    f1.passed = s99 < 0.025 and ratio >= 40 and sse_lost == 0 and polling.lost == 0
    f1.notes.append(
        f"SSE: {sizes.sse_changes} changes on one streaming session at random gaps "
        f"(exponential, mean {sizes.sse_gap * 1000:.0f} ms). Polling: {sizes.poll_changes} "
        f"changes spread at random moments over {sizes.poll_sessions} sessions polling in "
        f"parallel every {POLL_INTERVAL:.0f} s, in one {polling.window:.0f} s window."
    )
    return f1


def figure_2(ha_sse: tuple[list[float], int]) -> Figure:
    """Figure 2: Home Assistant state latency."""
    ha_lat, ha_lost = ha_sse
    f2 = Figure(2, TITLES[2])
    h50, h99 = percentile(ha_lat, 50), percentile(ha_lat, 99)
    f2.add(
        "p50 / p99",
        f"{ms(h50)} / {ms(h99)}  (n={len(ha_lat)}, lost {ha_lost})",
        p50=h50,
        p99=h99,
        n=len(ha_lat),
        lost=ha_lost,
    )
    f2.goal = "(no goal set)"
    f2.passed = None if ha_lost == 0 else False
    f2.notes.append("Time until the extension sensor's state_changed event.")
    return f2


def figure_3(polling: PollingRun) -> Figure:
    """Figure 3: idle requests per minute and session."""
    minutes = polling.window / 60
    idle = {
        mode: statistics.mean(counts) / minutes if counts else math.nan
        for mode, counts in polling.idle_requests.items()
    }
    f3 = Figure(3, TITLES[3])
    f3.add(
        "SSE / polling 1 s",
        f"{idle[RetrievalMode.SSE]:.2f} / {idle[RetrievalMode.POLL]:.1f}",
        sse_per_min=idle[RetrievalMode.SSE],
        poll_per_min=idle[RetrievalMode.POLL],
        window_seconds=polling.window,
        sessions_per_mode=IDLE_SESSIONS,
        sse_counts=polling.idle_requests[RetrievalMode.SSE],
        poll_counts=polling.idle_requests[RetrievalMode.POLL],
    )
    f3.goal = "SSE < 2 requests/min"
    f3.passed = idle[RetrievalMode.SSE] < 2
    f3.notes.append(
        f"{IDLE_SESSIONS} idle sessions per mode over the {polling.window:.0f} s window of "
        "figure 1's polling run; simulator's default SSE ping interval (15 s)."
    )
    return f3


def figure_4(sizes: Sizes, burst: dict[str, Any]) -> Figure:
    """Figure 4: the burst through the coordinator (median of the runs)."""
    runs: list[dict[str, Any]] = burst["runs"]
    f4 = Figure(4, TITLES[4].format(burst["messages"]))
    rate = statistics.median(run["rate"] for run in runs)
    cpu_rate = statistics.median(run["cpu_rate"] for run in runs)
    drain = statistics.median(run["drain_seconds"] for run in runs)
    f4.add(
        f"drain and apply, median of {len(runs)}",
        f"{drain:.3f} s, {rate:,.0f} messages/s "
        f"(runs: {', '.join(f'{run["rate"]:,.0f}' for run in runs)})",
        drain_seconds=drain,
        rate=rate,
    )
    f4.add(
        "same, per CPU second of the process",
        f"{cpu_rate:,.0f} messages/s (less sensitive to other load on the machine)",
        cpu_rate=cpu_rate,
    )
    writes = [run["state_changes"] for run in runs]
    updates = [run["coordinator_updates"] for run in runs]
    real = [run["real_changes"] for run in runs]
    f4.add(
        "HA state writes / coordinator updates / real changes",
        f"{' '.join(map(str, writes))} / {' '.join(map(str, updates))} / "
        f"{' '.join(map(str, real))}  (per run)",
        runs=runs,
    )
    f4.goal = ">= 50,000 messages/s; state writes = real changes"
    f4.passed = rate >= 50_000 and writes == real and updates == real
    f4.notes.append(
        f"Through the coordinator (SSE), {len(runs)} run(s). One message in "
        f"{sizes.burst_change_every} changes the extension; the rest repeat the station or "
        "rotate the SIP password. Timed from the queue being full to the last change shown; "
        "the simulator's encoding and writing run in the same loop and are included."
    )
    return f4


def figure_5(memory: dict[str, Any]) -> Figure:
    """Figure 5: memory growth of the client."""
    f5 = Figure(5, TITLES[5].format(memory["messages"]))
    growth_mb = memory["rss_growth"] / 2**20
    f5.add(
        "RSS growth",
        f"{growth_mb:+.2f} MB ({memory['rss_before'] / 2**20:.1f} -> "
        f"{memory['rss_after'] / 2**20:.1f} MB)",
        rss_growth_bytes=memory["rss_growth"],
        seconds=memory["seconds"],
        rss_before=memory["rss_before"],
        rss_after=memory["rss_after"],
    )
    f5.add(
        "tracemalloc growth",
        f"{memory['traced_growth'] / 1024:+.1f} kB over {memory['traced_messages']:,} more messages",
        traced_growth_bytes=memory["traced_growth"],
        traced_messages=memory["traced_messages"],
    )
    f5.goal = "< 2 MB growth"
    f5.passed = memory["rss_growth"] < 2 * 2**20
    f5.notes.append(
        "Whole-process VmRSS after a warm-up, with the simulator in the same process; every "
        "message carries a new extension."
    )
    return f5


def figure_6(recovery: dict[str, Any]) -> Figure:
    """Figure 6: recovery after the server ended the session."""
    totals = recovery["totals"]
    f6 = Figure(6, TITLES[6])
    r50 = statistics.median(totals)
    f6.add(
        "p50 (min / max)",
        f"{r50:.3f} s ({min(totals):.3f} / {max(totals):.3f} s, n={len(totals)})",
        p50=r50,
        min=min(totals),
        max=max(totals),
        n=len(totals),
        unavailable_p50=statistics.median(recovery["downs"]),
    )
    f6.goal = "< 3 s p50, default backoff"
    f6.passed = r50 < 3.0
    f6.notes.append(
        "BACKOFF_MIN not patched: the first retry waits 0.5 to 1 s (jitter)."
    )
    return f6


def figure_7(setup: dict[str, Any]) -> Figure:
    """Figure 7: config entry setup."""
    warm = setup["warm"]
    f7 = Figure(7, TITLES[7])
    w50 = statistics.median(warm)
    f7.add(
        "first (cold) / p50 of later / max",
        f"{ms(setup['cold'])} / {ms(w50)} / {ms(max(warm))}  (n={len(warm)})",
        cold=setup["cold"],
        warm_p50=w50,
        warm_max=max(warm),
        n=len(warm),
    )
    f7.goal = "< 200 ms"
    f7.passed = setup["cold"] < 0.2 and max(warm) < 0.2
    f7.notes.append(
        "hass.config_entries.async_setup: login, station, subscription, first message, "
        "platforms. The first one also loads the integration."
    )
    return f7


def render(figures: list[Figure], meta: dict[str, Any]) -> str:
    """Return the table as text."""
    label_width = max(len(label) for f in figures for label, _ in f.lines)
    lines = [
        (
            f"ICWS station bench -- {meta['started']}  Python {meta['python']}, "
            f"Home Assistant {meta['home_assistant']}, {meta['cpus']} CPUs, "
            f"load {meta['load_before']}"
        ),
    ]
    if meta["quick"]:
        lines.append("QUICK RUN: counts reduced; these are not the official figures.")
    rule = "-" * 100
    lines.append(rule)
    for figure in figures:
        verdict = {True: "PASS", False: "FAIL", None: "info"}[figure.passed]
        lines.append(
            f"{figure.number}. {figure.title}   [{verdict}] goal: {figure.goal}"
        )
        lines.extend(
            f"   {label:<{label_width}}  {text}" for label, text in figure.lines
        )
        lines.extend(f"   ({note})" for note in figure.notes)
    lines.append(rule)
    failed = [str(f.number) for f in figures if f.passed is False]
    lines.append(
        f"{len(figures) - len(failed)}/{len(figures)} without a missed goal"
        + (f"; missed: {', '.join(failed)}" if failed else "")
        + f"; took {meta['seconds']:.0f} s"
    )
    return "\n".join(lines)


async def phase[T](
    label: str, work: Coroutine[Any, Any, T], errors: dict[str, str]
) -> T | None:
    """Run one phase, bounded in time; a phase that fails is reported, the others run."""
    step(label)
    try:
        async with asyncio.timeout(PHASE_LIMIT):
            return await work
    except Exception as err:  # noqa: BLE001 - shown in the table as a failed figure
        errors[label] = f"{type(err).__name__}: {err}"
        step(f"{label} failed: {errors[label]}")
        return None


def broken(number: int, sizes: Sizes, errors: dict[str, str]) -> Figure:
    """Return a failed figure for measurements that could not be made."""
    counts = {4: sizes.burst_messages, 5: sizes.memory_messages}
    figure = Figure(number, TITLES[number].format(counts.get(number, 0)))
    figure.passed = False
    figure.goal = "(not measured)"
    figure.add("error", "; ".join(f"{k}: {v}" for k, v in errors.items()) or "?")
    return figure


async def run(sizes: Sizes, seed: int) -> list[Figure]:
    """Measure every figure, one after the other."""
    rng = random.Random(seed)  # noqa: S311 - random gaps, not secrets
    errors: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        sse = await phase(
            "1. SSE latency", client_latency_sse(http, sizes, rng), errors
        )
        polling = await phase(
            f"1+3. polling latency and idle load ({sizes.poll_window:.0f} s window)",
            polling_window(http, sizes, rng),
            errors,
        )
        memory = await phase("5. client memory", client_memory(http, sizes), errors)
    async with home_assistant() as hass:
        setup = await phase("7. config entry setup", ha_setup(hass, sizes), errors)
        ha_sse = await phase(
            "2. Home Assistant state latency", ha_latency(hass, sizes, rng), errors
        )
        burst = await phase("4. burst", ha_burst(hass, sizes), errors)
        recovery = await phase("6. recovery", ha_recovery(hass, sizes), errors)

    def failed(number: int) -> Figure:
        mine = {k: v for k, v in errors.items() if str(number) in k.split(".")[0]}
        return broken(number, sizes, mine)

    return [
        figure_1(sizes, sse, polling) if sse and polling else failed(1),
        figure_2(ha_sse) if ha_sse else failed(2),
        figure_3(polling) if polling else failed(3),
        figure_4(sizes, burst) if burst else failed(4),
        figure_5(memory) if memory else failed(5),
        figure_6(recovery) if recovery else failed(6),
        figure_7(setup) if setup else failed(7),
    ]


def step(text: str) -> None:
    """Say what is being measured (stderr, so the table stays clean)."""
    print(f"bench: {text}", file=sys.stderr, flush=True)


async def main_async(sizes: Sizes, seed: int, errors: list[str]) -> list[Figure]:
    """Run with Home Assistant's loop settings, recording errors the loop reports."""
    loop = asyncio.get_running_loop()
    runner.configure_event_loop(loop)

    def record(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(str(context.get("exception") or context.get("message")))

    loop.set_exception_handler(record)
    async with asyncio.timeout(RUN_LIMIT):
        return await run(sizes, seed)


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 0 when it ran (1 with ``--strict`` if a goal was missed)."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results file"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller counts: a smoke run (~20 s), not the official figures",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the random gaps")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a goal is missed"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    sizes = QUICK if args.quick else Sizes()
    meta: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "home_assistant": ha_version,
        "cpus": os.cpu_count(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "quick": args.quick,
        "seed": args.seed,
        "units": "seconds and bytes unless a name says otherwise",
    }
    errors: list[str] = []
    begin = time.perf_counter()
    figures = asyncio.run(main_async(sizes, args.seed, errors))
    meta["seconds"] = time.perf_counter() - begin
    meta["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta["loop_errors"] = errors
    print(render(figures, meta))
    if errors:
        print(
            f"bench: the event loop reported {len(errors)} error(s):",
            *errors[:5],
            sep="\n  ",
        )
    results = {
        "meta": meta,
        "sizes": sizes.__dict__,
        "figures": [figure.as_json() for figure in figures],
        "all_goals_met": all(f.passed is not False for f in figures),
    }
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"bench: results written to {args.output}")
    missed = any(f.passed is False for f in figures)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
