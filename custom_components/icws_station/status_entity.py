"""The base of the status entities: a state write only when what the entity shows changed."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback

from .entity import IcwsEntity
from .presence import StatusCoordinator


class IcwsStatusEntity(IcwsEntity[StatusCoordinator]):
    """An entity of the user's status.

    The coordinator publishes every change of the status, the catalogue or the access list,
    and most concern one entity at most (``onPhone`` flips with every call and none of them
    shows it). Each entity writes its state only when its own value, attributes or
    availability changed, so a status message costs one write per entity that shows it.
    """

    _shown: tuple[bool, Any] | None = None

    def _showing(self) -> Any:
        """Return what the entity shows from the coordinator's data (compared by value)."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Note what the first write (right after this) shows."""
        await super().async_added_to_hass()
        self._shown = (self.available, self._showing())

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = (self.available, self._showing())
        if shown == self._shown:
            return
        self._shown = shown
        self.async_write_ha_state()
