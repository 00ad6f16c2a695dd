"""The server-sent events stream of one session (``messaging`` >= 2).

Writes each queued message as one event, and can misbehave on purpose (split events into
small writes, cut an event in half and drop the connection) to exercise clients' parsers.
"""

import asyncio
from collections.abc import Callable
import re
from typing import Final

from aiohttp import web
from aiohttp_sse import EventSourceResponse

from .sessions import Outgoing, SimSession

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


class EventStream:
    """One open event stream of a session; the HTTP handler awaits :meth:`run`.

    Closing it (:meth:`close`) ends the response cleanly; ``drop_next`` makes the next event
    go out half-written before the connection is aborted.
    """

    def __init__(
        self,
        session: SimSession,
        request: web.Request,
        response: EventSourceResponse,
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

    async def run(
        self,
        *,
        retry_ms: int | None,
        chunk_size: Callable[[], int | None],
        on_session_end: Callable[[SimSession], None],
    ) -> None:
        """Write events until closed, the connection breaks, or the session ends."""
        self.session.add_listener(self._wake)
        try:
            if retry_ms is not None:
                sep = self.separator
                await self.response.write(f"retry: {retry_ms}{sep}{sep}".encode())
            while not self._closed:
                items = self.session.take_all()
                if not items:
                    await self._wake.wait()
                    self._wake.clear()
                    continue
                if not await self._deliver(items, chunk_size, on_session_end):
                    return
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
            except ConnectionError:
                self.session.put_back(items[start:])
                return False
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
