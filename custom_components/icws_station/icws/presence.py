"""The user's status (presence): models and messages of docs/icws-protocol.md §9.

Status ids compare without case (a real server sent both "Do Not disturb" and "Available"),
so every mapping here is keyed by :func:`status_key`; key names are matched without case too
(one client spells ``isACDStatus``). Unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

USER_STATUS_MESSAGE: Final = "urn:inin.com:status:userStatusMessage"
STATUS_MESSAGES_MESSAGE: Final = "urn:inin.com:status:statusMessagesMessage"
USER_ACCESS_MESSAGE: Final = "urn:inin.com:status:statusMessagesUserAccessMessage"


class InvalidStatusError(Exception):
    """A status object lacked a required field or had one of the wrong type."""


def status_key(status_id: str) -> str:
    """Return the key a status id is compared by (case-insensitive)."""
    return status_id.strip().casefold()


def parse_date(value: object) -> datetime | None:
    """Parse the compact ISO form (``20210706T193229Z``) or any ISO 8601 date; else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def compact_date(moment: datetime) -> str:
    """Format a moment in the compact UTC form the server uses."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _folded(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).casefold(): value for key, value in raw.items()}


def _text(raw: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = raw.get(key.casefold(), default)
    if not isinstance(value, str):
        raise InvalidStatusError(key)
    return value


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    return raw.get(key.casefold()) is True


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


@dataclass(frozen=True, slots=True)
class UserStatus:
    """A user's status; ``notes`` and ``forward_number`` are personal data."""

    user_id: str
    status_id: str
    notes: str = ""
    forward_number: str = ""
    until: datetime | None = None
    on_phone: bool = False
    on_phone_changed: datetime | None = None
    status_changed: datetime | None = None
    stations: tuple[str, ...] = ()
    ic_servers: tuple[str, ...] = ()
    logged_in: bool = False


# Wire name (folded) -> attribute, for the optional fields a delta may carry.
_OPTIONAL: Final[Mapping[str, str]] = {
    "notes": "notes",
    "forwardnumber": "forward_number",
    "until": "until",
    "onphone": "on_phone",
    "onphonechanged": "on_phone_changed",
    "statuschanged": "status_changed",
    "stations": "stations",
    "icservers": "ic_servers",
    "loggedin": "logged_in",
}


def _status_changes(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the attributes a ``userStatus`` object carries (only those it carries)."""
    folded = _folded(raw)
    changes: dict[str, Any] = {
        "user_id": _text(folded, "userId"),
        "status_id": _text(folded, "statusId"),
    }
    for wire, attribute in _OPTIONAL.items():
        if wire not in folded:
            continue
        value = folded[wire]
        if attribute in {"notes", "forward_number"}:
            changes[attribute] = value if isinstance(value, str) else ""
        elif attribute == "until":
            until = value if isinstance(value, dict) else {}
            changes[attribute] = parse_date(_folded(until).get("untildatetime"))
        elif attribute in {"on_phone", "logged_in"}:
            changes[attribute] = value is True
        elif attribute in {"stations", "ic_servers"}:
            changes[attribute] = _texts(value)
        else:
            changes[attribute] = parse_date(value)
    return changes


def parse_user_status(raw: object) -> UserStatus:
    """Parse a full ``userStatus`` object (a one-off read)."""
    if not isinstance(raw, dict):
        raise InvalidStatusError("userStatus")
    return UserStatus(**_status_changes(raw))


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """One status of the server's catalogue; ``message_text`` is in the session's language."""

    status_id: str
    message_text: str
    icon_uri: str = ""
    group_tag: str = ""
    can_have_date: bool = False
    can_have_time: bool = False
    is_do_not_disturb: bool = False
    is_selectable: bool = False
    is_persistent: bool = False
    is_forward: bool = False
    is_after_call_work: bool = False
    is_acd: bool = False
    is_allow_follow_up: bool = False
    system_id: str = ""


_FLAGS: Final[Mapping[str, str]] = {
    "canHaveDate": "can_have_date",
    "canHaveTime": "can_have_time",
    "isDoNotDisturbStatus": "is_do_not_disturb",
    "isSelectableStatus": "is_selectable",
    "isPersistentStatus": "is_persistent",
    "isForwardStatus": "is_forward",
    "isAfterCallWorkStatus": "is_after_call_work",
    "isAcdStatus": "is_acd",
    "isAllowFollowUpStatus": "is_allow_follow_up",
}


def parse_status_message(raw: object) -> StatusMessage:
    """Parse a ``statusMessage``; only ``statusId`` is needed (text falls back to it)."""
    if not isinstance(raw, dict):
        raise InvalidStatusError("statusMessage")
    folded = _folded(raw)
    status_id = _text(folded, "statusId")
    text = folded.get("messagetext")
    return StatusMessage(
        status_id=status_id,
        message_text=text if isinstance(text, str) and text else status_id,
        icon_uri=_text(folded, "iconUri", ""),
        group_tag=_text(folded, "groupTag", ""),
        system_id=_text(folded, "systemId", ""),
        **{attribute: _flag(folded, wire) for wire, attribute in _FLAGS.items()},
    )


@dataclass(frozen=True, slots=True)
class UserStatusMessage:
    """A ``userStatusMessage``: full (replace the cache) or delta (merge by user)."""

    is_delta: bool
    statuses: tuple[Mapping[str, Any], ...]

    def apply(self, current: Mapping[str, UserStatus]) -> dict[str, UserStatus]:
        """Return the statuses by casefolded user id after this message."""
        result = dict(current) if self.is_delta else {}
        for changes in self.statuses:
            key = str(changes["user_id"]).casefold()
            known = result.get(key)
            result[key] = (
                replace(known, **changes)
                if known is not None
                else UserStatus(**changes)
            )
        return result


@dataclass(frozen=True, slots=True)
class StatusMessagesMessage:
    """A ``statusMessagesMessage``: statuses added, changed and removed in the catalogue.

    A full message (``isDelta: false``, the first after subscribing) replaces the catalogue.
    """

    is_delta: bool
    added: tuple[StatusMessage, ...]
    changed: tuple[StatusMessage, ...]
    removed: tuple[str, ...]

    def apply(self, current: Mapping[str, StatusMessage]) -> dict[str, StatusMessage]:
        """Return the catalogue by status key after this message."""
        result = dict(current) if self.is_delta else {}
        for message in (*self.added, *self.changed):
            result[status_key(message.status_id)] = message
        for status_id in self.removed:
            result.pop(status_key(status_id), None)
        return result


@dataclass(frozen=True, slots=True)
class UserStatusAccessMessage:
    """A ``statusMessagesUserAccessMessage``: statuses users may now pick, or no longer.

    Each change is (user id, added status ids, removed status ids).
    """

    is_delta: bool
    changes: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]

    def apply(self, current: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
        """Return each user's status keys, by casefolded user id, after this message."""
        result = dict(current) if self.is_delta else {}
        for user_id, added, removed in self.changes:
            key = user_id.casefold()
            gone = {status_key(status_id) for status_id in removed}
            kept = result.get(key, frozenset()) - gone
            result[key] = kept | {status_key(status_id) for status_id in added}
        return result


def _is_delta(raw: Mapping[str, Any], default: bool) -> bool:
    value = raw.get("isDelta", default)
    if not isinstance(value, bool):
        raise InvalidStatusError("isDelta")
    return value


def _list(raw: Mapping[str, Any], key: str) -> list[Any]:
    value = _folded(raw).get(key.casefold(), [])
    if not isinstance(value, list):
        raise InvalidStatusError(key)
    return value


def parse_user_status_message(raw: Mapping[str, Any]) -> UserStatusMessage:
    """Parse a ``userStatusMessage``."""
    statuses = []
    for item in _list(raw, "userStatusList"):
        if not isinstance(item, dict):
            raise InvalidStatusError("userStatus")
        statuses.append(_status_changes(item))
    return UserStatusMessage(_is_delta(raw, False), tuple(statuses))


def parse_status_messages_message(raw: Mapping[str, Any]) -> StatusMessagesMessage:
    """Parse a ``statusMessagesMessage``."""
    return StatusMessagesMessage(
        # [guess] Without isDelta, a catalogue message only adds to what is known.
        is_delta=_is_delta(raw, True),
        added=tuple(
            parse_status_message(item) for item in _list(raw, "statusMessagesAdded")
        ),
        changed=tuple(
            parse_status_message(item) for item in _list(raw, "statusMessagesChanged")
        ),
        removed=_texts(_list(raw, "statusMessagesRemoved")),
    )


def parse_user_access_message(raw: Mapping[str, Any]) -> UserStatusAccessMessage:
    """Parse a ``statusMessagesUserAccessMessage``."""
    changes = []
    for item in _list(raw, "statusMessagesUserAccessChanges"):
        if not isinstance(item, dict):
            raise InvalidStatusError("statusMessagesUserAccessChange")
        changes.append(
            (
                _text(_folded(item), "userId"),
                _texts(_list(item, "statusMessagesAdded")),
                _texts(_list(item, "statusMessagesRemoved")),
            )
        )
    return UserStatusAccessMessage(_is_delta(raw, True), tuple(changes))


def status_body(
    status_id: str,
    notes: str | None,
    forward_number: str | None,
    until: datetime | None,
) -> dict[str, Any]:
    """Build the body of ``PUT status/user-statuses/{userId}``."""
    body: dict[str, Any] = {"statusId": status_id}
    if notes is not None:
        body["notes"] = notes
    if forward_number is not None:
        body["forwardNumber"] = forward_number
    if until is not None:
        body["until"] = {
            "untilDateTime": compact_date(until),
            "hasDate": True,
            "hasTime": True,
        }
    return body
