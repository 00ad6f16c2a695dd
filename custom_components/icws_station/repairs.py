"""Repairs: a session the server ended for good can be started again from its issue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, override

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

if TYPE_CHECKING:
    from homeassistant.components.repairs import RepairsFlowResult


def station_issue_id(entry_id: str) -> str:
    """The issue of a station the server refused."""
    return f"station_{entry_id}"


def session_issue_id(entry_id: str) -> str:
    """The issue of a session the server ended, asking not to reconnect."""
    return f"session_{entry_id}"


class ReconnectRepairFlow(ConfirmRepairFlow):
    """Show the server's reason; once confirmed, reload the entry: a new login."""

    def __init__(self, entry_id: str) -> None:
        """Remember which entry to reconnect."""
        super().__init__()
        self.entry_id = entry_id

    @override
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        if user_input is not None:
            self.hass.config_entries.async_schedule_reload(self.entry_id)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow that reconnects the entry named in the issue's data."""
    if data is None or not isinstance(entry_id := data.get("entry_id"), str):
        raise ValueError(f"Issue {issue_id} names no entry")
    return ReconnectRepairFlow(entry_id)
