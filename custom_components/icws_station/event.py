"""The call event entity: ringing, answered, held, resumed, ended, missed, outgoing."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .call_tracking import CallEvent, CallEventType
from .calls import CallsCoordinator, CallSource
from .entity import IcwsEntity, IcwsEntityDescription, supported
from .models import IcwsStationConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsCallEventEntityDescription(
    IcwsEntityDescription[CallsCoordinator], EventEntityDescription
):
    """An event entity of the user's calls."""


CALL_EVENTS: tuple[IcwsCallEventEntityDescription, ...] = (
    IcwsCallEventEntityDescription(
        key="call",
        translation_key="call",
        event_types=[event_type.value for event_type in CallEventType],
        supported_fn=lambda calls: calls.source is CallSource.QUEUE,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call event entity when the server reports the user's queue."""
    calls = entry.runtime_data.calls
    async_add_entities(
        IcwsCallEvent(calls, description)
        for description in supported(calls, CALL_EVENTS)
    )


class IcwsCallEvent(IcwsEntity[CallsCoordinator], EventEntity):
    """Fires for each change of one of the user's interactions that a person notices.

    The event data (direction, remote name and number, media type, duration on ``ended``)
    is the user's own: it stays in this entity's state.
    """

    entity_description: IcwsCallEventEntityDescription

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
