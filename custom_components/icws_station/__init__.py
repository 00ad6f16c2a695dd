"""The ICWS Station integration: a Genesys PureConnect user's station in Home Assistant."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import HomeAssistant

from .const import CONF_POLL_INTERVAL, CONF_RETRIEVAL_MODE
from .coordinator import IcwsStationConfigEntry, IcwsStationCoordinator
from .icws import RetrievalMode

PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: IcwsStationConfigEntry) -> bool:
    """Log in, connect the station, subscribe, and keep it so in the background."""
    coordinator = IcwsStationCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    coordinator.start()
    # async_listen, not async_listen_once: removing a once-listener that already fired
    # (unload after stop) makes Home Assistant log an error.
    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, coordinator.async_stop)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> bool:
    """Unload the platforms; the coordinator's shutdown ends the session."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


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
