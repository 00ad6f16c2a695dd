"""The server-sent events stream of one session (``messaging`` >= 2).

Writes each queued message as one event and keep-alive comments in between, and can
misbehave on purpose (split events into small writes, cut an event in half and drop the
connection, drop the connection without a word) to exercise clients.

Written on a plain streaming response rather than a server-sent events library: pings and
events must come from one writer, so a ping can never land inside an event written in
pieces, and real servers' ping (``:ping``, no space [seen]) is not what libraries send.
"""

import asyncio
from collections.abc import Callable
import re
from typing import Final

from aiohttp import web

from .sessions import Outgoing, SimSession

CONTENT_TYPE: Final = "text/event-stream"

_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
# Events queued together go out in writes of about this size (one HTTP chunk each), so a
# burst of messages costs a few writes rather than one per event.
_BATCH_BYTES: Final = 1 << 16


def encode_event(text: str, separator: str) -> bytes:
    """Encode one message as an SSE event: one ``data:`` line per line of text."""
    if "\n" not in text and "\r" not in text:
        return f"data: {text}{separator}{separator}".encode()
    lines = "".join(f"data: {line}{separator}" for line in _LINE_BREAK.split(text))
    return f"{lines}{separator}".encode()


def event_stream_response() -> web.StreamResponse:
    """Return the (unprepared) response an event stream is written on."""
    response = web.StreamResponse(
        headers={"Cache-Control": "no-cache", "Connection": "keep-alive"}
    )
    response.content_type = CONTENT_TYPE
    response.enable_chunked_encoding()
    return response


class EventStream:
    """One open event stream of a session; the HTTP handler awaits :meth:`run`.

    Closing it (:meth:`close`) ends the response cleanly; dropping it (:meth:`drop`) aborts
    the connection at once, as a failing network would; ``drop_next`` makes the next event
    go out half-written before the connection is aborted.
    """

    def __init__(
        self,
        session: SimSession,
        request: web.Request,
        response: web.StreamResponse,
        separator: str,
    ) -> None:
        """Bind the stream to its session, request and prepared response."""
        self.session = session
        self.request = request
        self.response = response
        self.separator = separator
        self.drop_next = False
        self._wake = asyncio.Event()
        self._closed = False

    def close(self) -> None:
        """Ask the stream to end after the event being written."""
        self._closed = True
        self._wake.set()

    def drop(self) -> None:
        """Abort the connection now: no down message, no end of stream."""
        self._closed = True
        self._wake.set()
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def run(
        self,
        *,
        retry_ms: int | None,
        ping_interval: Callable[[], float],
        chunk_size: Callable[[], int | None],
        on_session_end: Callable[[SimSession], None],
    ) -> None:
        """Write events until closed, the connection breaks, or the session ends.

        A ``:ping`` comment goes out every ``ping_interval()`` seconds, events or not.
        """
        self.session.add_listener(self._wake)
        loop = asyncio.get_running_loop()
        sep = self.separator
        try:
            if retry_ms is not None:
                await self.response.write(f"retry: {retry_ms}{sep}{sep}".encode())
            next_ping = loop.time() + ping_interval()
            while not self._closed:
                if loop.time() >= next_ping:
                    await self.response.write(f":ping{sep}{sep}".encode())
                    next_ping = loop.time() + ping_interval()
                    continue
                items = self.session.take_all()
                if not items:
                    try:
                        async with asyncio.timeout_at(next_ping):
                            await self._wake.wait()
                    except TimeoutError:
                        continue
                    self._wake.clear()
                    continue
                if not await self._deliver(items, chunk_size, on_session_end):
                    return
        except ConnectionError:
            return  # the client went away or the network dropped the connection
        finally:
            self.session.remove_listener(self._wake)

    async def _deliver(
        self,
        items: list[Outgoing],
        chunk_size: Callable[[], int | None],
        on_session_end: Callable[[SimSession], None],
    ) -> bool:
        """Write ``items``; return False when the stream must stop.

        Unless the stream is to split or cut events, consecutive events share a write.
        """
        start = 0
        while start < len(items):
            end, data = start + 1, encode_event(items[start].text, self.separator)
            if self.drop_next:
                # The half-written message is lost, as it would be on a real server.
                self.session.put_back(items[end:])
                await self._cut(data)
                return False
            pieces = chunk_size()
            if not pieces and end < len(items):
                batch, size = [data], len(data)
                while end < len(items) and size < _BATCH_BYTES:
                    batch.append(encode_event(items[end].text, self.separator))
                    size += len(batch[-1])
                    end += 1
                data = b"".join(batch)
            try:
                await self._write(data, pieces)
            except ConnectionError, asyncio.CancelledError:
                # Not delivered: the messages wait for the session's next reader.
                self.session.put_back(items[start:])
                raise
            # Only the last item taken can end the session (take_all stops there).
            if items[end - 1].ends_session:
                on_session_end(self.session)
                return False
            start = end
        return True

    async def _write(self, data: bytes, chunk_size: int | None) -> None:
        if not chunk_size:
            await self.response.write(data)
            return
        for start in range(0, len(data), chunk_size):
            await self.response.write(data[start : start + chunk_size])
            # Let the loop run so each piece leaves in its own send.
            await asyncio.sleep(0)

    async def _cut(self, data: bytes) -> None:
        self.drop_next = False
        await self.response.write(data[: max(1, len(data) // 2)])
        await asyncio.sleep(0)
        transport = self.request.transport
        if transport is not None:
            transport.abort()
