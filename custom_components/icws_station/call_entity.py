"""The base of the call entities: a state write only when what the entity shows changed."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback

from .calls import CallsCoordinator
from .entity import IcwsEntity


class IcwsCallEntity(IcwsEntity[CallsCoordinator]):
    """An entity of the user's calls.

    Every queue message updates the coordinator, and a burst of calls brings many; each
    entity writes its state only when its own value, attributes or availability changed,
    so a storm of calls costs one write per real change of each entity.
    """

    _shown: tuple[bool, Any] | None = None

    def _showing(self) -> Any:
        """Return what the entity shows from the coordinator's data (compared by value)."""
        return None

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
