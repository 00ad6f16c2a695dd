"""The loopback floor: a bare reader of a session's event stream, with no client library.

It logs in, connects its station and subscribes with plain requests, then reads the event
stream and only looks for the new extension's text in each event: no SSE decoder, no JSON,
no models. What is left of a change's latency is the simulator, aiohttp and the loop; the
client's figure is judged against this floor, measured beside it in the same run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
import contextlib
import re
import time

import aiohttp

from bench.settings import ARRIVAL_LIMIT
from bench.simulator import PASSWORD, station_name, user_name

_EXTENSION = re.compile(rb'"extension":\s*"([^"]*)"')


class BareReader:
    """One session of bench user ``index`` read without the client library."""

    def __init__(self, http: aiohttp.ClientSession, url: str, index: int) -> None:
        """Prepare; nothing is sent yet."""
        self.index = index
        self.station_id = station_name(index)
        self.arrivals: dict[str, float] = {}
        self._http = http
        self._url = url
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._base = ""
        self._headers: dict[str, str] = {}

    async def start(self) -> None:
        """Log in, connect the station, subscribe, open the stream and start reading."""
        async with self._http.post(
            f"{self._url}/icws/connection",
            json={
                "__type": "urn:inin.com:connection:icAuthConnectionRequestSettings",
                "applicationName": "ICWS station bench floor",
                "userID": user_name(self.index),
                "password": PASSWORD,
            },
            headers={"Accept-Language": "en-US"},
        ) as response:
            response.raise_for_status()
            body = await response.json()
            cookie = response.cookies
        session_id = body["sessionId"]
        (morsel,) = cookie.values()
        self._base = f"{self._url}/icws/{session_id}"
        self._headers = {
            "ININ-ICWS-CSRF-Token": body["csrfToken"],
            "Cookie": f"{morsel.key}={morsel.value}",
        }
        for path, payload in (
            (
                "connection/station",
                {
                    "__type": "urn:inin.com:connection:workstationSettings",
                    "workstation": self.station_id,
                },
            ),
            ("messaging/subscriptions/connection/station", None),
        ):
            async with self._http.put(
                f"{self._base}/{path}", json=payload, headers=self._headers
            ) as response:
                response.raise_for_status()
        response = await self._http.get(
            f"{self._base}/messaging/messages",
            headers={"Accept": "text/event-stream", "Cookie": self._headers["Cookie"]},
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        )
        response.raise_for_status()
        self._task = asyncio.create_task(self._read(response))

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        perf_counter = time.perf_counter
        tail = b""  # a match may straddle two reads
        async with response:
            async for chunk in response.content.iter_any():
                now = perf_counter()
                for match in _EXTENSION.finditer(tail + chunk):
                    self.arrivals.setdefault(match.group(1).decode(), now)
                tail = chunk[-64:]
                self._arrived.set()

    async def wait_arrivals(self, extensions: Iterable[str]) -> None:
        """Wait until every one of ``extensions`` has arrived (bound it from outside)."""
        missing = set(extensions)
        while missing := missing - self.arrivals.keys():
            self._arrived.clear()
            await self._arrived.wait()

    async def stop(self) -> None:
        """Stop reading and log out."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with asyncio.timeout(ARRIVAL_LIMIT):
                async with self._http.delete(
                    f"{self._base}/connection", headers=self._headers
                ):
                    pass


@contextlib.asynccontextmanager
async def bare_reader(
    http: aiohttp.ClientSession, url: str, index: int
) -> AsyncIterator[BareReader]:
    """A started :class:`BareReader`, stopped after the block."""
    reader = BareReader(http, url, index)
    try:
        await reader.start()
        yield reader
    finally:
        await reader.stop()
