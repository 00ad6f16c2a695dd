"""Stations on the simulated server: the station directory and the sessions' connections.

The rules a client must live with are here, in one place for the ICWS routes
(``stations_http.py``) and the control interfaces: a user holds one station at a time,
switching replaces a station (or is refused), another logon or an administrator may take
it, and every loss of a station is recorded with its cause. What a station looks like on
the wire is ``station_data.py``. No HTTP here.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, Protocol, Unpack, get_args

from . import protocol
from .session_table import SessionTable
from .sessions import SimSession
from .station_data import (
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

# [guess] The wording a server uses when another logon takes the user's station is not
# recorded (docs/icws-protocol.md §6).
DEFAULT_TAKE_REASON: Final = "The station was logged off by another logon."

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
    station; ``taken`` and ``removed``: :meth:`StationState.take` and
    :meth:`StationState.remove`, as another logon or an administrator would; ``ended``:
    the server ended or forgot the session (``sessions.end``, the idle timeout, a stop).
    The first four are the client's own doing (:data:`CLIENT_LOGOFF_CAUSES`).
    """

    session_id: str
    user_id: str
    station_id: str
    cause: LogoffCause


class StationHost(Protocol):
    """What the station part needs from the simulator state."""

    connection_version: int

    @property
    def sessions(self) -> SessionTable:
        """Return the sessions the server holds."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


def _same(station: SimulatedStation, other: SimulatedStation) -> bool:
    """Whether a connection to ``other`` keeps ``station`` (the same id and kind)."""
    return (station.id, station.station_setting) == (other.id, other.station_setting)


class StationState(Mapping[str, SimulatedStation]):
    """The station directory by id, the sessions' station connections and their rules.

    Tests may change at any time: ``flat_messages`` (station fields beside ``isDelta``,
    docs/icws-protocol.md §5), ``no_station_as_null`` (``newStationInfo: null`` instead of
    a stationSetting 0 station) and ``switch`` (see :meth:`connect`). ``logoffs`` lists
    every loss of a station connection. ``on_change`` callbacks hear the id of each user
    whose station connections changed (the user statuses follow them).
    """

    def __init__(
        self, host: StationHost, stations: Iterable[SimulatedStation] | None = None
    ) -> None:
        """Fill the directory (the default workstations unless given)."""
        self._host = host
        self._stations = {
            station.id: station
            for station in (default_stations() if stations is None else stations)
        }
        self.flat_messages = False
        self.no_station_as_null = False
        self.switch: StationSwitch = "replace"
        self.on_change: list[Callable[[str], None]] = []
        self._logoffs: list[StationLogoff] = []
        host.sessions.on_end.append(self._session_ended)

    # ---- the directory ---------------------------------------------------------------

    def __getitem__(self, station_id: str) -> SimulatedStation:
        """Return the directory station with this id."""
        return self._stations[station_id]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the ids of the directory's stations."""
        return iter(self._stations)

    def __len__(self) -> int:
        """Return how many stations the directory holds."""
        return len(self._stations)

    def find(self, name: str) -> SimulatedStation | None:
        """Look a station up by id; CIC configuration names ignore case [guess]."""
        station = self._stations.get(name)
        if station is not None:
            return station
        folded = name.casefold()
        return next(
            (s for key, s in self._stations.items() if key.casefold() == folded), None
        )

    def change(self, station_id: str, **changes: Unpack[StationChanges]) -> None:
        """Change a directory station; sessions on it get an ``isDelta: true`` message.

        The delta holds the required fields and the fields whose wire value changed.
        """
        unknown = set(changes) - CHANGEABLE_FIELDS
        if unknown:
            raise ValueError(f"not changeable station fields: {sorted(unknown)}")
        old = self._stations[station_id]
        self._stations[station_id] = replace(old, **changes)
        version = self._host.connection_version
        for session in self._host.sessions.values():
            current = session.station
            if current is None or current.id != station_id:
                continue
            if current.station_setting not in {
                STATION_SETTING_WORKSTATION,
                STATION_SETTING_REMOTE_WORKSTATION,
            }:
                continue
            session.station = replace(current, **changes)
            delta = station_delta(current, session.station, version)
            if delta is not None and session.subscribed:
                message = protocol.station_message(
                    delta, is_delta=True, flat=self.flat_messages
                )
                session.push(protocol.dumps(message))
        self._host.pulse()

    # ---- the station subscription ----------------------------------------------------

    def subscribe(self, session: SimSession) -> None:
        """Start the station subscription; queue the initial ``isDelta: false`` message."""
        session.subscribed = True
        session.push(self._message(session.station))

    def unsubscribe(self, session: SimSession) -> None:
        """Stop the station subscription."""
        session.subscribed = False

    def _message(
        self,
        station: SimulatedStation | None,
        previous: SimulatedStation | None = None,
        reason: str | None = None,
    ) -> str:
        version = self._host.connection_version
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

    # ---- station connections ---------------------------------------------------------

    @property
    def logoffs(self) -> list[StationLogoff]:
        """Return every loss of a session's station connection so far, with its cause."""
        return self._logoffs

    def connect(self, session: SimSession, station: SimulatedStation | None) -> None:
        """Set (or clear, with None) a session's station connection and tell subscribers.

        Switching from one station to another replaces it: the old one is logged off and
        one message names both (docs/icws-protocol.md §11 [guess]). With ``switch``
        ``"disconnect_first"`` a switch is refused with a 400 that asks to disconnect
        first, the other behaviour §11 tells clients to tolerate.

        [guess] A user holds one station at a time [doc]; when another session of the same
        user logs on to a station, the older session's station connection goes and it is told
        "no station", with the reason in the message. Which side loses, and the message, are
        not documented.
        """
        previous = session.station
        if (
            self.switch == "disconnect_first"
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
            for other in self._host.sessions.values():
                if other is not session and other.user_id == session.user_id:
                    self._drop(other, "another_logon", DEFAULT_TAKE_REASON)
        if session.subscribed:
            session.push(self._message(station, previous))
        self._changed(session.user_id)
        self._host.pulse()

    def take(self, user: str, *, reason: str = DEFAULT_TAKE_REASON) -> int:
        """Log a user's station off as another logon or an administrator would.

        Each session of the user on a station is told "no station" by its station
        subscription, with ``reason`` beside it; ``GET /connection`` then carries the same
        reason (where docs/icws-protocol.md §6 puts a connection-state reason [guess]).
        Returns how many sessions lost a station; raises KeyError for an unknown user.
        """
        taken = sum(
            self._drop(session, "taken", reason)
            for session in self._host.sessions.select(None, user)
        )
        self._host.pulse()
        return taken

    def remove(self, session_id: str | None = None) -> None:
        """Take the station connection away from one session (or all), as a server would."""
        for session in self._host.sessions.select(session_id):
            self._drop(session, "removed")
        self._host.pulse()

    def _drop(
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
            session.push(self._message(None, previous, reason))
        self._changed(session.user_id)
        return True

    def _session_ended(self, session: SimSession) -> None:
        """A session the server forgets loses its station with it."""
        if session.station is not None:
            cause: LogoffCause = "logged_out" if session.logged_out else "ended"
            self._note_logoff(session, session.station, cause)

    def _note_logoff(
        self, session: SimSession, station: SimulatedStation, cause: LogoffCause
    ) -> None:
        self._logoffs.append(
            StationLogoff(session.session_id, session.user_id, station.id, cause)
        )

    def _changed(self, user_id: str) -> None:
        for callback in self.on_change:
            callback(user_id)
