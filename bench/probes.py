"""Client probes: client sessions that record when changes arrive, and changes to time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
import contextlib
import random
import time
from typing import Any, Protocol

import aiohttp
from yarl import URL

from bench.progress import step
from bench.settings import ARRIVAL_LIMIT, POLL_INTERVAL
from bench.simulator import PASSWORD, station_name, user_name
from custom_components.icws_station.const import APPLICATION_NAME
from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsError,
    Message,
    RetrievalMode,
    Station,
    StationMessage,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator


class Target(Protocol):
    """A reader of one bench user's station changes: a probe or the bare floor reader."""

    @property
    def index(self) -> int:
        """The bench user's number."""

    @property
    def station_id(self) -> str:
        """The user's station."""

    @property
    def arrivals(self) -> Mapping[str, float]:
        """When each extension value first arrived."""

    async def wait_arrivals(self, extensions: Iterable[str]) -> None:
        """Wait until every one of ``extensions`` has arrived."""


class Probe:
    """One client session on its own station, reading messages in a task.

    Records when each extension value first arrives (``arrivals``) unless ``record`` is
    False (the memory figure, which must keep nothing per message).
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        url: str,
        index: int,
        mode: RetrievalMode,
        *,
        record: bool = True,
        **options: Any,
    ) -> None:
        """Prepare a client of the server at ``url`` for bench user ``index``.

        Nothing is sent yet; ``options`` go to the client.
        """
        self.index = index
        self.user = user_name(index)
        self.station_id = station_name(index)
        self.mode = mode
        self.client = IcwsClient(
            http,
            URL(url),
            self.user,
            PASSWORD,
            application_name=APPLICATION_NAME,
            **options,
        )
        self.station: Station | None = None
        self.count = 0
        self.arrivals: dict[str, float] = {}
        self.full_messages: list[float] = []  # when each full (not delta) message came
        self.ended: BaseException | None = None
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
            self.ended = err
            self._arrived.set()
            step(f"{self.user}: the message stream ended: {err!r}")

    async def _consume(self, messages: AsyncIterator[Message]) -> None:
        perf_counter = time.perf_counter
        async for message in messages:
            if not isinstance(message, StationMessage):
                continue
            station = message.apply(self.station)
            self.station = station
            self.count += 1
            if not message.is_delta:
                self.full_messages.append(perf_counter())
                self._arrived.set()
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

    async def wait_full_message(self, after: float) -> float:
        """Wait for a full message that came after ``after``; return when it came.

        Bound it from outside; raises if the message stream ended instead.
        """
        while True:
            later = [at for at in self.full_messages if at > after]
            if later:
                return later[0]
            if self.ended is not None:
                raise RuntimeError(f"{self.user}: the stream ended: {self.ended!r}")
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
    url: str,
    specs: Iterable[tuple[int, RetrievalMode]],
    *,
    record: bool = True,
    **options: Any,
) -> AsyncIterator[list[Probe]]:
    """Start a probe for each (user index, mode); stop them all after the block."""
    started: list[Probe] = []
    try:
        for index, mode in specs:
            probe = Probe(http, url, index, mode, record=record, **options)
            started.append(probe)
            await probe.start()
        yield started
    finally:
        for probe in started:
            await probe.stop()


async def random_changes(
    sim: IcwsSimulator,
    targets: Sequence[Target],
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
        sim.stations.change(probe.station_id, extension=extension)
        await asyncio.sleep(min(rng.expovariate(1 / mean_gap), 20 * mean_gap))
    return sent


async def latencies(
    sent: dict[tuple[int, str], float], targets: Sequence[Target]
) -> tuple[dict[int, list[float]], int]:
    """Wait (bounded) for every change to arrive.

    Returns the latencies by user index, and how many changes got lost.
    """
    by_index = {probe.index: probe for probe in targets}
    expected: dict[int, list[str]] = {}
    for index, extension in sent:
        expected.setdefault(index, []).append(extension)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(ARRIVAL_LIMIT):
            await asyncio.gather(
                *(by_index[i].wait_arrivals(exts) for i, exts in expected.items())
            )
    found: dict[int, list[float]] = {index: [] for index in by_index}
    lost = 0
    for (index, extension), at in sent.items():
        if extension in by_index[index].arrivals:
            found[index].append(by_index[index].arrivals[extension] - at)
        else:
            lost += 1
    return found, lost
