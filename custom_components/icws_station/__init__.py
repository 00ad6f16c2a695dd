"""The ICWS Station integration: a Genesys PureConnect user's session in Home Assistant."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .activations import ActivationsCoordinator
from .calls import CallsCoordinator
from .colleagues import ColleaguesCoordinator
from .const import CONF_POLL_INTERVAL, CONF_RETRIEVAL_MODE, DOMAIN
from .coordinator import IcwsSubentryCoordinator
from .entity import entry_device_info
from .icws import RetrievalMode
from .models import IcwsRuntimeData, IcwsStationConfigEntry
from .repairs import session_issue_id, station_issue_id
from .services import async_setup_services
from .session import PENDING_LOGOUTS, IcwsSession
from .station import StationCoordinator
from .status import StatusCoordinator
from .voicemail import VoicemailCoordinator
from .wallboard import WallboardCoordinator

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

# Set up from config entries only; a YAML block for the domain gets a clear error.
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which exist whether or not an entry is loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: IcwsStationConfigEntry) -> bool:
    """Log in, let each concern set up its part, and keep the session live."""
    session = IcwsSession(hass, entry)
    station = StationCoordinator(hass, entry, session)
    status = StatusCoordinator(hass, entry, session)
    runtime_data = IcwsRuntimeData(
        session=session,
        station=station,
        status=status,
        calls=CallsCoordinator(hass, entry, session, status, station),
        voicemail=VoicemailCoordinator(hass, entry, session),
        colleagues=ColleaguesCoordinator(hass, entry, session, status),
        activations=ActivationsCoordinator(hass, entry, session),
        wallboard=WallboardCoordinator(hass, entry, session),
    )
    await session.async_start(runtime_data.coordinators)
    entry.runtime_data = runtime_data
    # The service device of the session, there before the devices linked to it.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **entry_device_info(runtime_data.station)
    )
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))

    async def stop(_event: Event) -> None:
        await session.async_stop()

    # async_listen, not async_listen_once: removing a once-listener that already fired
    # (unload after stop) makes Home Assistant log an error.
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, stop))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_entry_updated(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> None:
    """Reload only for what a new session needs; follow the rest in the running one.

    The one place that decides: a new address, account, password or TLS check, or another
    way of fetching messages, takes a new session. A station chosen (by the options flow
    or an action) is already connected in the running session, and subentries added or
    removed change only what it watches: logging out and in for those would cost the user
    their station for a moment, and the server a login.
    """
    data = entry.runtime_data
    if data.session.outdated():
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    for coordinator in data.coordinators:
        if isinstance(coordinator, IcwsSubentryCoordinator):
            await coordinator.async_sync_subentries()


async def async_unload_entry(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> bool:
    """Unload the platforms, then end the session before a new one may start."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.session.async_stop()
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> None:
    """Remove the entry's repair issues with it, and log out a session left pending."""
    if previous := hass.data.get(PENDING_LOGOUTS, {}).pop(entry.entry_id, None):
        client, http = previous
        await client.logout()
        http.detach()
    for issue_id in (
        station_issue_id(entry.entry_id),
        session_issue_id(entry.entry_id),
    ):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def async_migrate_entry(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> bool:
    """Bring an entry of version 1.1 or 1.2 to 1.3.

    1.2: the polling interval is fixed, so its option goes; forced streaming becomes
    Automatic, which streams wherever the server can. 1.3: the server connection's entity,
    keyed by its name now, keeps its history. The unique ID stays as it was, even in the
    older form (``<user>@<icServer>``): the entities and the device are keyed by it.
    """
    if entry.version > 1:
        # From a later release; older Home Assistant releases ask to migrate it down.
        return False
    if entry.minor_version < 2:
        options = {
            key: value
            for key, value in entry.options.items()
            if key != CONF_POLL_INTERVAL
        }
        if options.get(CONF_RETRIEVAL_MODE) == RetrievalMode.SSE:
            options[CONF_RETRIEVAL_MODE] = RetrievalMode.AUTO.value
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    if entry.minor_version < 3:

        @callback
        def migrate(entity: er.RegistryEntry) -> dict[str, str] | None:
            if entity.unique_id == f"{entry.unique_id}_server_connected":
                return {"new_unique_id": f"{entry.unique_id}_server_connection"}
            return None

        await er.async_migrate_entries(hass, entry.entry_id, migrate)
        hass.config_entries.async_update_entry(entry, minor_version=3)
    return True
