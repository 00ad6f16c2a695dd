"""The station a session logs on to: its type, the fields each type needs, its settings.

The client's :class:`StationSetting` is the one station-type enum; the integration stores and
shows it as ``setting.name.lower()``. Options, action data and flow input share the field
keys below, so one mapping serves the config flow, the coordinator and the actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
)
from .icws import (
    RemoteNumberSettings,
    RemoteWorkstationSettings,
    StationSetting,
    StationSettings,
    WorkstationSettings,
)

# The fields each station type takes, in the order a form asks for them. ``persistent`` is
# optional (False when absent); the others are required.
STATION_FIELDS: Final[Mapping[StationSetting, tuple[str, ...]]] = MappingProxyType(
    {
        StationSetting.NONE: (),
        StationSetting.WORKSTATION: (CONF_WORKSTATION,),
        StationSetting.REMOTE_WORKSTATION: (CONF_WORKSTATION, CONF_REMOTE_NUMBER),
        StationSetting.REMOTE_NUMBER: (CONF_REMOTE_NUMBER, CONF_PERSISTENT),
    }
)

# The types a user can choose, as stored in options and shown by selectors and sensors.
STATION_TYPES: Final = tuple(setting.name.lower() for setting in STATION_FIELDS)


def station_type_key(setting: StationSetting) -> str:
    """Return the integration's name of a station type (``remote_number``)."""
    return setting.name.lower()


def station_type(data: Mapping[str, Any]) -> StationSetting:
    """Return the station type in options or action data; none chosen means no station.

    Raises ``ValueError`` for a name that is not a type a user can choose.
    """
    key = data.get(CONF_STATION_TYPE) or station_type_key(StationSetting.NONE)
    if key not in STATION_TYPES:
        raise ValueError(f"Unknown station type: {key}")
    return StationSetting[key.upper()]


def station_options(
    setting: StationSetting, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the options that store a station: its type and its fields, text trimmed."""
    options: dict[str, Any] = {CONF_STATION_TYPE: station_type_key(setting)}
    for key in STATION_FIELDS[setting]:
        value = values.get(key, False) if key == CONF_PERSISTENT else values[key]
        options[key] = value.strip() if isinstance(value, str) else value
    return options


def station_settings(data: Mapping[str, Any]) -> StationSettings | None:
    """Return what to connect the session to; ``None`` leaves the session without a station.

    Raises ``ValueError`` for an unknown type and ``KeyError`` for a missing required field.
    """
    setting = station_type(data)
    options = station_options(setting, data)
    match setting:
        case StationSetting.WORKSTATION:
            return WorkstationSettings(options[CONF_WORKSTATION])
        case StationSetting.REMOTE_WORKSTATION:
            return RemoteWorkstationSettings(
                options[CONF_WORKSTATION], options[CONF_REMOTE_NUMBER]
            )
        case StationSetting.REMOTE_NUMBER:
            return RemoteNumberSettings(
                options[CONF_REMOTE_NUMBER], persistent=options[CONF_PERSISTENT]
            )
    return None
