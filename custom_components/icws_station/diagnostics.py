"""Diagnostics: what a maintainer needs to understand a problem, and nothing personal.

Kept: feature versions, modes, timings, counts (workgroups, activations, statistics), and
which fields are present. Redacted:
secrets, the account, the server's address, remote numbers, the SIP identity, and the
status's notes and forward number (only whether they are set). Colleagues are counted,
never named: no id, name or note of theirs. Errors are kept by kind only: the server's
own texts can quote personal data.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import CONF_REMOTE_NUMBER
from .icws import Station
from .models import IcwsStationConfigEntry
from .status import StatusData

TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_URL,
    CONF_REMOTE_NUMBER,
    "unique_id",
    "title",
    "sip_address",
    "sip_user",
    "notes",
    "forward_number",
    "remote_name",
}


def _station(station: Station) -> dict[str, Any]:
    """The station's fields; a remote-number station is named after its number too."""
    fields = async_redact_data(station.as_dict(), TO_REDACT)
    if station.remote_number:
        for key, value in fields.items():
            if value == station.remote_number:
                fields[key] = REDACTED
    return fields


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IcwsStationConfigEntry
) -> dict[str, Any]:
    """Return the entry, the server's features, the session, the station and its errors."""
    data = entry.runtime_data
    session, station, status, calls, voicemail = (
        data.session,
        data.station,
        data.status,
        data.calls,
        data.voicemail,
    )
    info = session.client.login_info
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
            "version": str(info.version) if info and info.version else None,
            "features": dict(info.features) if info else {},
            "alternate_hosts": len(info.alternate_hosts) if info else 0,
        },
        "session": {
            "live": session.live,
            "logins": session.logins,
            "outages": session.outages,
            "retrieval_mode": {
                "configured": session.retrieval_mode.value,
                "effective": session.effective_retrieval_mode.value,
            },
            "errors": [
                {"time": time.isoformat(), "error": kind}
                for time, kind in session.errors
            ],
        },
        "station": {
            "last_update_success": station.last_update_success,
            "logged_off_by_server": station.logged_off_reason is not None,
            "station": _station(station.data) if station.data else None,
        },
        "status": {
            "last_update_success": status.last_update_success,
            "status": _status(status.data) if status.data else None,
        }
        if status.supported
        else None,
        "calls": calls.diagnostics() if calls.supported else None,
        "voicemail": voicemail.diagnostics() if voicemail.supported else None,
        "colleagues": {
            "last_update_success": data.colleagues.last_update_success,
            "watched": data.colleagues.watched,
            "reported": data.colleagues.reported,
        }
        if data.colleagues.supported
        else None,
        "activations": (
            data.activations.diagnostics() if data.activations.supported else None
        ),
        "wallboard": data.wallboard.diagnostics() if data.wallboard.supported else None,
    }


def _status(current: StatusData) -> dict[str, Any]:
    """Describe the status without its personal details (notes, forward number)."""
    user = current.status
    return {
        "status_id": user.status_id,
        "has_notes": bool(user.notes),
        "has_forward_number": bool(user.forward_number),
        "until": user.until.isoformat() if user.until else None,
        "logged_in": user.logged_in,
        "on_phone": user.on_phone,
        "stations": len(user.stations),
        "in_catalogue": current.message is not None,
        "catalogue": len(current.catalogue),
        "choices": len(current.choices),
    }
