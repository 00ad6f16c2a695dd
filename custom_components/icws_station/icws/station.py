"""The session's station: its model, the settings that connect one, and its wire messages.

``docs/icws-protocol.md`` §5 (messages) and §11 (connecting). Enums keep numbers a newer
server adds (see :mod:`.enums`); a station field of the wrong type is ignored unless the
field is required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from .enums import TolerantIntEnum
from .fields import (
    FieldTable,
    InvalidFieldError,
    attributes,
    boolean,
    integer,
    is_delta,
    string,
)
from .models import Secret

STATION_MESSAGE: Final = "urn:inin.com:connection:stationConnectionStateChangeMessage"


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


# Keys of a station message that are not station fields (the flat shape of the vendor's page,
# docs/icws-protocol.md §5, puts the station's fields beside these).
_ENVELOPE_KEYS: Final = frozenset(
    {"__type", "isDelta", "previousStationInfo", "newStationInfo"}
)


def _setting(value: object) -> StationSetting:
    return StationSetting(integer(value))


def _media_types(value: object) -> tuple[MediaType, ...]:
    if not isinstance(value, list):
        raise InvalidFieldError
    return tuple(MediaType(integer(item)) for item in value)


def _secret(value: object) -> Secret:
    return Secret(string(value))


# Wire name -> (attribute of Station, parser).
_FIELDS: Final[FieldTable] = {
    "id": ("id", string),
    "extension": ("extension", string),
    "stationSetting": ("station_setting", _setting),
    "canBeDialed": ("can_be_dialed", boolean),
    "ringAlways": ("ring_always", boolean),
    "sipAddress": ("sip_address", string),
    "sipUser": ("sip_user", string),
    "sipPassword": ("sip_password", _secret),
    "remoteNumber": ("remote_number", string),
    "allowedMediaTypes": ("allowed_media_types", _media_types),
    "managedIPPhone": ("managed_ip_phone", string),
    "emergencyResponderLocationID": ("emergency_responder_location_id", string),
}
_REQUIRED: Final = ("id", "extension", "station_setting")


@dataclass(frozen=True, slots=True)
class StationMessage:
    """A ``stationConnectionStateChangeMessage``.

    ``changes`` holds the station attributes the message carries; ``None`` means the session
    has no station (any more).
    """

    is_delta: bool
    changes: Mapping[str, Any] | None

    def apply(self, current: Station | None) -> Station | None:
        """Return the station after this message: a full message replaces, a delta merges."""
        if self.changes is None:
            return None
        if self.is_delta and current is not None:
            return replace(current, **self.changes)
        if all(name in self.changes for name in _REQUIRED):
            return Station(**self.changes)
        # A delta with no station to merge into, lacking required fields: nothing to show.
        return current


def _changes(info: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Read a station object's attributes; ``None`` means "no station".

    Raises :class:`InvalidFieldError` when a required field has the wrong type.
    """
    if not info:
        return None
    # A null field is left out, as if absent.
    present = {name: value for name, value in info.items() if value is not None}
    changes = attributes(present, _FIELDS, _REQUIRED, "station")
    # "Station removed" comes as stationSetting 0 (docs/icws-protocol.md §5 [guess]); an
    # empty id is tolerated as the same thing.
    if changes.get("station_setting") == StationSetting.NONE or changes.get("id") == "":
        return None
    return changes


def station(info: Mapping[str, Any]) -> Station | None:
    """Read a whole station object (a one-off read); ``None`` means "no station".

    Raises :class:`InvalidFieldError` when it lacks a required field or has one of the
    wrong type.
    """
    changes = _changes(info)
    if changes is None:
        return None
    if not all(name in changes for name in _REQUIRED):
        raise InvalidFieldError
    return Station(**changes)


def station_message(raw: Mapping[str, Any]) -> StationMessage:
    """Parse a ``stationConnectionStateChangeMessage``, nested or flat."""
    if "newStationInfo" in raw:
        info = raw["newStationInfo"]
        if info is not None and not isinstance(info, dict):
            raise InvalidFieldError
    else:
        info = {key: value for key, value in raw.items() if key not in _ENVELOPE_KEYS}
    changes = None if info is None else _changes(info)
    return StationMessage(is_delta=is_delta(raw), changes=changes)
