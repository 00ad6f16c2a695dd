"""Immutable, typed views of what the ICWS server says.

Enums tolerate numbers the server adds in later versions (see :mod:`.enums`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from .enums import TolerantIntEnum

_MASK: Final = "**********"


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or formatted output.

    ``reveal()`` is the one way to the value, so a secret cannot leak by accident into a log
    line, an exception or a serialised dict.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Wrap ``value``."""
        self._value = value

    def reveal(self) -> str:
        """Return the value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        """Mask the value."""
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        """Mask the value."""
        return _MASK

    def __eq__(self, other: object) -> bool:
        """Compare by value, so an unchanged secret does not count as a change."""
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        """Hash by value, consistent with equality."""
        return hash(self._value)


class StationSetting(TolerantIntEnum):
    """How the session is connected to its station (``stationSetting``)."""

    NONE = 0
    WORKSTATION = 1
    REMOTE_WORKSTATION = 2
    REMOTE_NUMBER = 3


class MediaType(TolerantIntEnum):
    """Interaction media types a station accepts (``allowedMediaTypes``)."""

    NONE = 0
    CALL = 1
    CHAT = 2
    EMAIL = 3
    GENERIC = 4
    CALLBACK = 5
    SMS_MESSAGE = 6
    WORK_ITEM = 7
    DIRECT_MESSAGE = 8  # connection feature 13
    SOCIAL_CONVERSATION = 9  # connection feature 13


class ConnectionState(TolerantIntEnum):
    """State of the ICWS session in a ``connectionStateChangeMessage``."""

    NONE = 0
    UP = 1
    DOWN = 2


class RetrievalMode(StrEnum):
    """How messages are fetched: server-sent events when the server offers them, or polling."""

    AUTO = "auto"
    SSE = "sse"
    POLL = "poll"


@dataclass(frozen=True, slots=True)
class Station:
    """The station the session is connected to, as the station subscription reports it.

    ``sip_password`` is a :class:`Secret`, left out of ``repr``, equality and :meth:`as_dict`.
    """

    id: str
    extension: str
    station_setting: StationSetting
    can_be_dialed: bool | None = None
    ring_always: bool | None = None
    sip_address: str | None = None
    sip_user: str | None = None
    sip_password: Secret | None = field(default=None, repr=False, compare=False)
    remote_number: str | None = None
    allowed_media_types: tuple[MediaType, ...] = ()
    managed_ip_phone: str | None = None  # connection feature 15
    emergency_responder_location_id: str | None = None  # connection feature 15

    def as_dict(self) -> dict[str, Any]:
        """Return the station as plain data for diagnostics; the SIP password is left out."""
        return {
            "id": self.id,
            "extension": self.extension,
            "station_setting": self.station_setting.name.lower(),
            "can_be_dialed": self.can_be_dialed,
            "ring_always": self.ring_always,
            "sip_address": self.sip_address,
            "sip_user": self.sip_user,
            "remote_number": self.remote_number,
            "allowed_media_types": [
                media.name.lower() for media in self.allowed_media_types
            ],
            "managed_ip_phone": self.managed_ip_phone,
            "emergency_responder_location_id": self.emergency_responder_location_id,
        }


@dataclass(frozen=True, slots=True)
class SessionState:
    """What the server says about the session (``GET /icws/{sessionId}/connection``)."""

    state: ConnectionState
    reason: str | None = None
    should_reconnect: bool = True


@dataclass(frozen=True, slots=True)
class ServerVersion:
    """The CIC server's version, as ``include=version`` reports it."""

    major: str | None = None
    minor: str | None = None
    su: str | None = None
    build: str | None = None
    product_id: str | None = None
    display: str | None = None

    def __str__(self) -> str:
        """Prefer the server's own display string (e.g. ``2018 R5``)."""
        if self.display:
            return self.display
        parts = [part for part in (self.major, self.minor) if part]
        text = ".".join(parts) or "unknown"
        if self.su:
            text += f" SU {self.su}"
        return text


@dataclass(frozen=True, slots=True)
class LoginInfo:
    """What the server said about itself and the user on a successful login."""

    user_id: str
    user_display_name: str
    server_name: str
    host: str
    features: Mapping[str, int] = field(default_factory=dict)
    version: ServerVersion | None = None
    alternate_hosts: tuple[str, ...] = ()

    def feature_version(self, feature_id: str) -> int:
        """Return a feature's version; 0 means the server does not offer it."""
        return self.features.get(feature_id, 0)

    @property
    def supports_sse(self) -> bool:
        """Whether messages can be streamed as server-sent events (messaging 2)."""
        return self.feature_version("messaging") >= 2

    @property
    def supports_status(self) -> bool:
        """Whether users' statuses can be read, watched and set (status 1)."""
        return self.feature_version("status") >= 1

    @property
    def supports_queues(self) -> bool:
        """Whether the user's queue can be watched (queues 1)."""
        return self.feature_version("queues") >= 1

    @property
    def reports_managed_ip_phone(self) -> bool:
        """Whether stations carry managedIPPhone and the emergency location (connection 15)."""
        return self.feature_version("connection") >= 15


@dataclass(frozen=True, slots=True)
class WorkstationSettings:
    """Connect the session to a workstation defined on the server."""

    workstation: str

    def to_wire(self) -> dict[str, Any]:
        """Return the request body."""
        return {
            "__type": "urn:inin.com:connection:workstationSettings",
            "workstation": self.workstation,
        }


@dataclass(frozen=True, slots=True)
class RemoteWorkstationSettings:
    """Connect to a workstation whose calls ring at a remote number."""

    workstation: str
    remote_number: str

    def to_wire(self) -> dict[str, Any]:
        """Return the request body."""
        return {
            "__type": "urn:inin.com:connection:remoteWorkstationSettings",
            "workstation": self.workstation,
            "remoteNumber": self.remote_number,
        }


@dataclass(frozen=True, slots=True)
class RemoteNumberSettings:
    """Connect to a remote phone number, optionally kept connected between calls."""

    remote_number: str
    persistent: bool = False

    def to_wire(self) -> dict[str, Any]:
        """Return the request body."""
        return {
            "__type": "urn:inin.com:connection:remoteNumberSettings",
            "remoteNumber": self.remote_number,
            "persistentConnection": self.persistent,
        }


@dataclass(frozen=True, slots=True)
class StationlessSettings:
    """Use the session without a station."""

    def to_wire(self) -> dict[str, Any]:
        """Return the request body."""
        return {"__type": "urn:inin.com:connection:stationlessSettings"}


type StationSettings = (
    WorkstationSettings
    | RemoteWorkstationSettings
    | RemoteNumberSettings
    | StationlessSettings
)
