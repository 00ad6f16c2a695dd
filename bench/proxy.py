"""A TCP proxy in front of the simulator that can make event streams fall silent.

A silent loss is a connection that stays open while nothing more comes through it (a NAT or
firewall that forgot the flow, a server stuck in the middle): no close, no reset, no ping.
:meth:`SilencingProxy.silence` does that to every event stream open at that moment, while
new connections (the client's session check, its new stream) pass as before. The proxy
notes when each request starts, by the time it saw its first line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import time

_METHODS = (b"GET ", b"PUT ", b"POST ", b"DELETE ", b"HEAD ", b"PATCH ")
_READ = 1 << 16


class _Connection:
    def __init__(self) -> None:
        self.stream = False
        self.silenced = False


class SilencingProxy:
    """Forwards 127.0.0.1:<port> to the target port."""

    def __init__(self, target_port: int) -> None:
        """Prepare; :meth:`start` listens."""
        self.target_port = target_port
        self.requests: list[tuple[float, str]] = []  # (when, "METHOD path")
        self._connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """Where clients connect."""
        if self._server is None:
            raise RuntimeError("the proxy is not listening")
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def silence(self) -> int:
        """Make every open event stream silent; return how many there were."""
        streams = [c for c in self._connections if c.stream and not c.silenced]
        for connection in streams:
            connection.silenced = True
        return len(streams)

    def requests_of(self, session_id: str, since: float = 0.0) -> list[float]:
        """When the requests of a session (by the id in their path) started."""
        marker = f"/icws/{session_id}/"
        return [at for at, line in self.requests if at > since and marker in line]

    async def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        connection = _Connection()
        self._connections.add(connection)
        try:
            up_reader, up_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
            try:
                await asyncio.gather(
                    self._upstream(reader, up_writer, connection),
                    self._downstream(up_reader, writer, connection),
                )
            finally:
                up_writer.close()
        except ConnectionError, OSError:
            pass
        finally:
            writer.close()
            self._connections.discard(connection)
            if task is not None:
                self._tasks.discard(task)

    async def _upstream(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection: _Connection,
    ) -> None:
        while data := await reader.read(_READ):
            if data.startswith(_METHODS):
                line = data.split(b"\r\n", 1)[0].decode(errors="replace")
                self.requests.append((time.perf_counter(), line.rsplit(" ", 1)[0]))
                if "/messaging/messages" in line and b"text/event-stream" in data:
                    connection.stream = True
            writer.write(data)
            await writer.drain()
        writer.close()

    async def _downstream(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection: _Connection,
    ) -> None:
        while data := await reader.read(_READ):
            if connection.silenced:
                continue  # read and dropped: the server is not held up
            writer.write(data)
            await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def silencing_proxy(target_port: int) -> AsyncIterator[SilencingProxy]:
    """A started proxy for the block."""
    proxy = SilencingProxy(target_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()
