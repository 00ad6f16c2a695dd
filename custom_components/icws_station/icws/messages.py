"""Parsing of ICWS messages into typed values, tolerant of whatever the server sends.

A message that cannot be understood is dropped (``parse_message`` returns ``None``) rather
than raising: one bad message from the server must not stop the stream of good ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
import logging
from typing import Any, Final

from .fields import (
    FieldTable,
    InvalidFieldError,
    attributes,
    boolean,
    connection_state,
    integer,
    string,
)
from .models import ConnectionState, MediaType, Secret, Station, StationSetting
from .queues import QUEUE_CONTENTS_MESSAGE, QueueContentsMessage, queue_contents_message
from .status import (
    STATUS_CATALOGUE_MESSAGE,
    USER_ACCESS_MESSAGE,
    USER_STATUS_MESSAGE,
    StatusCatalogueMessage,
    UserStatusAccessMessage,
    UserStatusMessage,
    status_catalogue_message,
    user_access_message,
    user_status_message,
)

_LOGGER = logging.getLogger(__name__)


class Complaints:
    """Warn about the first bad message of a kind, then only at debug level.

    A misbehaving server can send thousands; the log should say so once per client, not
    flood. Each client keeps its own, so one bad server does not silence another's.
    """

    def __init__(self) -> None:
        """Start with nothing reported."""
        self._seen: set[str] = set()

    def __call__(self, kind: str, text: str, *args: object) -> None:
        """Report one bad message of ``kind``."""
        if kind in self._seen:
            _LOGGER.debug(text, *args)
            return
        self._seen.add(kind)
        _LOGGER.warning(
            "%s (more of these are logged at debug level)",
            text % args if args else text,
        )


STATION_MESSAGE: Final = "urn:inin.com:connection:stationConnectionStateChangeMessage"
CONNECTION_MESSAGE: Final = "urn:inin.com:connection:connectionStateChangeMessage"

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
            station = replace(current, **self.changes)
        elif all(name in self.changes for name in _REQUIRED):
            station = Station(**self.changes)
        else:
            # A delta with no station to merge into, lacking required fields: nothing to show.
            return current
        return None if _is_empty(station) else station


@dataclass(frozen=True, slots=True)
class ConnectionStateMessage:
    """A ``connectionStateChangeMessage``: the session went up or down."""

    previous_state: ConnectionState | None
    new_state: ConnectionState
    reason: str | None
    should_reconnect: bool


type Message = (
    StationMessage
    | ConnectionStateMessage
    | UserStatusMessage
    | StatusCatalogueMessage
    | UserStatusAccessMessage
    | QueueContentsMessage
)


def _is_empty(station: Station) -> bool:
    # "Station removed" comes as stationSetting 0 (docs/icws-protocol.md §5 [guess]); an
    # empty id is tolerated as the same thing.
    return station.station_setting == StationSetting.NONE or not station.id


def _station_changes(raw: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Return the station attributes of a message, or ``None`` for "no station"."""
    if "newStationInfo" in raw:
        info = raw["newStationInfo"]
        if info is None:
            return None
        if not isinstance(info, dict):
            raise InvalidFieldError
    else:
        info = {key: value for key, value in raw.items() if key not in _ENVELOPE_KEYS}
    if not info:
        return None
    # A null field is left out, as if absent.
    present = {name: value for name, value in info.items() if value is not None}
    changes = attributes(present, _FIELDS, _REQUIRED, "station")
    setting = changes.get("station_setting")
    if setting == StationSetting.NONE or changes.get("id") == "":
        return None
    return changes


def _station_message(raw: Mapping[str, Any]) -> StationMessage:
    is_delta = raw.get("isDelta", False)
    if not isinstance(is_delta, bool):
        raise InvalidFieldError
    return StationMessage(is_delta=is_delta, changes=_station_changes(raw))


def _connection_message(raw: Mapping[str, Any]) -> ConnectionStateMessage:
    new_state = connection_state(raw.get("newConnectionState"))
    if new_state is None:
        raise InvalidFieldError
    reason = raw.get("reason")
    should_reconnect = raw.get("shouldReconnect", True)
    return ConnectionStateMessage(
        previous_state=connection_state(raw.get("previousConnectionState")),
        new_state=new_state,
        reason=reason if isinstance(reason, str) else None,
        should_reconnect=should_reconnect
        if isinstance(should_reconnect, bool)
        else True,
    )


_PARSERS: Final[Mapping[str, Callable[[Mapping[str, Any]], Message]]] = {
    STATION_MESSAGE: _station_message,
    CONNECTION_MESSAGE: _connection_message,
    USER_STATUS_MESSAGE: user_status_message,
    STATUS_CATALOGUE_MESSAGE: status_catalogue_message,
    USER_ACCESS_MESSAGE: user_access_message,
    QUEUE_CONTENTS_MESSAGE: queue_contents_message,
}


def parse_message(raw: object, complain: Complaints | None = None) -> Message | None:
    """Turn one decoded message into a typed one; ``None`` when unknown or invalid.

    A malformed message of a known type is reported to ``complain`` (at debug level
    without one).
    """
    if not isinstance(raw, dict):
        _LOGGER.debug("Ignoring a message that is not an object")
        return None
    kind = raw.get("__type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None or not isinstance(kind, str):
        _LOGGER.debug("Ignoring a message of type %.100r", kind)
        return None
    try:
        return parser(raw)
    except InvalidFieldError:
        name = kind.rsplit(":", 1)[-1]
        if complain is None:
            _LOGGER.debug("Ignoring a malformed %s", name)
        else:
            complain(kind, "Ignoring a malformed %s", name)
        return None
