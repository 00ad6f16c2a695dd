"""Session state and the per-session message queue.

A session owns the messages waiting for it. Both ways of reading them (short polling and the
event stream) take from the same queue, so a message is delivered once whichever way it goes.
"""

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .station_data import SimulatedStation


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One queued message: its exact text and whether delivering it ends the session."""

    text: str
    ends_session: bool = False


@dataclass(eq=False, kw_only=True)
class SimSession:
    """What the simulator remembers about one logged-in session.

    ``station`` is the session's station connection (None: no station); ``ending`` is set
    once a "connection down" message is queued (with ``end_reason`` and
    ``end_should_reconnect``), ``ended`` once the session is gone. ``reason`` is what
    ``GET /connection`` says while the session is up (e.g. why its station went).
    ``subscriptions`` holds each subscription of the session by a name its module picks
    (e.g. ``"status/user-statuses"``), with whatever that subscription needs to remember;
    the station subscription is ``subscribed``. ``last_request`` (event loop time) feeds the
    idle timeout. ``login_abandoned``: the client went away before the login's answer, so
    nobody holds the session's credentials; it lives until the server ends it.
    ``logged_out``: the session ended because its client logged it out.
    """

    session_id: str
    user_id: str
    csrf_token: str
    cookie_value: str
    language: str
    station: SimulatedStation | None = None
    station_connection_mode: int = 0
    subscribed: bool = False
    subscriptions: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    ending: bool = False
    end_reason: str = ""
    end_should_reconnect: bool = True
    ended: bool = False
    last_request: float = 0.0
    login_abandoned: bool = False
    logged_out: bool = False
    _queue: deque[Outgoing] = field(default_factory=deque, repr=False)
    _listeners: set[asyncio.Event] = field(default_factory=set, repr=False)
    _expiry: asyncio.TimerHandle | None = field(default=None, repr=False)
    _idle: asyncio.TimerHandle | None = field(default=None, repr=False)

    @property
    def cookie_name(self) -> str:
        """Return the name of the session cookie (``icws_<sessionId>``)."""
        return f"icws_{self.session_id}"

    @property
    def pending(self) -> int:
        """Return how many messages wait to be read."""
        return len(self._queue)

    def push(self, text: str, *, ends_session: bool = False) -> None:
        """Queue a message and wake whoever streams this session."""
        self._queue.append(Outgoing(text, ends_session))
        for listener in self._listeners:
            listener.set()

    def take_all(self) -> list[Outgoing]:
        """Drain the queue, up to and including a message that ends the session."""
        taken: list[Outgoing] = []
        while self._queue:
            item = self._queue.popleft()
            taken.append(item)
            if item.ends_session:
                self._queue.clear()
                break
        return taken

    def put_back(self, items: Iterable[Outgoing]) -> None:
        """Return undelivered messages to the front of the queue, in order."""
        self._queue.extendleft(reversed(list(items)))

    def add_listener(self, event: asyncio.Event) -> None:
        """Have ``event`` set whenever a message is queued."""
        self._listeners.add(event)
        if self._queue:
            event.set()

    def remove_listener(self, event: asyncio.Event) -> None:
        """Stop waking ``event``."""
        self._listeners.discard(event)

    def schedule_expiry(self, handle: asyncio.TimerHandle) -> None:
        """Remember the timer that forgets this session if nobody reads its last message."""
        self.cancel_expiry()
        self._expiry = handle

    def cancel_expiry(self) -> None:
        """Cancel the pending expiry timer, if any."""
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    @property
    def idle_check_pending(self) -> bool:
        """Return whether a timer will check this session for idleness."""
        return self._idle is not None

    def schedule_idle_check(self, handle: asyncio.TimerHandle | None) -> None:
        """Remember the timer that checks whether the session went idle (None: none)."""
        if self._idle is not None:
            self._idle.cancel()
        self._idle = handle
