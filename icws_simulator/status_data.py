"""Status data and how it is put on the wire (docs/icws-protocol.md §9).

The catalogue's statuses with their texts per language, a user's status, dates in the
compact form and deltas: protocol facts kept apart from the rules of ``status.py``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

DEFAULT_LANGUAGE: Final = "en"
# Compact ISO dates, e.g. "20210706T193229Z" [seen].
COMPACT_DATE: Final = "%Y%m%dT%H%M%SZ"


def compact_date(moment: datetime) -> str:
    """Format a moment as a server does: UTC, compact, to the second."""
    return moment.astimezone(UTC).strftime(COMPACT_DATE)


def parse_date(text: str) -> datetime:
    """Parse the compact form (or any ISO 8601 form) into an aware UTC datetime.

    Raises ValueError for anything else.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:  # [guess] a date without zone is the server's, i.e. UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def language_of(tag: str) -> str:
    """Return the primary subtag of a language tag (``de-DE`` -> ``de``)."""
    return (
        tag.split("-", maxsplit=1)[0].split("_", maxsplit=1)[0].strip().lower()
        or DEFAULT_LANGUAGE
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedStatusMessage:
    """One status of the catalogue; ``message_text`` maps a language to its text.

    The text for ``en`` is required: a session in any other language falls back to it.
    """

    status_id: str
    message_text: Mapping[str, str]
    group_tag: str = "Available"
    can_have_date: bool = False
    can_have_time: bool = False
    is_do_not_disturb: bool = False
    is_selectable: bool = True
    is_persistent: bool = False
    is_forward: bool = False
    is_after_call_work: bool = False
    is_acd: bool = False
    is_allow_follow_up: bool = False
    system_id: str = ""

    def __post_init__(self) -> None:
        """Refuse a status without an id or an English text."""
        if not self.status_id:
            raise ValueError("status_id must not be empty")
        if not self.message_text.get(DEFAULT_LANGUAGE):
            raise ValueError("message_text needs an 'en' text")

    @property
    def key(self) -> str:
        """Return the catalogue key: status ids compare case-insensitively [seen]."""
        return self.status_id.casefold()

    def text(self, language: str) -> str:
        """Return the text for a session language, falling back to English."""
        return (
            self.message_text.get(language_of(language))
            or self.message_text[DEFAULT_LANGUAGE]
        )

    def to_wire(self, language: str, session_id: str) -> dict[str, Any]:
        """Return the ``statusMessage`` object; every field is required [doc]."""
        return {
            "statusId": self.status_id,
            "messageText": self.text(language),
            # [guess] The icon path shape is not recorded; the simulator serves it.
            "iconUri": f"/icws/{session_id}/status/status-message-icons/{self.status_id}",
            "groupTag": self.group_tag,
            "canHaveDate": self.can_have_date,
            "canHaveTime": self.can_have_time,
            "isDoNotDisturbStatus": self.is_do_not_disturb,
            "isSelectableStatus": self.is_selectable,
            "isPersistentStatus": self.is_persistent,
            "isForwardStatus": self.is_forward,
            "isAfterCallWorkStatus": self.is_after_call_work,
            "isAcdStatus": self.is_acd,
            "isAllowFollowUpStatus": self.is_allow_follow_up,
            "systemId": self.system_id or self.status_id,
        }


def _status(
    status_id: str, en: str, de: str, fr: str, **flags: Any
) -> SimulatedStatusMessage:
    return SimulatedStatusMessage(
        status_id=status_id,
        message_text=MappingProxyType({"en": en, "de": de, "fr": fr}),
        **flags,
    )


def default_status_messages() -> tuple[SimulatedStatusMessage, ...]:
    """Return the statuses a new CIC server defines (docs/icws-protocol.md §9).

    Texts in English, German and French; ``AcdAgentNotAnswering`` is a status the ACD sets and
    nobody can pick.
    """
    return (
        _status(
            "Available", "Available", "Verfügbar", "Disponible", is_allow_follow_up=True
        ),
        _status(
            "Available No ACD",
            "Available, No ACD",
            "Verfügbar, kein ACD",
            "Disponible, sans ACD",
        ),
        _status(
            "Available Forward",
            "Available, Forward",
            "Verfügbar, Weiterleitung",
            "Disponible, renvoi",
            is_forward=True,
        ),
        _status(
            "At Lunch",
            "At Lunch",
            "Mittagspause",
            "Déjeuner",
            group_tag="Away",
            can_have_time=True,
        ),
        _status(
            "Do Not Disturb",
            "Do Not Disturb",
            "Nicht stören",
            "Ne pas déranger",
            group_tag="Busy",
            is_do_not_disturb=True,
        ),
        _status(
            "Gone Home",
            "Gone Home",
            "Nach Hause gegangen",
            "Rentré à la maison",
            group_tag="Offline",
            is_persistent=True,
        ),
        _status(
            "In a Meeting",
            "In a Meeting",
            "In einer Besprechung",
            "En réunion",
            group_tag="Busy",
            can_have_time=True,
        ),
        _status(
            "Out of the Office",
            "Out of the Office",
            "Außer Haus",
            "Absent du bureau",
            group_tag="Away",
            can_have_date=True,
            can_have_time=True,
            is_persistent=True,
        ),
        _status(
            "On Vacation",
            "On Vacation",
            "Im Urlaub",
            "En vacances",
            group_tag="Offline",
            can_have_date=True,
            is_persistent=True,
        ),
        _status(
            "Follow Up",
            "Follow Up",
            "Nachbearbeitung",
            "Suivi",
            group_tag="Busy",
            is_after_call_work=True,
        ),
        _status(
            "AcdAgentNotAnswering",
            "ACD - Agent Not Answering",
            "ACD - Agent antwortet nicht",
            "ACD - L'agent ne répond pas",
            group_tag="Busy",
            is_selectable=False,
            is_acd=True,
        ),
    )


@dataclass(frozen=True, slots=True)
class Until:
    """The optional end of a status: a moment and which parts of it count [doc]."""

    moment: datetime
    has_date: bool = True
    has_time: bool = True

    def to_wire(self) -> dict[str, Any]:
        """Return the ``until`` object."""
        return {
            "untilDateTime": compact_date(self.moment),
            "hasDate": self.has_date,
            "hasTime": self.has_time,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedUserStatus:
    """A user's status as the server keeps it."""

    user_id: str
    status_id: str
    notes: str = ""
    forward_number: str = ""
    until: Until | None = None
    on_phone: bool = False
    on_phone_changed: datetime
    status_changed: datetime
    stations: tuple[str, ...] = ()
    logged_in: bool = True

    def to_wire(self, server_name: str) -> dict[str, Any]:
        """Return the full ``userStatus`` object [doc]."""
        return {
            "userId": self.user_id,
            "statusId": self.status_id,
            "notes": self.notes,
            "forwardNumber": self.forward_number,
            "until": None if self.until is None else self.until.to_wire(),
            "onPhone": self.on_phone,
            "onPhoneChanged": compact_date(self.on_phone_changed),
            "statusChanged": compact_date(self.status_changed),
            "stations": list(self.stations),
            "icServers": [server_name],
            "loggedIn": self.logged_in,
        }


def select_properties(
    wire: Mapping[str, Any], properties: frozenset[str] | None
) -> dict[str, Any]:
    """Keep ``userId``, ``statusId`` and the asked-for optional properties."""
    if properties is None:
        return dict(wire)
    return {
        key: value
        for key, value in wire.items()
        if key in {"userId", "statusId"} or key in properties
    }


def status_delta(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Return the required fields and the changed ones, or None when nothing changed.

    [guess] A delta carries only what changed; a cleared field comes as ``""`` or null, so a
    client that merges keeps nothing stale.
    """
    changed = {key: value for key, value in new.items() if old.get(key) != value}
    if not changed:
        return None
    return {"userId": new["userId"], "statusId": new["statusId"]} | changed
