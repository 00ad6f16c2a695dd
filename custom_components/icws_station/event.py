"""The call event entity: ringing, answered, held, resumed, ended, missed, outgoing."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .call_tracking import CallEvent, CallEventType
from .calls import CallsCoordinator, CallSource
from .coordinator import IcwsStationConfigEntry
from .entity import IcwsEntity, IcwsEntityDescription

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsEventEntityDescription(IcwsEntityDescription, EventEntityDescription):
    """An event entity of the user's session."""


CALL_EVENT = IcwsEventEntityDescription(
    key="call",
    translation_key="call",
    event_types=[event_type.value for event_type in CallEventType],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call event entity when the server reports the user's queue."""
    calls = entry.runtime_data.calls
    if calls is not None and calls.source is CallSource.QUEUE:
        async_add_entities([IcwsCallEvent(calls, CALL_EVENT)])


class IcwsCallEvent(IcwsEntity[CallsCoordinator], EventEntity):
    """Fires for each change of one of the user's interactions that a person notices.

    The event data (direction, remote name and number, media type, duration on ``ended``)
    is the user's own: it stays in this entity's state.
    """

    entity_description: IcwsEventEntityDescription

    async def async_added_to_hass(self) -> None:
        """Start receiving the coordinator's call events."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_event_listener(self._fire))

    @callback
    def _fire(self, event: CallEvent) -> None:
        # Every event is written, even one that repeats the last within its timestamp's
        # precision.
        self._trigger_event(event.event_type.value, event.data())
        self._async_write_state()
