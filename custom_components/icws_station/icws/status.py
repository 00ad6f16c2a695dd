"""The users' statuses: the server's catalogue of them, who has which, and their messages.

``docs/icws-protocol.md`` §9. A :class:`StatusDefinition` is one entry of the catalogue (the
wire calls it a ``statusMessage``). Status ids and user ids are compared case-insensitively (a
real server sent ``"Do Not disturb"`` and ``"Available"``): caches are keyed by
:func:`id_key`. Unknown fields are ignored; a malformed entry of a list is skipped, not the
whole message.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
import logging
from typing import Any, Final

from .fields import (
    FieldTable,
    InvalidFieldError,
    attributes,
    boolean,
    folded,
    is_delta,
    object_list,
    string,
    strings,
    timestamp,
)

_LOGGER = logging.getLogger(__name__)

USER_STATUS_MESSAGE: Final = "urn:inin.com:status:userStatusMessage"
STATUS_CATALOGUE_MESSAGE: Final = "urn:inin.com:status:statusMessagesMessage"
USER_ACCESS_MESSAGE: Final = "urn:inin.com:status:statusMessagesUserAccessMessage"


def id_key(identifier: str) -> str:
    """Return the key under which a status or user id is compared and cached."""
    return identifier.casefold()


@dataclass(frozen=True, slots=True)
class UserStatus:
    """One user's status. ``notes`` and ``forward_number`` are personal: not in ``repr``."""

    user_id: str
    status_id: str
    notes: str | None = field(default=None, repr=False)
    forward_number: str | None = field(default=None, repr=False)
    until: datetime | None = None
    on_phone: bool | None = None
    on_phone_changed: datetime | None = None
    status_changed: datetime | None = None
    stations: tuple[str, ...] = ()
    ic_servers: tuple[str, ...] = ()
    logged_in: bool | None = None


@dataclass(frozen=True, slots=True)
class StatusDefinition:
    """A status of the server's catalogue; show ``message_text`` (localised)."""

    status_id: str
    message_text: str
    icon_uri: str | None = None
    group_tag: str | None = None
    can_have_date: bool = False
    can_have_time: bool = False
    is_do_not_disturb: bool = False
    is_selectable: bool = False
    is_persistent: bool = False
    is_forward: bool = False
    is_after_call_work: bool = False
    is_acd: bool = False
    is_allow_follow_up: bool = False
    system_id: str | None = None


def _until(value: object) -> datetime | None:
    """Read ``until``: an object with ``untilDateTime`` (or, tolerated, the date alone)."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = folded(value).get("untildatetime")
        if value is None:
            return None
    return timestamp(value)


def _optional_text(value: object) -> str | None:
    return None if value is None else string(value)


# Case-folded wire name -> (attribute of UserStatus, parser). Nullable values clear.
_STATUS_FIELDS: Final[FieldTable] = {
    "statusid": ("status_id", string),
    "notes": ("notes", _optional_text),
    "forwardnumber": ("forward_number", _optional_text),
    "until": ("until", _until),
    "onphone": ("on_phone", boolean),
    "onphonechanged": ("on_phone_changed", timestamp),
    "statuschanged": ("status_changed", timestamp),
    "stations": ("stations", strings),
    "icservers": ("ic_servers", strings),
    "loggedin": ("logged_in", boolean),
}


@dataclass(frozen=True, slots=True)
class UserStatusChange:
    """The fields one message gives for one user; absent fields keep their value."""

    user_id: str
    changes: Mapping[str, Any]

    def merged(self, old: UserStatus | None, *, is_delta: bool) -> UserStatus | None:
        """Return the user's status after this change (None: nothing to show yet).

        A delta merges the given fields into ``old``; a full message's entry stands alone.
        """
        if old is not None and is_delta:
            return replace(old, **self.changes)
        if "status_id" in self.changes:
            return UserStatus(user_id=self.user_id, **self.changes)
        # A delta for a user not known yet, without a status: nothing to show.
        return None


def user_status_change(raw: Mapping[str, Any]) -> UserStatusChange:
    """Read one ``userStatus``; a wrongly typed optional field is ignored."""
    wire = folded(raw)
    user_id = string(wire.get("userid"))
    changes = attributes(wire, _STATUS_FIELDS, {"status_id"}, "user status")
    return UserStatusChange(user_id, changes)


def user_status(raw: object) -> UserStatus:
    """Read a whole ``userStatus`` (a one-off read); raises if it lacks the required ids."""
    if not isinstance(raw, dict):
        raise InvalidFieldError
    change = user_status_change(raw)
    if "status_id" not in change.changes:
        raise InvalidFieldError
    return UserStatus(user_id=change.user_id, **change.changes)


@dataclass(frozen=True, slots=True)
class UserStatusMessage:
    """A ``userStatusMessage``: full (``is_delta`` false) or changes merged by user id."""

    is_delta: bool
    statuses: tuple[UserStatusChange, ...]

    def apply(
        self,
        current: Mapping[str, UserStatus],
        users: Container[str] | None = None,
    ) -> dict[str, UserStatus]:
        """Return the statuses after this message, keyed by :func:`id_key` of user ids.

        A full message replaces the whole cache (never dropped); a delta merges each user's
        given fields. ``users`` (keys) takes only those users' entries: one subscription
        watches everyone the session shows, and each reader keeps its own.
        """
        result = dict(current) if self.is_delta else {}
        for change in self.statuses:
            key = id_key(change.user_id)
            if users is not None and key not in users:
                continue
            status = change.merged(result.get(key), is_delta=self.is_delta)
            if status is not None:
                result[key] = status
        return result


def user_status_message(raw: Mapping[str, Any]) -> UserStatusMessage:
    """Parse a ``userStatusMessage``."""
    wire = folded(raw)
    statuses: list[UserStatusChange] = []
    for item in object_list(wire.get("userstatuslist")):
        try:
            statuses.append(user_status_change(item))
        except InvalidFieldError:
            _LOGGER.debug("Ignoring a user status without user or status id")
    return UserStatusMessage(is_delta(wire), tuple(statuses))


_FLAGS: Final = {
    "canhavedate": "can_have_date",
    "canhavetime": "can_have_time",
    "isdonotdisturbstatus": "is_do_not_disturb",
    "isselectablestatus": "is_selectable",
    "ispersistentstatus": "is_persistent",
    "isforwardstatus": "is_forward",
    "isaftercallworkstatus": "is_after_call_work",
    "isacdstatus": "is_acd",
    "isallowfollowupstatus": "is_allow_follow_up",
}


def status_definition(raw: Mapping[str, Any]) -> StatusDefinition:
    """Read one ``statusMessage``; flags of the wrong type count as false."""
    wire = folded(raw)
    status_id = string(wire.get("statusid"))
    text = wire.get("messagetext")
    flags = {attribute: wire.get(name) is True for name, attribute in _FLAGS.items()}
    return StatusDefinition(
        status_id=status_id,
        message_text=text if isinstance(text, str) and text else status_id,
        icon_uri=_text_or_none(wire.get("iconuri")),
        group_tag=_text_or_none(wire.get("grouptag")),
        system_id=_text_or_none(wire.get("systemid")),
        **flags,
    )


def status_definitions(items: object) -> tuple[StatusDefinition, ...]:
    """Read a list of ``statusMessage``; entries without a status id are skipped."""
    result: list[StatusDefinition] = []
    for item in object_list(items):
        try:
            result.append(status_definition(item))
        except InvalidFieldError:
            _LOGGER.debug("Ignoring a status definition without a status id")
    return tuple(result)


@dataclass(frozen=True, slots=True)
class StatusCatalogueMessage:
    """A ``statusMessagesMessage``: changes to the server's status catalogue."""

    added: tuple[StatusDefinition, ...]
    changed: tuple[StatusDefinition, ...]
    removed: tuple[str, ...]
    is_delta: bool = True

    def apply(
        self, current: Mapping[str, StatusDefinition]
    ) -> dict[str, StatusDefinition]:
        """Return the catalogue after this message, keyed by :func:`id_key`."""
        result = dict(current) if self.is_delta else {}
        for status_id in self.removed:
            result.pop(id_key(status_id), None)
        for definition in (*self.added, *self.changed):
            result[id_key(definition.status_id)] = definition
        return result


def status_catalogue_message(raw: Mapping[str, Any]) -> StatusCatalogueMessage:
    """Parse a ``statusMessagesMessage``."""
    wire = folded(raw)
    removed = wire.get("statusmessagesremoved")
    return StatusCatalogueMessage(
        added=status_definitions(wire.get("statusmessagesadded")),
        changed=status_definitions(wire.get("statusmessageschanged")),
        removed=() if removed is None else strings(removed),
        is_delta=is_delta(wire),
    )


@dataclass(frozen=True, slots=True)
class UserStatusAccessChange:
    """Statuses one user may now pick (``added``) or no longer (``removed``)."""

    user_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UserStatusAccessMessage:
    """A ``statusMessagesUserAccessMessage``: changes to users' access lists."""

    changes: tuple[UserStatusAccessChange, ...]
    is_delta: bool = True

    def apply(self, current: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
        """Return the access lists after this message, keyed by user id (folded).

        Status ids keep the server's spelling; they compare by :func:`id_key`.
        """
        result = dict(current) if self.is_delta else {}
        for change in self.changes:
            key = id_key(change.user_id)
            gone = {id_key(status_id) for status_id in change.removed}
            kept = {s for s in result.get(key, ()) if id_key(s) not in gone}
            known = {id_key(s) for s in kept}
            for status_id in change.added:
                if id_key(status_id) not in known:
                    kept.add(status_id)
                    known.add(id_key(status_id))
            result[key] = frozenset(kept)
        return result


def user_access_message(raw: Mapping[str, Any]) -> UserStatusAccessMessage:
    """Parse a ``statusMessagesUserAccessMessage``."""
    wire = folded(raw)
    changes: list[UserStatusAccessChange] = []
    for item in object_list(wire.get("statusmessagesuseraccesschanges")):
        entry = folded(item)
        try:
            user_id = string(entry.get("userid"))
            added = entry.get("statusmessagesadded")
            removed = entry.get("statusmessagesremoved")
            changes.append(
                UserStatusAccessChange(
                    user_id,
                    () if added is None else strings(added),
                    () if removed is None else strings(removed),
                )
            )
        except InvalidFieldError:
            _LOGGER.debug("Ignoring a malformed user access change")
    return UserStatusAccessMessage(tuple(changes), is_delta(wire))


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
