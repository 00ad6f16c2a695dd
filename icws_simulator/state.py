"""What the simulated server knows and the operations that change it, one part per concern.

Each concern is a part in a module of its own, built here and reached by its name:
``sessions`` (``session_table.py``: logins, idle and ended sessions, event streams, the
messages fanned out to them), ``stations`` (``stations.py``: the station directory and the
sessions' station connections), ``traffic`` (``traffic.py``: what reached the server, the
response delay), ``directory``, ``status``, ``calls``, ``voicemail``, ``workgroups`` and
``statistics``. What stays here is the server itself: its users and whether it accepts
logins, the feature versions it announces, the network outage in front of it, and the
change signal every part pulses and tests wait on. Both the ICWS routes and the control
interfaces (Python and HTTP) act through these parts, so a rule such as "one station per
user" lives in one place. No HTTP here.
"""

import asyncio
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
import secrets
from types import MappingProxyType
from typing import Final, Literal, get_args

from . import protocol
from .calls import CallCenter
from .directory import UserDirectory
from .session_table import SessionTable
from .station_data import SimulatedStation
from .stations import StationState
from .statistics import StatisticsState
from .status import StatusState
from .traffic import Traffic
from .voicemail import VoicemailState
from .workgroups import WorkgroupState

DEFAULT_USERS: Mapping[str, str] = MappingProxyType({"jdoe": "secret"})
DEFAULT_DISPLAY_NAMES: Mapping[str, str] = MappingProxyType({"jdoe": "Jane Doe"})

type Outage = Literal["refuse", "cut", "drop_streams"]
OUTAGES: Final[tuple[str, ...]] = get_args(Outage.__value__)


@dataclass(frozen=True, slots=True)
class LoginRefusal:
    """How logins are refused while the server does not accept connections (503)."""

    alternates: tuple[str, ...]
    error_id: str
    message: str


class SimulatorState:
    """State and rules of the simulated ICWS server, without the HTTP layer.

    A test acts on a concern through its part (``sim.calls.ring(...)``,
    ``sim.status.set_user_status(...)``, ``sim.stations.take(...)``,
    ``sim.sessions.end(...)``, ``sim.traffic.login_attempts``); this class forwards
    nothing to them. So each operation has one spelling, a test names the concern it acts
    on, and a new concern adds a part without widening this class.

    Attributes meant to be changed by tests at any time: ``sse_chunk_size`` (write events
    in pieces of this many bytes), ``sse_retry_ms`` (``retry:`` field sent when a stream
    opens, None: none), ``sse_separator``, ``default_workstations`` (user id -> the
    workstation a login with ``include=default-workstation`` names) and the feature
    versions (``queues_version`` 0: a server without the queue watch;
    ``interactions_version`` 0: one without call control). Each part documents what tests
    may change on it (``sessions.idle_timeout``, ``stations.switch``,
    ``traffic.response_delay``, ...).
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
        self._user_keys: dict[str, str] = {}
        for user_id in self._users:
            self._user_keys.setdefault(user_id.casefold(), user_id)
        names = DEFAULT_DISPLAY_NAMES if users is None and display_names is None else {}
        self._display_names = dict(display_names or names)
        self.messaging_version = messaging_version
        self.queues_version = 1
        self.interactions_version = 14
        self.connection_version = connection_version
        self.server_name = server_name
        self.alternate_hosts = tuple(alternate_hosts)
        self.sse_ping_interval = sse_ping_interval
        self.sse_retry_ms = sse_retry_ms
        # [guess] The line separator a real server uses in its event stream is not recorded;
        # CRLF (the library default) makes clients that split on "\n\n" only fail early.
        self.sse_separator = "\r\n"
        self.sse_chunk_size: int | None = None
        self.refusal: LoginRefusal | None = None
        self.default_workstations: dict[str, str] = {}
        self.stopping = asyncio.Event()  # set while the server stops
        self._outage: Outage | None = None
        self._unreachable = False
        self._changed = asyncio.Event()
        # What reached the server, and how long each request waits for its answer.
        self.traffic = Traffic(self)
        # Sessions, their event streams and the messages queued for them (§2 to §4).
        self.sessions = SessionTable(
            self, end_grace=end_session_grace, idle_timeout=session_idle_timeout
        )
        # The station directory and the sessions' station connections (§5, §11).
        self.stations = StationState(self, stations)
        # The user list and who may see or change whose status (docs/icws-protocol.md §15).
        self.directory = UserDirectory(self)
        # Presence (docs/icws-protocol.md §9): catalogue, access lists, user statuses.
        self.status = StatusState(self, version=status_version)
        self.stations.on_change.append(self.status.stations_changed)
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

    # ---- waiting for changes ---------------------------------------------------------

    def pulse(self) -> None:
        """Wake everyone waiting in :meth:`wait_until` and :meth:`next_change`."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is checked after every request and change.

        Bound it: ``async with asyncio.timeout(5): await sim.wait_until(...)``.
        """
        while not predicate():
            await self._changed.wait()

    async def next_change(self, within: float) -> None:
        """Wait for the next change, at most ``within`` seconds."""
        changed = self._changed
        with suppress(TimeoutError):
            async with asyncio.timeout(within):
                await changed.wait()

    # ---- the network in front of the server ------------------------------------------

    @property
    def outage(self) -> Outage | None:
        """Return the current outage mode (None: the network works)."""
        return self._outage

    @property
    def unreachable(self) -> bool:
        """Return whether connections are refused (``IcwsSimulator.set_unreachable``)."""
        return self._unreachable

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
            self.sessions.drop_streams()
        self.pulse()

    # ---- users and logins ------------------------------------------------------------

    def directory_user(self, user_id: str) -> str | None:
        """Return the directory's spelling of a user id, found without case [guess].

        CIC's directory compares user ids without case, as Windows accounts do; the
        login answer names the user as the directory spells it (docs/icws-protocol.md §1).
        """
        return user_id if user_id in self._users else self.user_spelling(user_id)

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
