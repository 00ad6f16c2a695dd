"""Diagnostics: what a maintainer needs to understand a problem, with every secret redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .coordinator import IcwsStationConfigEntry

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME, "unique_id", "title"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> dict[str, Any]:
    """Return the entry, the server's answer to the login, the station and recent errors."""
    coordinator = entry.runtime_data
    info = coordinator.client.login_info
    station = coordinator.data
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "server": {
            "host": coordinator.client.url.host,
            "connected": coordinator.connected,
            "version": str(info.version) if info and info.version else None,
            "features": dict(info.features) if info else {},
            "alternate_hosts": list(info.alternate_hosts) if info else [],
        },
        "retrieval_mode": {
            "configured": coordinator.retrieval_mode.value,
            "effective": coordinator.effective_retrieval_mode.value,
            "poll_interval": coordinator.poll_interval,
        },
        "station": station.as_dict() if station else None,
        "last_update_success": coordinator.last_update_success,
        "errors": [
            {"time": time.isoformat(), "error": text}
            for time, text in coordinator.errors
        ],
    }
