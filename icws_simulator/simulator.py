"""The simulator object tests hold: server lifecycle on top of the simulated state.

Starting, stopping and restarting (a server that goes away and comes back on the same port,
forgetting every session, or keeping them when asked) are here, and so is a server nobody
can connect to while its sessions live on (:meth:`IcwsSimulator.set_unreachable`); what the
server knows and does is in ``state.py``. A network outage in front of a running server,
through which its sessions live on, is ``set_outage`` in ``state.py``.
"""

import asyncio
from collections.abc import Iterable, Mapping
import ssl
from types import TracebackType
from typing import Self

from aiohttp import web

from .app import UNANSWERED_LOGINS, build_app
from .state import SimulatorState
from .station_data import SimulatedStation

# Bound on how long stopping waits for answers in progress; event streams are closed first
# and delays end early, so this is only reached by a stuck client.
_SHUTDOWN_TIMEOUT = 2.0


class IcwsSimulator(SimulatorState):
    """An ICWS server on a local port, with control methods for tests.

    ``port=0`` picks a free port (read :attr:`port` or :attr:`url` after :meth:`start`).
    ``messaging_version`` < 2 leaves clients only short polling; ``connection_version`` gates
    station fields (13: media types 8 and 9, 15: managedIPPhone and
    emergencyResponderLocationID). ``alternate_hosts`` is the ``alternateHostList`` of a
    successful login. ``ssl_context`` serves https. ``session_idle_timeout`` (seconds, None:
    never) ends sessions that make no request and hold no event stream that long. See
    :class:`SimulatorState` for the parts tests act through (``sessions``, ``stations``,
    ``traffic``, ``calls``, ``status``, ...) and the attributes they may change at any
    time. ``status_version`` 0 makes a server without the status feature;
    ``activations_version`` and ``statistics_version`` 0 one without workgroup activation
    or statistics.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: Mapping[str, str] | None = None,
        display_names: Mapping[str, str] | None = None,
        stations: Iterable[SimulatedStation] | None = None,
        messaging_version: int = 2,
        connection_version: int = 15,
        server_name: str = "CIC01",
        alternate_hosts: Iterable[str] = (),
        sse_ping_interval: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
        end_session_grace: float = 5.0,
        sse_retry_ms: int | None = 5000,
        session_idle_timeout: float | None = None,
        status_version: int = 1,
        activations_version: int = 1,
        statistics_version: int = 1,
    ) -> None:
        """Configure the server; nothing listens until :meth:`start`."""
        super().__init__(
            users=users,
            display_names=display_names,
            stations=stations,
            messaging_version=messaging_version,
            connection_version=connection_version,
            server_name=server_name,
            alternate_hosts=alternate_hosts,
            sse_ping_interval=sse_ping_interval,
            end_session_grace=end_session_grace,
            sse_retry_ms=sse_retry_ms,
            session_idle_timeout=session_idle_timeout,
            status_version=status_version,
            activations_version=activations_version,
            statistics_version=statistics_version,
        )
        self.host = host
        self.ssl_context = ssl_context
        self._port = port
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """Return the port (the chosen one once started with ``port=0``)."""
        return self._port

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:8018``."""
        scheme = "https" if self.ssl_context is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self._port}"

    @property
    def running(self) -> bool:
        """Return whether the server listens."""
        return self._runner is not None

    async def start(self) -> None:
        """Listen on the configured port."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        runner = web.AppRunner(
            build_app(self),
            handler_cancellation=True,  # a client that goes away ends its event stream
            access_log=None,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            await self._listen(runner)
        except BaseException:
            await runner.cleanup()
            raise
        self.stopping.clear()
        self._unreachable = False
        self._runner = runner

    async def _listen(self, runner: web.AppRunner) -> None:
        """Take connections on the port (the first free one with ``port=0``)."""
        if (server := runner.server) is None:
            raise RuntimeError("the runner is not set up")
        listener = await asyncio.get_running_loop().create_server(
            server, self.host, self._port, ssl=self.ssl_context
        )
        self._port = listener.sockets[0].getsockname()[1]
        self._listener = listener

    async def _stop_listening(self) -> None:
        """Take no more connections; the ones accepted a moment ago are served first.

        asyncio hands an accepted connection to its listener one loop step later, and a
        listener closed in between fails an assertion inside asyncio: so the socket is no
        longer watched first, and closed a step later.
        """
        listener, self._listener = self._listener, None
        if listener is None:
            return
        loop = asyncio.get_running_loop()
        for sock in listener.sockets:
            loop.remove_reader(sock.fileno())
        await asyncio.sleep(0)
        listener.close()

    async def set_unreachable(self, unreachable: bool) -> None:
        """Refuse every connection (True) while the sessions live on, or listen again.

        What a client sees when the network cannot reach the server: its connections are
        refused before a request is sent, and the open ones (event streams, connections
        kept alive) are reset. The sessions and their queued messages live on, as in
        :meth:`set_outage`, and the port is kept. In-process only: the HTTP control
        interface listens on the same port.
        """
        runner = self._runner
        if runner is None:
            raise RuntimeError("the simulator is not running")
        if unreachable == self._unreachable:
            return
        self._unreachable = unreachable
        if not unreachable:
            await self._listen(runner)
            self.pulse()
            return
        await self._stop_listening()
        if runner.server is not None:
            for connection in runner.server.connections:
                if connection.transport is not None:
                    connection.transport.abort()
        self.pulse()

    async def stop(self, *, keep_sessions: bool = False) -> None:
        """Stop listening: close event streams, forget sessions, free the port.

        ``keep_sessions``: the sessions live on, with their stations, subscriptions and
        queued messages, and answer again once the server listens again (a front end
        restarting before a server that keeps its sessions). Their streams end cleanly.
        Logins the server has not processed yet are dropped either way.
        """
        runner = self._runner
        if runner is None:
            return
        self._runner = None
        self.stopping.set()
        self.pulse()
        if keep_sessions:
            self.sessions.close_streams()
        else:
            self.sessions.forget_all()
            self.calls.stop()
        await self._stop_listening()
        await runner.cleanup()
        await asyncio.gather(*runner.app[UNANSWERED_LOGINS], return_exceptions=True)

    async def restart(self, *, keep_sessions: bool = False) -> None:
        """Stop, then start on the same port; clients' sessions then answer 401.

        ``keep_sessions``: they answer as before (see :meth:`stop`).
        """
        await self.stop(keep_sessions=keep_sessions)
        await self.start()

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()
