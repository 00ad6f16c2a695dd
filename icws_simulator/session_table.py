"""The sessions the simulated server holds: their lifetime, event streams and messages.

A session lives from its login until its client logs out, the server ends it (with a
"connection down" message, or silently) or it goes idle; the server stopping forgets them
all. Every part of the API fans its messages out through :meth:`SessionTable.publish` to the
sessions holding a subscription (``SimSession.subscriptions``), and hears of new and
forgotten sessions through ``on_start`` and ``on_end``. No HTTP here.
"""

import asyncio
import base64
from collections.abc import Callable, Iterable, Iterator, Mapping
import secrets
from typing import Any, Final, Protocol
import uuid

from . import protocol
from .sessions import SimSession
from .sse import EventStream

DEFAULT_END_REASON: Final = "The session was ended by the server."


class SessionHost(Protocol):
    """What the session table needs from the simulator state."""

    def directory_user(self, user_id: str) -> str | None:
        """Return the directory's spelling of a user id (None: no such user)."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


class SessionTable(Mapping[str, SimSession]):
    """The live sessions by id, and the rules of their lifetime.

    A session counts until the server forgets it: while an outage hides it from its
    client, and while its "connection down" message waits to be read. ``end_grace`` is how
    long such a message waits before the session is forgotten anyway; ``idle_timeout`` (see
    there) may be changed at any time. ``on_start`` and ``on_end`` callbacks hear of each
    session created and forgotten.
    """

    def __init__(
        self,
        host: SessionHost,
        *,
        end_grace: float = 5.0,
        idle_timeout: float | None = None,
    ) -> None:
        """Start with no session and no stream."""
        self._host = host
        self.end_grace = end_grace
        self._idle_timeout = idle_timeout
        self.on_start: list[Callable[[SimSession], None]] = []
        self.on_end: list[Callable[[SimSession], None]] = []
        self._sessions: dict[str, SimSession] = {}
        self._streams: set[EventStream] = set()

    # ---- the mapping -----------------------------------------------------------------

    def __getitem__(self, session_id: str) -> SimSession:
        """Return the live session with this id."""
        return self._sessions[session_id]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the ids of the live sessions."""
        return iter(self._sessions)

    def __len__(self) -> int:
        """Return how many sessions the server holds."""
        return len(self._sessions)

    # ---- a user's sessions -----------------------------------------------------------

    def of(self, user_id: str) -> list[SimSession]:
        """Return the sessions the server holds for a user, named in any case.

        Ending ones are included.
        """
        user = self._host.directory_user(user_id)
        return [s for s in self._sessions.values() if s.user_id == user]

    def count_of(self, user_id: str) -> int:
        """Return how many sessions the server holds for a user."""
        return len(self.of(user_id))

    def ids_of(self, user_id: str) -> list[str]:
        """Return the ids of the sessions the server holds for a user (for debugging)."""
        return [session.session_id for session in self.of(user_id)]

    def select(
        self, session_id: str | None = None, user_id: str | None = None
    ) -> list[SimSession]:
        """Return one session, a user's sessions, or (neither given) every session.

        Raises KeyError for an unknown session or user, as the control routes answer 404.
        """
        if session_id is None:
            sessions = list(self._sessions.values())
        elif session_id not in self._sessions:
            raise KeyError(session_id)
        else:
            sessions = [self._sessions[session_id]]
        if user_id is None:
            return sessions
        user = self._host.directory_user(user_id)
        if user is None:
            raise KeyError(user_id)
        return [session for session in sessions if session.user_id == user]

    # ---- logging in ------------------------------------------------------------------

    def create(
        self, user_id: str, language: str, *, login_abandoned: bool = False
    ) -> SimSession:
        """Create a session with random, long id, CSRF token and cookie value.

        Ids have 12 digits so tests can search logs for them without false hits.
        ``login_abandoned``: the login's client went away before the answer.
        """
        session_id = str(secrets.randbelow(9 * 10**11) + 10**11)
        while session_id in self._sessions:  # pragma: no cover - 1 in 10**11
            session_id = str(secrets.randbelow(9 * 10**11) + 10**11)
        session = SimSession(
            session_id=session_id,
            user_id=user_id,
            # Real tokens are base64 text with "+", "/" and "=" [seen].
            csrf_token=base64.b64encode(secrets.token_bytes(48)).decode(),
            cookie_value=f"{uuid.uuid4()}|languageId={language}",
            language=language,
            login_abandoned=login_abandoned,
        )
        self._sessions[session_id] = session
        self.touch(session)
        for callback in self.on_start:
            callback(session)
        return session

    # ---- idle sessions ---------------------------------------------------------------

    @property
    def idle_timeout(self) -> float | None:
        """Return after how many seconds without a request or an open stream a session ends.

        None: sessions never expire for idleness.
        """
        return self._idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, seconds: float | None) -> None:
        if seconds is not None and seconds <= 0:
            raise ValueError("the idle timeout must be positive (or None)")
        self._idle_timeout = seconds
        for session in self._sessions.values():
            self._arm_idle_check(session)

    def touch(self, session: SimSession) -> None:
        """Note that the session's client was heard from now (any request counts)."""
        session.last_request = asyncio.get_running_loop().time()
        if not session.idle_check_pending:
            self._arm_idle_check(session)

    def _arm_idle_check(self, session: SimSession) -> None:
        timeout = self._idle_timeout
        if timeout is None or session.ended:
            session.schedule_idle_check(None)
            return
        loop = asyncio.get_running_loop()
        due = max(0.0, session.last_request + timeout - loop.time())
        session.schedule_idle_check(loop.call_later(due, self._check_idle, session))

    def _check_idle(self, session: SimSession) -> None:
        """Forget a session nobody asked for anything for ``idle_timeout`` seconds.

        [guess] The timeout is not documented (docs/icws-protocol.md §4); an open event
        stream keeps a session alive, as does any request. It ends silently: nobody reads
        its messages any more.
        """
        session.schedule_idle_check(None)
        timeout = self._idle_timeout
        if timeout is None or session.ended:
            return
        if any(stream.session is session for stream in self._streams):
            self.touch(session)
            return
        if asyncio.get_running_loop().time() - session.last_request >= timeout:
            self.forget(session)
            return
        self._arm_idle_check(session)

    # ---- ending sessions -------------------------------------------------------------

    def end(
        self,
        session_id: str | None = None,
        *,
        user: str | None = None,
        notify: bool = True,
        reason: str = DEFAULT_END_REASON,
        should_reconnect: bool = True,
        states_as_strings: bool = False,
    ) -> None:
        """End one session, a user's sessions (``user``), or all, as an administrator would.

        With ``notify`` a connectionStateChangeMessage (1 -> 2) with ``reason`` and
        ``shouldReconnect`` is queued; until it is delivered ``GET /connection`` answers
        the same state, reason and flag; once delivered (or ``end_grace`` seconds later if
        nobody reads it) every call answers 401. Without, the session is gone at once.
        """
        for session in self.select(session_id, user):
            if not notify:
                self.forget(session)
                continue
            if session.ending:
                continue
            session.ending = True
            session.end_reason = reason
            session.end_should_reconnect = should_reconnect
            message = protocol.connection_state_message(
                previous=protocol.CONNECTION_UP,
                new=protocol.CONNECTION_DOWN,
                reason=reason,
                should_reconnect=should_reconnect,
                states_as_strings=states_as_strings,
            )
            session.push(protocol.dumps(message), ends_session=True)
            loop = asyncio.get_running_loop()
            session.schedule_expiry(
                loop.call_later(self.end_grace, self.forget, session)
            )
        self._host.pulse()

    def forget(self, session: SimSession, *, logged_out: bool = False) -> None:
        """Drop a session: its calls answer 401, its streams close, ``on_end`` hears of it.

        ``logged_out``: its client logged it out.
        """
        session.cancel_expiry()
        session.schedule_idle_check(None)
        if session.ended:
            return
        session.ended = True
        session.logged_out = logged_out
        self._sessions.pop(session.session_id, None)
        for stream in [s for s in self._streams if s.session is session]:
            stream.close()
        for callback in self.on_end:
            callback(session)
        self._host.pulse()

    def forget_all(self) -> None:
        """Drop every session and close every stream (server going down)."""
        for session in list(self._sessions.values()):
            self.forget(session)
        for stream in list(self._streams):
            stream.close()

    # ---- event streams ---------------------------------------------------------------

    @property
    def open_streams(self) -> int:
        """Return how many event streams are open."""
        return len(self._streams)

    def open_stream(self, stream: EventStream) -> None:
        """Register a new event stream.

        [guess] One stream per session: a newer stream replaces an older one of the same
        session, so a client that reconnects never races a stale stream for messages.
        """
        for old in [s for s in self._streams if s.session is stream.session]:
            old.close()
        self._streams.add(stream)
        self._host.pulse()

    def close_stream(self, stream: EventStream) -> None:
        """Unregister an event stream that ended; the idle time counts from now."""
        self._streams.discard(stream)
        if not stream.session.ended:
            self.touch(stream.session)
        self._host.pulse()

    def close_streams(self) -> None:
        """End every open event stream cleanly, as a load balancer does; sessions live on.

        Each stream ends after the event being written; its session's queued messages wait
        for the session's next reader.
        """
        for stream in list(self._streams):
            stream.close()
        self._host.pulse()

    def drop_streams(self) -> None:
        """Drop every open event stream without a word, as a failing network does."""
        for stream in list(self._streams):
            stream.drop()

    def drop_sse_mid_event(self) -> None:
        """Cut the next event of every open stream in half, then drop its connection."""
        for stream in self._streams:
            stream.drop_next = True

    # ---- messages --------------------------------------------------------------------

    def subscribers(self, name: str) -> list[SimSession]:
        """Return the live sessions holding the subscription ``name`` (see ``SimSession``)."""
        return [
            session
            for session in self._sessions.values()
            if name in session.subscriptions and not session.ending
        ]

    def publish(
        self, message: Mapping[str, Any], sessions: Iterable[SimSession]
    ) -> None:
        """Queue one message for each of ``sessions`` (e.g. ``subscribers(name)``)."""
        text = protocol.dumps(message)
        for session in sessions:
            session.push(text)
        self._host.pulse()

    def inject_raw(self, text: str) -> None:
        """Queue raw message text (valid JSON or not) for every session."""
        for session in self._sessions.values():
            session.push(text)
        self._host.pulse()

    def inject_message(self, message: Mapping[str, Any]) -> None:
        """Queue an arbitrary message object for every session."""
        self.inject_raw(protocol.dumps(message))
