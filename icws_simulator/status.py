"""Presence on the simulated server: the status catalogue, access lists and user statuses.

What the server knows about statuses (docs/icws-protocol.md §9), the rules for changing them
and who is told: every session whose subscription watches the user, whatever user it belongs
to. The data and its wire form are in ``status_data.py``, the HTTP routes in
``status_http.py``; nothing here knows about HTTP.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final, Protocol
import uuid

from . import protocol
from .directory import UserDirectory
from .session_table import SessionTable
from .sessions import SimSession
from .status_data import (
    SimulatedStatusMessage,
    SimulatedUserStatus,
    Until,
    default_status_messages,
    select_properties,
    status_delta,
)

TYPE_USER_STATUS: Final = "urn:inin.com:status:userStatusMessage"
TYPE_STATUS_MESSAGES: Final = "urn:inin.com:status:statusMessagesMessage"
TYPE_USER_ACCESS: Final = "urn:inin.com:status:statusMessagesUserAccessMessage"
# [guess] A completion message may follow a status change; off unless a test asks.
TYPE_ASYNC_COMPLETED: Final = "urn:inin.com:messaging:asyncOperationCompletedMessage"

INITIAL_STATUS: Final = "Available"
# Names of the subscriptions in ``SimSession.subscriptions``.
USER_STATUSES: Final = "status/user-statuses"
CATALOGUE: Final = "status/status-messages"
ACCESS: Final = "status/status-messages-user-access"


class StatusHost(Protocol):
    """What the status part needs from the rest of the simulated server."""

    server_name: str
    directory: UserDirectory

    @property
    def sessions(self) -> SessionTable:
        """Return the sessions the server holds."""
        ...

    @property
    def user_ids(self) -> tuple[str, ...]:
        """Return the users of the directory."""
        ...

    def user_spelling(self, user_id: str) -> str | None:
        """Return a user's id as the directory spells it (None: no such user)."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


@dataclass(frozen=True, slots=True)
class _UserStatusWatch:
    """A session's user-status subscription: whom it watches, which properties."""

    user_keys: frozenset[str]  # casefolded user ids
    properties: frozenset[str] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """A status change a session asked for, checked."""

    status_id: str
    notes: str = ""
    forward_number: str = ""
    until: Until | None = None


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """One ``PUT status/user-statuses/{userId}`` as the server received it."""

    session_id: str
    user_id: str
    body: Mapping[str, Any]
    status: int


class StatusState:
    """Catalogue, access lists, user statuses and the sessions that watch them.

    ``version`` is the ``status`` feature version the server announces (0: no status feature;
    the routes then answer 404). ``completion_messages`` queues an
    ``asyncOperationCompletedMessage`` after each accepted status change [guess].
    ``respell_ids`` spells status ids outside the catalogue (access lists, user statuses) in
    another case than the catalogue does, as a real server sent ``"Do Not disturb"``
    (docs/icws-protocol.md §9 [seen]); off by default. ``clock`` gives the dates of
    changes; tests may replace it.
    """

    def __init__(
        self,
        host: StatusHost,
        *,
        version: int = 1,
        status_messages: Iterable[SimulatedStatusMessage] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Seed the catalogue (CIC defaults unless given); every user starts Available."""
        self._host = host
        self.version = version
        self.completion_messages = False
        self.respell_ids = False
        self.clock = clock
        self._catalogue: dict[str, SimulatedStatusMessage] = {}
        for message in (
            default_status_messages() if status_messages is None else status_messages
        ):
            self._catalogue[message.key] = message
        self._statuses: dict[str, SimulatedUserStatus] = {}
        self._access: dict[str, list[str]] = {}  # user key -> status ids (as spelled)
        self._requests: list[StatusRequest] = []
        host.sessions.on_end.append(self._session_ended)

    # ---- read-only views -------------------------------------------------------------

    @property
    def catalogue(self) -> Mapping[str, SimulatedStatusMessage]:
        """Return the catalogue by casefolded status id."""
        return MappingProxyType(self._catalogue)

    @property
    def server_name(self) -> str:
        """Return the server's name, as ``icServers`` gives it."""
        return self._host.server_name

    @property
    def requests(self) -> Sequence[StatusRequest]:
        """Return every status change a session asked for, accepted or refused."""
        return tuple(self._requests)

    def find_status_message(self, status_id: str) -> SimulatedStatusMessage | None:
        """Look a status up case-insensitively."""
        return self._catalogue.get(status_id.casefold())

    def knows_user(self, user_id: str) -> bool:
        """Return whether the directory has this user (case-insensitively)."""
        return self._user_key(user_id) is not None

    def user_status(self, user_id: str) -> SimulatedUserStatus:
        """Return a user's status; KeyError for an unknown user."""
        key = self._require_user(user_id)
        return self._status_of(key)

    def access(self, user_id: str) -> tuple[str, ...]:
        """Return the status ids a user may pick, in catalogue spelling."""
        key = self._require_user(user_id)
        return tuple(self._access_of(key))

    def may_pick(self, user_id: str, status_id: str) -> bool:
        """Return whether a user may set this status: in the access list and selectable."""
        message = self.find_status_message(status_id)
        if message is None or not message.is_selectable:
            return False
        return message.key in {s.casefold() for s in self.access(user_id)}

    def watchers(self, user_id: str) -> list[str]:
        """Return the ids of the sessions whose user-status subscription has this user."""
        return [session.session_id for session, _ in self._watching(user_id.casefold())]

    # ---- users -----------------------------------------------------------------------

    def _user_key(self, user_id: str) -> str | None:
        spelling = self._host.user_spelling(user_id)
        return None if spelling is None else spelling.casefold()

    def _require_user(self, user_id: str) -> str:
        key = self._user_key(user_id)
        if key is None:
            raise KeyError(user_id)
        return key

    def _spelling(self, key: str) -> str:
        spelling = self._host.user_spelling(key)
        if spelling is None:
            raise KeyError(key)
        return spelling

    def _status_of(self, key: str) -> SimulatedUserStatus:
        status = self._statuses.get(key)
        if status is None:
            now = self.clock()
            status = SimulatedUserStatus(
                user_id=self._spelling(key),
                status_id=INITIAL_STATUS,
                on_phone_changed=now,
                status_changed=now,
                stations=self._stations_of(key),
            )
            self._statuses[key] = status
        return status

    def _access_of(self, key: str) -> list[str]:
        access = self._access.get(key)
        if access is None:
            # [guess] By default a user may pick every status; the list also names the ACD
            # one, so a client must filter by isSelectableStatus as the vendor advises.
            access = [message.status_id for message in self._catalogue.values()]
            self._access[key] = access
        return access

    def _stations_of(self, key: str) -> tuple[str, ...]:
        return tuple(
            sorted(
                {
                    session.station.id
                    for session in self._host.sessions.values()
                    if session.user_id.casefold() == key and session.station is not None
                }
            )
        )

    # ---- the wire ---------------------------------------------------------------------

    def _spelled(self, status_id: str) -> str:
        """Return a status id as access lists and user statuses spell it."""
        return status_id.swapcase() if self.respell_ids else status_id

    def wire_status(self, user_id: str) -> dict[str, Any]:
        """Return a user's whole ``userStatus`` as the server sends it."""
        return self._wire_status(self._status_of(self._require_user(user_id)))

    def _wire_status(self, status: SimulatedUserStatus) -> dict[str, Any]:
        wire = status.to_wire(self._host.server_name)
        wire["statusId"] = self._spelled(status.status_id)
        return wire

    def wire_access(self, user_id: str) -> list[str]:
        """Return the status ids a user may pick as the server sends them."""
        return [self._spelled(status_id) for status_id in self.access(user_id)]

    # ---- subscriptions ---------------------------------------------------------------

    def _watching(self, key: str) -> list[tuple[SimSession, _UserStatusWatch]]:
        """Return the sessions watching the user ``key``, with their subscription."""
        watching = []
        for session in self._host.sessions.subscribers(USER_STATUSES):
            watch: _UserStatusWatch = session.subscriptions[USER_STATUSES]
            if key in watch.user_keys:
                watching.append((session, watch))
        return watching

    def _session_ended(self, session: SimSession) -> None:
        """A session that ends takes its station off its user's ``stations``."""
        if session.station is not None:
            self.stations_changed(session.user_id)

    def _push(self, session: SimSession, message: Mapping[str, Any]) -> None:
        session.push(protocol.dumps(message))

    def watch_user_statuses(
        self,
        session: SimSession,
        user_ids: Sequence[str],
        properties: Sequence[str] | None = None,
    ) -> None:
        """Start (or replace) a session's user-status subscription; send the full message.

        [guess] Unknown user ids, and users whose status the session's user may not see
        (``directory.py``), are left out of the messages rather than refused.
        """
        directory = self._host.directory
        keys = [
            key
            for key in dict.fromkeys(user.casefold() for user in user_ids)
            if self._user_key(key) is not None
            and directory.may_view(session.user_id, key)
        ]
        watch = _UserStatusWatch(
            frozenset(keys), None if properties is None else frozenset(properties)
        )
        session.subscriptions[USER_STATUSES] = watch
        statuses = [
            select_properties(self._wire_status(self._status_of(key)), watch.properties)
            for key in keys
        ]
        message = {
            "__type": TYPE_USER_STATUS,
            "isDelta": False,
            "userStatusList": statuses,
        }
        self._push(session, message)
        self._host.pulse()

    def unwatch_user_statuses(self, session: SimSession) -> None:
        """Stop a session's user-status subscription."""
        session.subscriptions.pop(USER_STATUSES, None)
        self._host.pulse()

    def watch_catalogue(self, session: SimSession) -> None:
        """Start the catalogue subscription; the first message lists every status.

        [guess] Every message carries ``isDelta`` [doc]; the first is ``false`` and names the
        whole catalogue as added.
        """
        session.subscriptions[CATALOGUE] = True
        self._push(
            session,
            self._catalogue_message(
                session, added=list(self._catalogue.values()), is_delta=False
            ),
        )
        self._host.pulse()

    def unwatch_catalogue(self, session: SimSession) -> None:
        """Stop the catalogue subscription."""
        session.subscriptions.pop(CATALOGUE, None)
        self._host.pulse()

    def watch_access(self, session: SimSession, user_ids: Sequence[str]) -> None:
        """Start (or replace) the access-list subscription; the first message is full.

        [guess] As for the catalogue: ``isDelta: false`` with each watched user's whole list
        as added.
        """
        keys = list(dict.fromkeys(user.casefold() for user in user_ids))
        session.subscriptions[ACCESS] = frozenset(keys)
        changes = [
            {
                "userId": self._spelling(key),
                "statusMessagesAdded": self.wire_access(key),
                "statusMessagesRemoved": [],
            }
            for key in keys
            if self._user_key(key) is not None
        ]
        self._push(session, self._access_message(changes, is_delta=False))
        self._host.pulse()

    def unwatch_access(self, session: SimSession) -> None:
        """Stop the access-list subscription."""
        session.subscriptions.pop(ACCESS, None)
        self._host.pulse()

    # ---- messages --------------------------------------------------------------------

    def _catalogue_message(
        self,
        session: SimSession,
        *,
        added: Iterable[SimulatedStatusMessage] = (),
        changed: Iterable[SimulatedStatusMessage] = (),
        removed: Iterable[str] = (),
        is_delta: bool = True,
    ) -> dict[str, Any]:
        language, session_id = session.language, session.session_id
        return {
            "__type": TYPE_STATUS_MESSAGES,
            "isDelta": is_delta,
            "statusMessagesAdded": [m.to_wire(language, session_id) for m in added],
            "statusMessagesChanged": [m.to_wire(language, session_id) for m in changed],
            "statusMessagesRemoved": list(removed),
        }

    @staticmethod
    def _access_message(
        changes: list[dict[str, Any]], *, is_delta: bool = True
    ) -> dict[str, Any]:
        return {
            "__type": TYPE_USER_ACCESS,
            "isDelta": is_delta,
            "statusMessagesUserAccessChanges": changes,
        }

    def _fan_out_status(
        self, key: str, old: SimulatedUserStatus, new: SimulatedUserStatus
    ) -> None:
        """Send a delta to every session watching the user, if it sees a change."""
        self._statuses[key] = new
        old_wire, new_wire = self._wire_status(old), self._wire_status(new)
        for session, watch in self._watching(key):
            delta = status_delta(
                select_properties(old_wire, watch.properties),
                select_properties(new_wire, watch.properties),
            )
            if delta is not None:
                message = {
                    "__type": TYPE_USER_STATUS,
                    "isDelta": True,
                    "userStatusList": [delta],
                }
                self._push(session, message)
        self._host.pulse()

    def _fan_out_access(self, key: str, added: list[str], removed: list[str]) -> None:
        if not added and not removed:
            return
        change = {
            "userId": self._spelling(key),
            "statusMessagesAdded": [self._spelled(s) for s in added],
            "statusMessagesRemoved": [self._spelled(s) for s in removed],
        }
        for session in self._host.sessions.subscribers(ACCESS):
            if key in session.subscriptions[ACCESS]:
                self._push(session, self._access_message([change]))
        self._host.pulse()

    # ---- changing statuses -----------------------------------------------------------

    def set_user_status(
        self,
        user_id: str,
        status_id: str,
        *,
        notes: str = "",
        forward_number: str = "",
        until: Until | None = None,
    ) -> SimulatedUserStatus:
        """Set a user's status as the server, the ACD or another client would.

        No access check (the ACD sets statuses nobody may pick). KeyError for an unknown user,
        ValueError for a status not in the catalogue. ``statusChanged`` moves only when the
        status itself changes [guess].
        """
        key = self._require_user(user_id)
        message = self.find_status_message(status_id)
        if message is None:
            raise ValueError(f"unknown status: {status_id}")
        old = self._status_of(key)
        changed_at = old.status_changed
        if old.status_id.casefold() != message.key:
            changed_at = self.clock()
        new = replace(
            old,
            status_id=message.status_id,
            notes=notes,
            forward_number=forward_number,
            until=until,
            status_changed=changed_at,
        )
        self._fan_out_status(key, old, new)
        return new

    def request_status(
        self,
        session: SimSession,
        body: Mapping[str, Any],
        change: StatusChange,
        user_id: str | None = None,
    ) -> str:
        """Apply a session's accepted change of a status (``None``: its user's).

        Returns the change's ``requestId``.
        """
        user_id = user_id or session.user_id
        self._requests.append(
            StatusRequest(session.session_id, user_id, dict(body), 202)
        )
        self.set_user_status(
            user_id,
            change.status_id,
            notes=change.notes,
            forward_number=change.forward_number,
            until=change.until,
        )
        request_id = uuid.uuid4().hex
        if self.completion_messages:
            self._push(
                session,
                {
                    "__type": TYPE_ASYNC_COMPLETED,
                    "isDelta": False,
                    "requestId": request_id,
                },
            )
        return request_id

    def record_refusal(
        self, session: SimSession, user_id: str, body: Mapping[str, Any], status: int
    ) -> None:
        """Remember a refused status change (for tests that check nothing was applied)."""
        self._requests.append(
            StatusRequest(session.session_id, user_id, dict(body), status)
        )
        self._host.pulse()

    def set_on_phone(self, user_id: str, on_phone: bool) -> None:
        """Say whether the user is on the phone (``onPhone``), as a call would."""
        key = self._require_user(user_id)
        old = self._status_of(key)
        if old.on_phone != on_phone:
            new = replace(old, on_phone=on_phone, on_phone_changed=self.clock())
            self._fan_out_status(key, old, new)

    def set_logged_in(self, user_id: str, logged_in: bool) -> None:
        """Say whether CIC counts the user as logged in anywhere (``loggedIn``)."""
        key = self._require_user(user_id)
        old = self._status_of(key)
        self._fan_out_status(key, old, replace(old, logged_in=logged_in))

    def stations_changed(self, user_id: str) -> None:
        """Recompute the user's ``stations`` after a station logon or logoff."""
        key = self._user_key(user_id)
        if key is None or key not in self._statuses:
            return
        old = self._statuses[key]
        self._fan_out_status(key, old, replace(old, stations=self._stations_of(key)))

    def resend_user_status(self, user_id: str) -> None:
        """Send watchers the user's whole status again as a delta (a repeat, no change)."""
        key = self._require_user(user_id)
        wire = self._wire_status(self._status_of(key))
        for session, watch in self._watching(key):
            message = {
                "__type": TYPE_USER_STATUS,
                "isDelta": True,
                "userStatusList": [select_properties(wire, watch.properties)],
            }
            self._push(session, message)
        self._host.pulse()

    # ---- changing the catalogue and access lists -------------------------------------

    def put_status_message(self, message: SimulatedStatusMessage) -> None:
        """Add a status to the catalogue, or change the one with the same id.

        Catalogue watchers are told (added or changed, in their own language). A changed
        status keeps its id's spelling; a new status joins no access list by itself.
        """
        old = self._catalogue.get(message.key)
        if old is not None:
            message = replace(message, status_id=old.status_id)
        if old == message:
            return
        for key in self._host_user_keys():
            self._access_of(key)  # fix default access lists before the catalogue grows
        self._catalogue[message.key] = message
        for session in self._host.sessions.subscribers(CATALOGUE):
            if old is None:
                self._push(session, self._catalogue_message(session, added=[message]))
            else:
                self._push(session, self._catalogue_message(session, changed=[message]))
        self._host.pulse()

    def remove_status_message(self, status_id: str) -> None:
        """Remove a status from the catalogue and from every access list.

        KeyError when the catalogue has no such status. Users in it keep it [guess].
        """
        message = self._catalogue.pop(status_id.casefold(), None)
        if message is None:
            raise KeyError(status_id)
        for session in self._host.sessions.subscribers(CATALOGUE):
            self._push(
                session, self._catalogue_message(session, removed=[message.status_id])
            )
        for key, access in self._access.items():
            kept = [s for s in access if s.casefold() != message.key]
            if len(kept) != len(access):
                self._access[key] = kept
                self._fan_out_access(key, [], [message.status_id])
        self._host.pulse()

    def _host_user_keys(self) -> list[str]:
        return [user.casefold() for user in self._host.user_ids]

    def set_access(self, user_id: str, status_ids: Iterable[str]) -> None:
        """Replace a user's access list; watchers get what was added and removed.

        ValueError for a status the catalogue does not have.
        """
        key = self._require_user(user_id)
        wanted: list[str] = []
        for status_id in status_ids:
            message = self.find_status_message(status_id)
            if message is None:
                raise ValueError(f"unknown status: {status_id}")
            if message.status_id not in wanted:
                wanted.append(message.status_id)
        old = self._access_of(key)
        old_keys = {s.casefold() for s in old}
        new_keys = {s.casefold() for s in wanted}
        added = [s for s in wanted if s.casefold() not in old_keys]
        removed = [s for s in old if s.casefold() not in new_keys]
        self._access[key] = wanted
        self._fan_out_access(key, added, removed)

    def grant_access(self, user_id: str, *status_ids: str) -> None:
        """Add statuses to a user's access list."""
        self.set_access(user_id, [*self.access(user_id), *status_ids])

    def revoke_access(self, user_id: str, *status_ids: str) -> None:
        """Take statuses out of a user's access list."""
        gone = {s.casefold() for s in status_ids}
        self.set_access(
            user_id, [s for s in self.access(user_id) if s.casefold() not in gone]
        )

    # ---- control snapshot ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Describe the status part of the server (for ``GET /_simulator/status``)."""
        server = self._host.server_name
        return {
            "version": self.version,
            "statusMessages": [m.status_id for m in self._catalogue.values()],
            "users": {
                self._spelling(key): {
                    "status": self._status_of(key).to_wire(server),
                    "access": list(self._access_of(key)),
                    "watchers": len(self.watchers(key)),
                }
                for key in self._host_user_keys()
            },
        }
