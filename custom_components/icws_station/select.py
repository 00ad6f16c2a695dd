"""The user's status as a choice: the statuses they may pick, set on the CIC server."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import IcwsStationConfigEntry
from .entity import IcwsEntity, IcwsEntityDescription
from .presence import StatusCoordinator

# Every option goes to the server and comes back as a message; one request at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IcwsSelectEntityDescription(IcwsEntityDescription, SelectEntityDescription):
    """The status select's description."""


STATUS_SELECT = IcwsSelectEntityDescription(key="status", translation_key="status")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the status select when the server has the status feature."""
    if (coordinator := entry.runtime_data.status) is not None:
        async_add_entities([IcwsStatusSelect(coordinator, STATUS_SELECT)])


class IcwsStatusSelect(IcwsEntity[StatusCoordinator], SelectEntity):
    """The statuses the user may pick (access list and selectable), by their text.

    A status the user cannot pick (one the ACD set) shows as unknown here and by its text
    on the status sensor; the options stay what the user may choose.
    """

    entity_description: IcwsSelectEntityDescription

    @property
    def options(self) -> list[str]:
        """Return the texts of the statuses the user may pick, in catalogue order."""
        presence = self.coordinator.data
        return list(presence.choices) if presence else []

    @property
    def current_option(self) -> str | None:
        """Return the option of the current status, if the user could pick it."""
        if (presence := self.coordinator.data) is None:
            return None
        current = presence.message
        return next(
            (text for text, message in presence.choices.items() if message == current),
            None,
        )

    async def async_select_option(self, option: str) -> None:
        """Set the status on the server; the state follows the server's message."""
        await self.coordinator.async_set_status(option)
