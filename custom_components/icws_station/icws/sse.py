"""Incremental decoder for ``text/event-stream``.

Written by hand because the aiohttp SSE client libraries are unmaintained (no release since
2021 and 2023) and own the reconnect policy, which this client must control: ICWS needs the
stream reopened once, a resubscription after a gap, and a session check on silence. The
decoder only turns bytes into event data; the client decides everything else.
"""

from __future__ import annotations

from typing import Final

DEFAULT_MAX_EVENT_BYTES: Final = 1 << 20


class SseDecoder:
    """Turn chunks of an event stream into the ``data`` of complete events.

    Follows the WHATWG rules the ICWS server relies on: lines end with CR, LF or CRLF (also
    when split across chunks), ``:`` starts a comment (keep-alive), a blank line ends an
    event, ``retry:`` sets the reconnection delay. ``events`` and ``comments`` count what
    came, so the client can tell a stream that carried keep-alives from a quiet one. An event larger than ``max_event_bytes``
    is dropped so that a hostile stream cannot exhaust memory.
    """

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        """Start with nothing buffered."""
        self._max_event_bytes = max_event_bytes
        self._pending = b""
        self._data: list[str] = []
        self._size = 0
        self._oversized = False
        self.retry: float | None = None
        self.events = 0
        self.comments = 0
        self.dropped_events = 0

    def feed(self, chunk: bytes) -> list[str]:
        """Add bytes; return the data of every event they complete."""
        buffer = self._pending + chunk
        lines = buffer.splitlines(keepends=True)
        self._pending = b""
        if lines and (
            not lines[-1].endswith((b"\n", b"\r")) or lines[-1].endswith(b"\r")
        ):
            # An unterminated line, or a CR whose LF may be in the next chunk.
            self._pending = lines.pop()
            if len(self._pending) > self._max_event_bytes:
                self._pending = b""
                self._oversized = True
        events: list[str] = []
        for line in lines:
            event = self._line(line.rstrip(b"\r\n"))
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: bytes) -> str | None:
        if not line:
            return self._dispatch()
        if line.startswith(b":"):
            self.comments += 1
            return None
        name, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if name == b"data":
            self._size += len(value) + 1
            if self._size > self._max_event_bytes:
                self._oversized = True
                self._data.clear()
            elif not self._oversized:
                self._data.append(value.decode("utf-8", "replace"))
        elif name == b"retry" and value.isdigit():
            self.retry = int(value) / 1000
        return None

    def _dispatch(self) -> str | None:
        data, oversized = self._data, self._oversized
        self._data, self._size, self._oversized = [], 0, False
        if oversized:
            self.dropped_events += 1
            return None
        if not data:
            return None
        self.events += 1
        return "\n".join(data)
