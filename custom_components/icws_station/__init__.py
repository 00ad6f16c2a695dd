"""The ICWS Station integration: a Genesys PureConnect user's session in Home Assistant."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .calls import CallsCoordinator
from .const import CONF_POLL_INTERVAL, CONF_RETRIEVAL_MODE, DOMAIN
from .coordinator import IcwsRuntimeData, IcwsStationConfigEntry, StationCoordinator
from .icws import RetrievalMode
from .presence import StatusCoordinator
from .repairs import session_issue_id, station_issue_id
from .services import async_setup_services
from .session import IcwsSession

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
]

# Set up from config entries only; a YAML block for the domain gets a clear error.
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which exist whether or not an entry is loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: IcwsStationConfigEntry) -> bool:
    """Log in, let each coordinator set up its part, and keep the session live."""
    await _async_migrate_unique_ids(hass, entry)
    session = IcwsSession(hass, entry)
    station = StationCoordinator(hass, entry, session)
    status = StatusCoordinator(hass, entry, session)
    entry.runtime_data = IcwsRuntimeData(
        session=session, station=station, status=status
    )
    calls = CallsCoordinator(hass, entry, session, status)
    entry.runtime_data.calls = calls
    await session.async_start()
    if not status.supported:
        # The server has no status feature: no status entities, nothing else changes.
        entry.runtime_data.status = None
    if calls.source is None:
        # Neither the queue watch nor the status: no call entities.
        entry.runtime_data.calls = None

    async def stop(_event: Event) -> None:
        await session.async_stop()

    # async_listen, not async_listen_once: removing a once-listener that already fired
    # (unload after stop) makes Home Assistant log an error.
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, stop))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


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
    """Remove the entry's repair issues with it."""
    for issue_id in (
        station_issue_id(entry.entry_id),
        session_issue_id(entry.entry_id),
    ):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def _async_migrate_unique_ids(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> None:
    """Keep the server connection's entity when its key became its name."""

    @callback
    def migrate(entity: er.RegistryEntry) -> dict[str, str] | None:
        if entity.unique_id == f"{entry.unique_id}_server_connected":
            return {"new_unique_id": f"{entry.unique_id}_server_connection"}
        return None

    await er.async_migrate_entries(hass, entry.entry_id, migrate)


async def async_migrate_entry(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> bool:
    """Bring a 1.1 entry to 1.2.

    1.2: the polling interval is fixed, so its option goes; forced streaming becomes
    Automatic, which streams wherever the server can. The unique ID stays as it was, even in
    the older form (``<user>@<icServer>``): the entities and the device are keyed by it.
    """
    if entry.version > 1:
        # From a later release; older Home Assistant releases ask to migrate it down.
        return False
    options = {
        key: value for key, value in entry.options.items() if key != CONF_POLL_INTERVAL
    }
    if options.get(CONF_RETRIEVAL_MODE) == RetrievalMode.SSE:
        options[CONF_RETRIEVAL_MODE] = RetrievalMode.AUTO.value
    hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    return True
