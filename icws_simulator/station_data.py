"""Station data and how it is put on the wire for a given ``connection`` feature version.

Kept apart from the station rules (``stations.py``) and the HTTP code because the field rules
(names, feature gates, required fields, the "no station" shape) are protocol facts that
change for their own reasons.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final, TypedDict, cast

# stationSetting values (docs/icws-protocol.md §5 [doc]).
STATION_SETTING_NONE: Final = 0
STATION_SETTING_WORKSTATION: Final = 1
STATION_SETTING_REMOTE_WORKSTATION: Final = 2
STATION_SETTING_REMOTE_NUMBER: Final = 3

# Media types that exist only from connection 13 on (directMessage, socialConversation)
# (docs/icws-protocol.md §3 [doc]).
MEDIA_TYPES_FROM_13: Final = frozenset({8, 9})
# connection version that adds managedIPPhone and emergencyResponderLocationID
# (docs/icws-protocol.md §3 [doc]).
VERSION_WITH_PHONE_FIELDS: Final = 15
VERSION_WITH_SOCIAL_MEDIA: Final = 13

# snake_case attribute -> camelCase wire name.
WIRE_NAMES: Final[Mapping[str, str]] = {
    "id": "id",
    "extension": "extension",
    "station_setting": "stationSetting",
    "can_be_dialed": "canBeDialed",
    "ring_always": "ringAlways",
    "sip_address": "sipAddress",
    "sip_user": "sipUser",
    "sip_password": "sipPassword",
    "remote_number": "remoteNumber",
    "allowed_media_types": "allowedMediaTypes",
    "managed_ip_phone": "managedIPPhone",
    "emergency_responder_location_id": "emergencyResponderLocationID",
}


class StationChanges(TypedDict, total=False):
    """Fields of a directory station that ``StationState.change`` may change.

    ``id`` (the key) and ``station_setting`` (how a session logged on) are not changeable.
    """

    extension: str
    can_be_dialed: bool
    ring_always: bool
    sip_address: str
    sip_user: str
    sip_password: str
    allowed_media_types: tuple[int, ...]
    managed_ip_phone: str
    emergency_responder_location_id: str
    remote_number: str


CHANGEABLE_FIELDS: Final = frozenset(StationChanges.__annotations__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedStation:
    """A station as the simulator knows it.

    In the simulator's directory every station is a workstation; a session's station
    connection is a copy with ``station_setting`` (and ``remote_number``) set by how the
    session logged on.
    """

    id: str
    extension: str
    station_setting: int = STATION_SETTING_WORKSTATION
    sip_address: str = ""
    sip_user: str = ""
    sip_password: str = ""
    allowed_media_types: tuple[int, ...] = (1, 2, 3)
    can_be_dialed: bool = True
    ring_always: bool = False
    managed_ip_phone: str = ""
    emergency_responder_location_id: str = ""
    remote_number: str = ""


def default_stations() -> list[SimulatedStation]:
    """Return the workstations a simulator has when none are given.

    SIP passwords are distinctive so tests can assert they never leak anywhere.
    """
    return [
        SimulatedStation(
            id=f"WS-{ext}",
            extension=ext,
            sip_address=f"sip:{ext}@cic01.example.test",
            sip_user=f"ws{ext}",
            sip_password=f"SIPpw-{ext}-Zq9x",
            allowed_media_types=media,
            managed_ip_phone=f"MIP-{ext}",
            emergency_responder_location_id="ERL-1",
        )
        for ext, media in (("114", (1, 2, 3)), ("115", (1, 2, 3, 8, 9)), ("201", (1,)))
    ]


def required_fields(connection_version: int) -> tuple[str, ...]:
    """Return the wire names that every station message carries, delta or not.

    The vendor's page marks managedIPPhone and emergencyResponderLocationID "Required"
    (connection 15) beside id and extension; stationSetting is required per the SDK schema
    (docs/icws-protocol.md §5 [doc]).
    """
    names: tuple[str, ...] = ("id", "extension", "stationSetting")
    if connection_version >= VERSION_WITH_PHONE_FIELDS:
        names += ("managedIPPhone", "emergencyResponderLocationID")
    return names


def station_info(station: SimulatedStation, connection_version: int) -> dict[str, Any]:
    """Build the camelCase station object a server of this feature version would send.

    Every field is sent, empty where it does not apply (the SDK example sends
    ``"remoteNumber": ""`` for a workstation [doc]); only feature gates leave fields out.
    """
    info: dict[str, Any] = {}
    for field in fields(SimulatedStation):
        name = field.name
        value = getattr(station, name)
        if (
            name in {"managed_ip_phone", "emergency_responder_location_id"}
            and connection_version < VERSION_WITH_PHONE_FIELDS
        ):
            continue
        if name == "allowed_media_types":
            value = [
                media
                for media in value
                if connection_version >= VERSION_WITH_SOCIAL_MEDIA
                or media not in MEDIA_TYPES_FROM_13
            ]
        info[WIRE_NAMES[name]] = value
    return info


def no_station_info(connection_version: int) -> dict[str, Any]:
    """Build the station object meaning "no station".

    [guess] A removed station is a station with stationSetting 0 (docs/icws-protocol.md §5);
    the other required fields are sent empty.
    """
    info: dict[str, Any] = dict.fromkeys(required_fields(connection_version), "")
    info["stationSetting"] = STATION_SETTING_NONE
    return info


def station_delta(
    old: SimulatedStation, new: SimulatedStation, connection_version: int
) -> dict[str, Any] | None:
    """Return the fields of an ``isDelta: true`` message for a change, or None if none shows.

    The delta holds the required fields plus the fields whose wire value changed; a change in
    a field this feature version does not send is no change at all.
    """
    before = station_info(old, connection_version)
    after = station_info(new, connection_version)
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    if not changed:
        return None
    required = {key: after[key] for key in required_fields(connection_version)}
    return required | changed


def coerce_changes(raw: Mapping[str, object]) -> StationChanges:
    """Check station changes that arrive as JSON (the HTTP control interface).

    Raises ValueError naming the first field that is unknown or has the wrong type.
    """
    changes: dict[str, object] = {}
    for name, value in raw.items():
        if name not in CHANGEABLE_FIELDS:
            raise ValueError(f"not a changeable station field: {name}")
        if name == "allowed_media_types":
            if not isinstance(value, list | tuple) or not all(
                isinstance(media, int) and not isinstance(media, bool)
                for media in value
            ):
                raise ValueError("allowed_media_types must be a list of integers")
            changes[name] = tuple(value)
        elif name in {"can_be_dialed", "ring_always"}:
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be a boolean")
            changes[name] = value
        elif not isinstance(value, str):
            raise ValueError(f"{name} must be a string")
        else:
            changes[name] = value
    return cast("StationChanges", changes)
