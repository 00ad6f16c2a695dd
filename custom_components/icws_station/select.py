"""The user's status as a choice: the statuses they may pick, set on the CIC server."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import IcwsEntity, IcwsEntityDescription, supported
from .exceptions import translated_errors
from .models import IcwsStationConfigEntry
from .status import StatusCoordinator

# Every option goes to the server and comes back as a message; one request at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IcwsStatusSelectEntityDescription(
    IcwsEntityDescription[StatusCoordinator], SelectEntityDescription
):
    """The status select's description."""


# Its own name ("Set status"), so that the logbook tells it from the status sensor; the
# key, and with it the unique ID, stays.
STATUS_SELECTS: tuple[IcwsStatusSelectEntityDescription, ...] = (
    IcwsStatusSelectEntityDescription(key="status", translation_key="set_status"),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the status select when the server has the status feature."""
    status = entry.runtime_data.status
    async_add_entities(
        IcwsStatusSelect(status, description)
        for description in supported(status, STATUS_SELECTS)
    )


class IcwsStatusSelect(IcwsEntity[StatusCoordinator], SelectEntity):
    """The statuses the user may pick (access list and selectable), by their text.

    A status the user cannot pick (one the ACD set) still shows as the current option, by
    its text; picking it again changes nothing.
    """

    entity_description: IcwsStatusSelectEntityDescription

    @property
    def options(self) -> list[str]:
        """Return the texts of the statuses the user may pick, and the current one."""
        current = self.coordinator.data
        return current.options if current else []

    @property
    def current_option(self) -> str | None:
        """Return the current status's option."""
        current = self.coordinator.data
        return current.option if current else None

    async def async_select_option(self, option: str) -> None:
        """Set the status on the server; the state follows the server's message."""
        with translated_errors(
            self.coordinator.session, refused="status_refused", status=option
        ):
            await self.coordinator.async_set_status(option)
