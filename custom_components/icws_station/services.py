"""Actions: choose the station of a session, and set the user's status.

Registered once in ``async_setup`` (they exist while no entry is loaded, and say so).
A station choice sticks: it is saved into the entry's options without a reload, so it
survives a reconnect and a restart, and the options flow shows it. A status lives on the
CIC server, so setting it changes nothing in the entry. Safe by default: without
``user_id`` the status set is the user's own; with it, a colleague's, which the server
allows supervisors only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util

from .const import (
    ATTR_FORWARD_NUMBER,
    ATTR_NOTES,
    ATTR_STATUS,
    ATTR_UNTIL,
    ATTR_USER_ID,
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from .exceptions import translated_errors
from .icws import IcwsResponseError, IcwsStationError, StationSetting
from .models import IcwsStationConfigEntry
from .station import STATION_FIELDS, station_options, station_type_key

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

SERVICE_CONNECT_STATION: Final = "connect_station"
SERVICE_DISCONNECT_STATION: Final = "disconnect_station"
SERVICE_SET_STATUS: Final = "set_status"

_STATION_TYPES: Final = [
    station_type_key(setting)
    for setting in STATION_FIELDS
    if setting is not StationSetting.NONE
]

CONNECT_STATION_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(CONF_STATION_TYPE): vol.In(_STATION_TYPES),
        vol.Optional(CONF_WORKSTATION): cv.string,
        vol.Optional(CONF_REMOTE_NUMBER): cv.string,
        vol.Optional(CONF_PERSISTENT, default=False): cv.boolean,
    }
)

DISCONNECT_STATION_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
)

SET_STATUS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_STATUS): vol.All(cv.string, vol.Strip, vol.Length(min=1)),
        vol.Optional(ATTR_NOTES): cv.string,
        vol.Optional(ATTR_UNTIL): cv.datetime,
        vol.Optional(ATTR_FORWARD_NUMBER): cv.string,
        vol.Optional(ATTR_USER_ID): vol.All(cv.string, vol.Strip, vol.Length(min=1)),
    }
)


@callback
def _loaded_entry(call: ServiceCall) -> IcwsStationConfigEntry:
    """Return the call's entry; a translated error when there is none or it is not loaded."""
    entry: IcwsStationConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return entry


def _station_refusal(err: IcwsResponseError) -> str:
    if isinstance(err, IcwsStationError) and err.not_found:
        return "station_not_found"
    return "station_refused"


async def _async_choose_station(
    entry: IcwsStationConfigEntry, call: ServiceCall, setting: StationSetting
) -> None:
    with translated_errors(entry.runtime_data.session, refused=_station_refusal):
        await entry.runtime_data.station.async_choose_station(
            station_options(setting, call.data)
        )


async def _async_connect_station(call: ServiceCall) -> None:
    entry = _loaded_entry(call)
    setting = StationSetting[call.data[CONF_STATION_TYPE].upper()]
    for field in STATION_FIELDS[setting]:
        if field != CONF_PERSISTENT and not str(call.data.get(field, "")).strip():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="missing_field",
                translation_placeholders={
                    "field": field,
                    "station_type": call.data[CONF_STATION_TYPE],
                },
            )
    await _async_choose_station(entry, call, setting)


async def _async_disconnect_station(call: ServiceCall) -> None:
    await _async_choose_station(_loaded_entry(call), call, StationSetting.NONE)


async def _async_set_status(call: ServiceCall) -> None:
    entry = _loaded_entry(call)
    status = entry.runtime_data.status
    if not status.supported:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="status_not_supported",
            translation_placeholders={"title": entry.title},
        )
    until = call.data.get(ATTR_UNTIL)
    user_id: str | None = call.data.get(ATTR_USER_ID)
    with translated_errors(
        entry.runtime_data.session,
        refused="status_refused" if user_id is None else "colleague_status_refused",
        status=call.data[ATTR_STATUS],
        user=user_id or "",
    ):
        await status.async_set_status(
            call.data[ATTR_STATUS],
            notes=call.data.get(ATTR_NOTES),
            forward_number=call.data.get(ATTR_FORWARD_NUMBER),
            # A time without zone is Home Assistant's local time.
            until=dt_util.as_utc(until) if until is not None else None,
            user_id=user_id,
        )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CONNECT_STATION,
        _async_connect_station,
        schema=CONNECT_STATION_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_DISCONNECT_STATION,
        _async_disconnect_station,
        schema=DISCONNECT_STATION_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_SET_STATUS, _async_set_status, schema=SET_STATUS_SCHEMA
    )
