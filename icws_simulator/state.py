"""What the simulated server knows and the operations that change it.

Users, the station directory, sessions and their station connections, login refusal, the
network outage in front of the server, and counters for tests. Both the ICWS routes and the
control interfaces (Python and HTTP) act through this class, so a rule such as "one station
per user" lives in one place. No HTTP here.

Parts of the API kept in modules of their own (user statuses, calls) build on:
:meth:`SimulatorState.sessions_of` (a user's live sessions), ``SimSession.subscriptions``
(per-session subscription state by name), :meth:`SimulatorState.subscribers` and
:meth:`SimulatorState.publish` (fan a message out), and the ``on_session_start`` /
``on_session_end`` callback lists.
"""

import asyncio
import base64
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
import secrets
from types import MappingProxyType
from typing import Any, Final, Literal, Unpack, get_args
import uuid

from . import protocol
from .calls import CallCenter, CallControls
from .directory import UserDirectory
from .sessions import SimSession
from .sse import EventStream
from .stations import (
    CHANGEABLE_FIELDS,
    STATION_SETTING_REMOTE_WORKSTATION,
    STATION_SETTING_WORKSTATION,
    SimulatedStation,
    StationChanges,
    default_stations,
    no_station_info,
    station_delta,
    station_info,
)
from .statistics import StatisticsState
from .status import StatusState
from .status_data import Until
from .voicemail import VoicemailState
from .workgroups import WorkgroupState

DEFAULT_USERS: Mapping[str, str] = MappingProxyType({"jdoe": "secret"})
DEFAULT_DISPLAY_NAMES: Mapping[str, str] = MappingProxyType({"jdoe": "Jane Doe"})
DEFAULT_END_REASON = "The session was ended by the server."
# [guess] The wording a server uses when another logon takes the user's station is not
# recorded (docs/icws-protocol.md §6).
DEFAULT_TAKE_REASON = "The station was logged off by another logon."

type Outage = Literal["refuse", "cut", "drop_streams"]
OUTAGES: Final[tuple[str, ...]] = get_args(Outage.__value__)
type StationSwitch = Literal["replace", "disconnect_first"]
STATION_SWITCHES: Final[tuple[str, ...]] = get_args(StationSwitch.__value__)
type LogoffCause = Literal[
    "disconnected",
    "switched",
    "logged_out",
    "another_logon",
    "taken",
    "removed",
    "ended",
]
# The causes a client brings about itself, by its own requests.
CLIENT_LOGOFF_CAUSES: Final[frozenset[LogoffCause]] = frozenset(
    {"disconnected", "switched", "logged_out", "another_logon"}
)


@dataclass(frozen=True, slots=True)
class StationLogoff:
    """A session that lost its station connection, and why (``cause``).

    ``disconnected``: the session's client disconnected it (DELETE of its station);
    ``switched``: its client connected another station; ``logged_out``: its client logged
    the session out; ``another_logon``: another session of the same user connected a
    station; ``taken`` and ``removed``: :meth:`SimulatorState.take_station` and
    :meth:`SimulatorState.remove_station`, as another logon or an administrator would;
    ``ended``: the server ended or forgot the session (``end_session``, the idle timeout, a
    stop). The first four are the client's own doing (:data:`CLIENT_LOGOFF_CAUSES`).
    """

    session_id: str
    user_id: str
    station_id: str
    cause: LogoffCause


def _same(station: SimulatedStation, other: SimulatedStation) -> bool:
    """Whether a connection to ``other`` keeps ``station`` (the same id and kind)."""
    return (station.id, station.station_setting) == (other.id, other.station_setting)


@dataclass(frozen=True, slots=True)
class LoginRefusal:
    """How logins are refused while the server does not accept connections (503)."""

    alternates: tuple[str, ...]
    error_id: str
    message: str


class SimulatorState(CallControls):
    """State and rules of the simulated ICWS server, without the HTTP layer.

    Attributes meant to be changed by tests at any time: ``response_delay`` (seconds before
    every /icws answer; a change applies to the requests waiting, too), ``sse_chunk_size`` (write events in pieces of this many bytes),
    ``flat_messages`` (station fields beside ``isDelta``, docs/icws-protocol.md §5),
    ``no_station_as_null`` (``newStationInfo: null`` instead of a stationSetting 0 station),
    ``end_session_grace``, ``session_idle_timeout``, ``sse_retry_ms`` (``retry:`` field sent
    when a stream opens, None: none), ``sse_separator``, ``station_switch`` (see
    :meth:`connect_station`), ``default_workstations`` (user id -> the workstation a login
    with ``include=default-workstation`` names) and the feature versions
    (``queues_version`` 0: a server without the queue watch; ``interactions_version`` 0:
    one without call control). Calls live in :attr:`calls` (``calls.py``); ``ring`` and the
    other call controls come from :class:`CallControls`. Voicemail counts live in
    :attr:`voicemail` (``voicemail.py``). Workgroups and activations live in
    :attr:`workgroups` (``workgroups.py``), their queues and statistics in
    :attr:`statistics` (``statistics.py``).
    """

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        display_names: Mapping[str, str] | None = None,
        stations: Iterable[SimulatedStation] | None = None,
        messaging_version: int = 2,
        connection_version: int = 15,
        server_name: str = "CIC01",
        alternate_hosts: Iterable[str] = (),
        sse_ping_interval: float = 15.0,
        end_session_grace: float = 5.0,
        sse_retry_ms: int | None = 5000,
        session_idle_timeout: float | None = None,
        status_version: int = 1,
        activations_version: int = 1,
        statistics_version: int = 1,
    ) -> None:
        """Set up users, directory and behaviour; see :class:`IcwsSimulator`."""
        if sse_ping_interval <= 0:
            raise ValueError("sse_ping_interval must be positive")
        self._users = dict(DEFAULT_USERS if users is None else users)
        # Users by case-folded id: a floor of many users is looked up at every status.
        self._user_keys = {user_id.casefold(): user_id for user_id in self._users}
        names = DEFAULT_DISPLAY_NAMES if users is None and display_names is None else {}
        self._display_names = dict(display_names or names)
        self._stations = {
            station.id: station
            for station in (default_stations() if stations is None else stations)
        }
        self.messaging_version = messaging_version
        self.queues_version = 1
        self.interactions_version = 14
        self.connection_version = connection_version
        self.server_name = server_name
        self.alternate_hosts = tuple(alternate_hosts)
        self.sse_ping_interval = sse_ping_interval
        self.end_session_grace = end_session_grace
        self.sse_retry_ms = sse_retry_ms
        # [guess] The line separator a real server uses in its event stream is not recorded;
        # CRLF (the library default) makes clients that split on "\n\n" only fail early.
        self.sse_separator = "\r\n"
        self._response_delay = 0.0
        self.sse_chunk_size: int | None = None
        self.flat_messages = False
        self.no_station_as_null = False
        self.refusal: LoginRefusal | None = None
        self.station_switch: StationSwitch = "replace"
        self.default_workstations: dict[str, str] = {}
        self.stopping = asyncio.Event()
        self.on_session_start: list[Callable[[SimSession], None]] = []
        self.on_session_end: list[Callable[[SimSession], None]] = []
        self._session_idle_timeout = session_idle_timeout
        self._outage: Outage | None = None
        self._sessions: dict[str, SimSession] = {}
        self._streams: set[EventStream] = set()
        self._login_attempts = 0
        self._abandoned_logins = 0
        self._in_flight = 0
        self._requests: list[tuple[str, str, int]] = []
        self._station_requests: list[dict[str, Any]] = []
        self._station_logoffs: list[StationLogoff] = []
        self._changed = asyncio.Event()
        # The user list and who may see or change whose status (docs/icws-protocol.md §15).
        self.directory = UserDirectory(self)
        # Presence (docs/icws-protocol.md §9): catalogue, access lists, user statuses.
        self.status = StatusState(self, version=status_version)
        # Interactions on the users' queues (docs/icws-protocol.md §10).
        self.calls = CallCenter(self)
        # [guess] onPhone follows the calls (docs/icws-protocol.md §9).
        self.calls.on_phone_changed = self.status.set_on_phone
        # Voicemail waiting (docs/icws-protocol.md §18).
        self.voicemail = VoicemailState(self)
        # Workgroups, their members' activations (§16), and their queues' statistics (§17).
        self.workgroups = WorkgroupState(self, version=activations_version)
        self.statistics = StatisticsState(
            self, self.workgroups, version=statistics_version
        )

    # ---- read-only views -------------------------------------------------------------

    @property
    def sessions(self) -> Mapping[str, SimSession]:
        """Return the live sessions by id."""
        return MappingProxyType(self._sessions)

    @property
    def stations(self) -> Mapping[str, SimulatedStation]:
        """Return the station directory by id."""
        return MappingProxyType(self._stations)

    @property
    def login_attempts(self) -> int:
        """Return how many ``POST /icws/connection`` calls the server processed."""
        return self._login_attempts

    @property
    def abandoned_logins(self) -> int:
        """Return how many logins' clients went away before the answer."""
        return self._abandoned_logins

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Return (method, path, status) of every /icws request answered so far."""
        return self._requests

    @property
    def open_streams(self) -> int:
        """Return how many event streams are open."""
        return len(self._streams)

    @property
    def station_requests(self) -> list[dict[str, Any]]:
        """Return the body of every station PUT received, refused ones included, in order."""
        return self._station_requests

    @property
    def station_logoffs(self) -> list[StationLogoff]:
        """Return every loss of a session's station connection so far, with its cause."""
        return self._station_logoffs

    @property
    def state(self) -> SimulatorState:
        """Return the simulated state (this object; the server and its state are one)."""
        return self

    def sessions_of(self, user_id: str) -> list[SimSession]:
        """Return the sessions the server holds for a user, named in any case.

        Ending ones are included.
        """
        user = self.directory_user(user_id)
        return [s for s in self._sessions.values() if s.user_id == user]

    def live_sessions(self, user_id: str) -> int:
        """Return how many sessions the server holds for a user.

        A session counts until the server forgets it: while an outage hides it from its
        client, and while its "connection down" message waits to be read.
        """
        return len(self.sessions_of(user_id))

    def live_session_ids(self, user_id: str) -> list[str]:
        """Return the ids of the sessions the server holds for a user (for debugging)."""
        return [session.session_id for session in self.sessions_of(user_id)]

    # ---- waiting for changes ---------------------------------------------------------

    def pulse(self) -> None:
        """Wake everyone waiting in :meth:`wait_until`."""
        self._changed.set()
        self._changed = asyncio.Event()

    @property
    def response_delay(self) -> float:
        """Return how long every /icws request is held before it is answered."""
        return self._response_delay

    @response_delay.setter
    def response_delay(self, seconds: float) -> None:
        self._response_delay = seconds
        self.pulse()  # requests held now wait for the new delay

    async def hold_request(self) -> None:
        """Wait ``response_delay`` seconds from now, less if it shrinks or the server stops."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not self.stopping.is_set():
            remaining = start + self._response_delay - loop.time()
            if remaining <= 0:
                return
            changed = self._changed
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is checked after every request and change.

        Bound it: ``async with asyncio.timeout(5): await sim.wait_until(...)``.
        """
        while not predicate():
            await self._changed.wait()

    @property
    def in_flight(self) -> int:
        """Return how many /icws requests are being answered (event streams included)."""
        return self._in_flight

    def request_started(self) -> None:
        """Note that a /icws request arrived."""
        self._in_flight += 1
        self.pulse()

    def request_finished(self) -> None:
        """Note that a /icws request was answered (or abandoned)."""
        self._in_flight -= 1
        self.pulse()

    def record_request(self, method: str, path: str, status: int) -> None:
        """Note one answered /icws request."""
        self._requests.append((method, path, status))
        self.pulse()

    def record_station_request(self, body: dict[str, Any]) -> None:
        """Note the body of a station PUT."""
        self._station_requests.append(body)

    # ---- the network in front of the server ------------------------------------------

    @property
    def outage(self) -> Outage | None:
        """Return the current outage mode (None: the network works)."""
        return self._outage

    def set_outage(self, mode: Outage | None) -> None:
        """Make the network in front of the server fail, or (None) work again.

        ``refuse``: every /icws connection is reset before the server reads the request.
        ``cut``: requests reach the server and are processed, their answers are lost (a
        login completes and its session lives on, unknown to the client). ``drop_streams``:
        event streams are dropped (also any opened meanwhile); other calls work. Entering
        any mode drops the open event streams without a "connection down" message; the
        sessions and their queued messages live on, as on a real server. The control
        interface keeps working.
        """
        if mode is not None and mode not in OUTAGES:
            raise ValueError(f"unknown outage mode: {mode}")
        self._outage = mode
        if mode is not None:
            for stream in list(self._streams):
                stream.drop()
        self.pulse()

    # ---- users and logins ------------------------------------------------------------

    def directory_user(self, user_id: str) -> str | None:
        """Return the directory's spelling of a user id, found without case [guess].

        CIC's directory compares user ids without case, as Windows accounts do; the
        login answer names the user as the directory spells it (docs/icws-protocol.md §1).
        """
        if user_id in self._users:
            return user_id
        folded = user_id.casefold()
        return next((user for user in self._users if user.casefold() == folded), None)

    def check_credentials(self, user_id: str, password: str) -> bool:
        """Return whether the directory accepts this user (any case) and password."""
        user = self.directory_user(user_id)
        expected = None if user is None else self._users[user]
        return expected is not None and secrets.compare_digest(
            expected.encode(), password.encode()
        )

    def display_name(self, user_id: str) -> str:
        """Return the user's display name (the id when none was given)."""
        return self._display_names.get(user_id, user_id)

    @property
    def user_ids(self) -> tuple[str, ...]:
        """Return the known user ids."""
        return tuple(self._users)

    def user_spelling(self, user_id: str) -> str | None:
        """Return a user's id as the directory spells it (None: no such user).

        CIC compares user ids without case (docs/icws-protocol.md §9).
        """
        return self._user_keys.get(user_id.casefold())

    def count_login(self) -> None:
        """Count one login request."""
        self._login_attempts += 1

    def count_abandoned_login(self) -> None:
        """Count a login whose client went away before the answer (it goes on)."""
        self._abandoned_logins += 1
        self.pulse()

    def set_password(self, user_id: str, password: str) -> None:
        """Change (or create) a user's password on the directory; sessions stay."""
        self._users[user_id] = password
        self._user_keys.setdefault(user_id.casefold(), user_id)
        self.pulse()

    def refuse_logins(
        self,
        alternates: Iterable[str] = (),
        error_id: str = protocol.NOT_ACCEPTING_ID,
        message: str = "This server is not currently accepting connections.",
    ) -> None:
        """Answer logins with 503 and this ``alternateHostList`` until :meth:`accept_logins`."""
        self.refusal = LoginRefusal(tuple(alternates), error_id, message)
        self.pulse()

    def accept_logins(self) -> None:
        """Accept logins again."""
        self.refusal = None
        self.pulse()

    def create_session(
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
        for callback in self.on_session_start:
            callback(session)
        return session

    def find_session(self, session_id: str) -> SimSession | None:
        """Return the live session with this id."""
        return self._sessions.get(session_id)

    def _targets(
        self, session_id: str | None, user_id: str | None = None
    ) -> list[SimSession]:
        if session_id is None:
            sessions = list(self._sessions.values())
        elif session_id not in self._sessions:
            raise KeyError(session_id)
        else:
            sessions = [self._sessions[session_id]]
        if user_id is None:
            return sessions
        user = self.directory_user(user_id)
        if user is None:
            raise KeyError(user_id)
        return [session for session in sessions if session.user_id == user]

    # ---- idle sessions ---------------------------------------------------------------

    @property
    def session_idle_timeout(self) -> float | None:
        """Return after how many seconds without a request or an open stream a session ends.

        None: sessions never expire for idleness.
        """
        return self._session_idle_timeout

    @session_idle_timeout.setter
    def session_idle_timeout(self, seconds: float | None) -> None:
        if seconds is not None and seconds <= 0:
            raise ValueError("session_idle_timeout must be positive (or None)")
        self._session_idle_timeout = seconds
        for session in self._sessions.values():
            self._arm_idle_check(session)

    def touch(self, session: SimSession) -> None:
        """Note that the session's client was heard from now (any request counts)."""
        session.last_request = asyncio.get_running_loop().time()
        if not session.idle_check_pending:
            self._arm_idle_check(session)

    def _arm_idle_check(self, session: SimSession) -> None:
        timeout = self._session_idle_timeout
        if timeout is None or session.ended:
            session.schedule_idle_check(None)
            return
        loop = asyncio.get_running_loop()
        due = max(0.0, session.last_request + timeout - loop.time())
        session.schedule_idle_check(loop.call_later(due, self._check_idle, session))

    def _check_idle(self, session: SimSession) -> None:
        """Forget a session nobody asked for anything for ``session_idle_timeout`` s.

        [guess] The timeout is not documented (docs/icws-protocol.md §4); an open event
        stream keeps a session alive, as does any request. It ends silently: nobody reads
        its messages any more.
        """
        session.schedule_idle_check(None)
        timeout = self._session_idle_timeout
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

    def end_session(
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
        the same state, reason and flag; once delivered (or ``end_session_grace`` seconds
        later if nobody reads it) every call answers 401. Without, the session is gone at
        once.
        """
        for session in self._targets(session_id, user):
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
                loop.call_later(self.end_session_grace, self.forget, session)
            )
        self.pulse()

    def forget(self, session: SimSession, *, cause: LogoffCause = "ended") -> None:
        """Drop a session: its calls answer 401, its streams close, its station goes.

        ``cause`` says why its station went (``logged_out`` when its client logged out).
        """
        session.cancel_expiry()
        session.schedule_idle_check(None)
        if session.ended:
            return
        session.ended = True
        if session.station is not None:
            self._note_logoff(session, session.station, cause)
        self._sessions.pop(session.session_id, None)
        for stream in [s for s in self._streams if s.session is session]:
            stream.close()
        for callback in self.on_session_end:
            callback(session)
        self.pulse()

    def forget_all(self) -> None:
        """Drop every session and close every stream (server going down)."""
        for session in list(self._sessions.values()):
            self.forget(session)
        for stream in list(self._streams):
            stream.close()

    # ---- event streams ---------------------------------------------------------------

    def open_stream(self, stream: EventStream) -> None:
        """Register a new event stream.

        [guess] One stream per session: a newer stream replaces an older one of the same
        session, so a client that reconnects never races a stale stream for messages.
        """
        for old in [s for s in self._streams if s.session is stream.session]:
            old.close()
        self._streams.add(stream)
        self.pulse()

    def close_stream(self, stream: EventStream) -> None:
        """Unregister an event stream that ended; the idle time counts from now."""
        self._streams.discard(stream)
        if not stream.session.ended:
            self.touch(stream.session)
        self.pulse()

    def close_streams(self) -> None:
        """End every open event stream cleanly, as a load balancer does; sessions live on.

        Each stream ends after the event being written; its session's queued messages wait
        for the session's next reader.
        """
        for stream in list(self._streams):
            stream.close()
        self.pulse()

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
        self.pulse()

    def inject_raw(self, text: str) -> None:
        """Queue raw message text (valid JSON or not) for every session."""
        for session in self._sessions.values():
            session.push(text)
        self.pulse()

    def inject_message(self, message: Mapping[str, Any]) -> None:
        """Queue an arbitrary message object for every session."""
        self.inject_raw(protocol.dumps(message))

    def _station_message(
        self,
        station: SimulatedStation | None,
        previous: SimulatedStation | None = None,
        reason: str | None = None,
    ) -> str:
        version = self.connection_version
        info: dict[str, Any] | None
        if station is not None:
            info = station_info(station, version)
        elif self.no_station_as_null and not self.flat_messages:
            info = None
        else:
            info = no_station_info(version)
        # [guess] A change of station connection replaces the client's cache (isDelta false)
        # and names the station it replaces in previousStationInfo, an optional SDK field.
        before = None if previous is None else station_info(previous, version)
        message = protocol.station_message(
            info,
            is_delta=False,
            previous=before,
            flat=self.flat_messages,
            reason=reason,
        )
        return protocol.dumps(message)

    # ---- subscription and station connections ---------------------------------------

    def subscribe(self, session: SimSession) -> None:
        """Start the station subscription; queue the initial ``isDelta: false`` message."""
        session.subscribed = True
        session.push(self._station_message(session.station))

    def unsubscribe(self, session: SimSession) -> None:
        """Stop the station subscription."""
        session.subscribed = False

    def find_station(self, name: str) -> SimulatedStation | None:
        """Look a station up by id; CIC configuration names ignore case [guess]."""
        station = self._stations.get(name)
        if station is not None:
            return station
        folded = name.casefold()
        return next(
            (s for key, s in self._stations.items() if key.casefold() == folded), None
        )

    def connect_station(
        self, session: SimSession, station: SimulatedStation | None
    ) -> None:
        """Set (or clear, with None) a session's station connection and tell subscribers.

        Switching from one station to another replaces it: the old one is logged off and
        one message names both (docs/icws-protocol.md §11 [guess]). With ``station_switch``
        ``"disconnect_first"`` a switch is refused with a 400 that asks to disconnect
        first, the other behaviour §11 tells clients to tolerate.

        [guess] A user holds one station at a time [doc]; when another session of the same
        user logs on to a station, the older session's station connection goes and it is told
        "no station", with the reason in the message. Which side loses, and the message, are
        not documented.
        """
        previous = session.station
        if (
            self.station_switch == "disconnect_first"
            and previous is not None
            and station is not None
        ):
            raise protocol.station_switch_refused()
        session.station = station
        session.reason = ""
        if previous is not None and station is None:
            self._note_logoff(session, previous, "disconnected")
        elif (
            previous is not None
            and station is not None
            and not _same(previous, station)
        ):
            self._note_logoff(session, previous, "switched")
        if station is not None:
            for other in self._sessions.values():
                if other is not session and other.user_id == session.user_id:
                    self._drop_station(other, "another_logon", DEFAULT_TAKE_REASON)
        if session.subscribed:
            session.push(self._station_message(station, previous))
        self.status.stations_changed(session.user_id)
        self.pulse()

    def _drop_station(
        self, session: SimSession, cause: LogoffCause, reason: str | None = None
    ) -> bool:
        previous = session.station
        if previous is None:
            return False
        session.station = None
        self._note_logoff(session, previous, cause)
        if reason is not None:
            session.reason = reason
        if session.subscribed:
            session.push(self._station_message(None, previous, reason))
        self.status.stations_changed(session.user_id)
        return True

    def _note_logoff(
        self, session: SimSession, station: SimulatedStation, cause: LogoffCause
    ) -> None:
        self._station_logoffs.append(
            StationLogoff(session.session_id, session.user_id, station.id, cause)
        )

    def remove_station(self, session_id: str | None = None) -> None:
        """Take the station connection away from one session (or all), as a server would."""
        for session in self._targets(session_id):
            self._drop_station(session, "removed")
        self.pulse()

    def take_station(self, user: str, *, reason: str = DEFAULT_TAKE_REASON) -> int:
        """Log a user's station off as another logon or an administrator would.

        Each session of the user on a station is told "no station" by its station
        subscription, with ``reason`` beside it; ``GET /connection`` then carries the same
        reason (where docs/icws-protocol.md §6 puts a connection-state reason [guess]).
        Returns how many sessions lost a station; raises KeyError for an unknown user.
        """
        taken = sum(
            self._drop_station(session, "taken", reason)
            for session in self._targets(None, user)
        )
        self.pulse()
        return taken

    def update_station(
        self, station_id: str, **changes: Unpack[StationChanges]
    ) -> None:
        """Change a directory station; sessions on it get an ``isDelta: true`` message.

        The delta holds the required fields and the fields whose wire value changed.
        """
        unknown = set(changes) - CHANGEABLE_FIELDS
        if unknown:
            raise ValueError(f"not changeable station fields: {sorted(unknown)}")
        old = self._stations[station_id]
        self._stations[station_id] = replace(old, **changes)
        for session in self._sessions.values():
            current = session.station
            if current is None or current.id != station_id:
                continue
            if current.station_setting not in {
                STATION_SETTING_WORKSTATION,
                STATION_SETTING_REMOTE_WORKSTATION,
            }:
                continue
            session.station = replace(current, **changes)
            delta = station_delta(current, session.station, self.connection_version)
            if delta is not None and session.subscribed:
                message = protocol.station_message(
                    delta, is_delta=True, flat=self.flat_messages
                )
                session.push(protocol.dumps(message))
        self.pulse()

    # ---- presence (rules and fan-out in status.py) -----------------------------------

    def set_user_status(
        self,
        user_id: str,
        status_id: str,
        *,
        notes: str = "",
        forward_number: str = "",
        until: Until | None = None,
    ) -> None:
        """Set a user's status as the server or another client (the desktop client) would."""
        self.status.set_user_status(
            user_id, status_id, notes=notes, forward_number=forward_number, until=until
        )

    def set_on_phone(self, user_id: str, on_phone: bool) -> None:
        """Set the user's ``onPhone`` flag, as a call connecting or ending would."""
        self.status.set_on_phone(user_id, on_phone)
