"""Actions: choose the station of a session, set the user's status, act on calls, dial.

Registered once in ``async_setup`` (they exist while no entry is loaded, and say so).
A station choice sticks: it is saved into the entry's options without a reload, so it
survives a reconnect and a restart, and the options flow shows it. A status lives on the
CIC server, so setting it changes nothing in the entry. Safe by default: without
``user_id`` the status set is the user's own; with it, a colleague's, which the server
allows supervisors only. The call actions act on the user's own calls only
(``call_control.py`` picks the call and checks the input before anything is sent); ``dial``
answers with the new call's ``interaction_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util

from .call_control import (
    CallAction,
    StationlessRefusalError,
    dial_target,
    dtmf,
    transfer_target,
)
from .calls import CallsCoordinator
from .const import (
    ATTR_DIGITS,
    ATTR_FORWARD_NUMBER,
    ATTR_INTERACTION_ID,
    ATTR_MUTE,
    ATTR_NOTES,
    ATTR_NUMBER,
    ATTR_STATUS,
    ATTR_TARGET,
    ATTR_UNTIL,
    ATTR_USER_ID,
    ATTR_WORKGROUP,
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from .exceptions import translated_errors
from .icws import (
    IcwsInteractionError,
    IcwsResponseError,
    IcwsStationError,
    StationSetting,
)
from .models import IcwsStationConfigEntry
from .station import STATION_FIELDS, station_options, station_type_key

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

SERVICE_CONNECT_STATION: Final = "connect_station"
SERVICE_DISCONNECT_STATION: Final = "disconnect_station"
SERVICE_SET_STATUS: Final = "set_status"
SERVICE_DIAL: Final = "dial"

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


CALL_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_INTERACTION_ID): cv.string,
    }
)

CALL_SCHEMAS: Final = {
    CallAction.ANSWER: CALL_SCHEMA,
    CallAction.END: CALL_SCHEMA,
    CallAction.HOLD: CALL_SCHEMA,
    CallAction.RESUME: CALL_SCHEMA,
    CallAction.MUTE: CALL_SCHEMA.extend(
        {vol.Optional(ATTR_MUTE, default=True): cv.boolean}
    ),
    CallAction.TRANSFER: CALL_SCHEMA.extend({vol.Required(ATTR_TARGET): cv.string}),
    CallAction.SEND_DIGITS: CALL_SCHEMA.extend({vol.Required(ATTR_DIGITS): cv.string}),
}

DIAL_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_NUMBER): cv.string,
        vol.Optional(ATTR_WORKGROUP): cv.string,
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
        try:
            await status.async_set_status(
                call.data[ATTR_STATUS],
                notes=call.data.get(ATTR_NOTES),
                forward_number=call.data.get(ATTR_FORWARD_NUMBER),
                # A time without zone is Home Assistant's local time.
                until=dt_util.as_utc(until) if until is not None else None,
                user_id=user_id,
            )
        except ValueError as err:  # a user_id that is no user id: nothing was sent
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_user_id",
                translation_placeholders={"user": user_id or ""},
            ) from err


def _call_refusal(err: IcwsResponseError) -> str:
    """A refused call action: no station to carry the call, the call gone, or refused."""
    if isinstance(err, StationlessRefusalError):
        return "call_needs_station"
    if isinstance(err, IcwsInteractionError) and err.not_found:
        return "call_gone"
    return "call_refused"


async def async_act_on_call(
    calls: CallsCoordinator,
    action: CallAction,
    interaction_id: str | None = None,
    *,
    on: bool = True,
    target: str = "",
    digits: str = "",
) -> str:
    """Act on one of the user's calls, errors translated; return the call's id.

    The call buttons press through here too.
    """
    with translated_errors(calls.session, refused=_call_refusal):
        return await calls.async_act(
            action, interaction_id, on=on, target=target, digits=digits
        )


async def _async_call_action(call: ServiceCall) -> None:
    entry = _loaded_entry(call)
    action = CallAction(call.service)
    # A field left empty in the action editor names no call.
    interaction_id = call.data.get(ATTR_INTERACTION_ID, "").strip() or None
    await async_act_on_call(
        entry.runtime_data.calls,
        action,
        interaction_id,
        on=call.data.get(ATTR_MUTE, True),
        target=transfer_target(call.data[ATTR_TARGET])
        if action is CallAction.TRANSFER
        else "",
        digits=dtmf(call.data[ATTR_DIGITS]) if action is CallAction.SEND_DIGITS else "",
    )


async def _async_dial(call: ServiceCall) -> ServiceResponse:
    entry = _loaded_entry(call)
    number = dial_target(call.data[ATTR_NUMBER])
    workgroup = call.data.get(ATTR_WORKGROUP, "").strip() or None
    with translated_errors(entry.runtime_data.session, refused=_call_refusal):
        interaction_id = await entry.runtime_data.calls.async_dial(number, workgroup)
    return {"interaction_id": interaction_id}


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
    for action, schema in CALL_SCHEMAS.items():
        hass.services.async_register(
            DOMAIN, action.value, _async_call_action, schema=schema
        )
    hass.services.async_register(
        DOMAIN,
        SERVICE_DIAL,
        _async_dial,
        schema=DIAL_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
