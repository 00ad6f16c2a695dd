"""Buttons on the user's service: answer the ringing call, end the call in hand.

A press is the action with its default call (``icws_station.answer_call``,
``icws_station.end_call``): for a desk button, a headset's talk button, a dashboard tile.
With no such call the press is refused with a translated error, and nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .call_control import CallAction
from .calls import CallsCoordinator
from .entity import IcwsEntity, IcwsEntityDescription, supported
from .models import IcwsStationConfigEntry
from .services import async_act_on_call

# Every press goes to the server; one request at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IcwsCallButtonEntityDescription(
    IcwsEntityDescription[CallsCoordinator], ButtonEntityDescription
):
    """A button that acts on one of the user's calls; ``action`` is what a press does."""

    action: CallAction


CALL_BUTTONS: tuple[IcwsCallButtonEntityDescription, ...] = (
    IcwsCallButtonEntityDescription(
        key="answer_call",
        translation_key="answer_call",
        action=CallAction.ANSWER,
        supported_fn=lambda calls: calls.can_control,
    ),
    IcwsCallButtonEntityDescription(
        key="end_call",
        translation_key="end_call",
        action=CallAction.END,
        supported_fn=lambda calls: calls.can_control,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the call buttons when the user's calls can be acted on."""
    calls = entry.runtime_data.calls
    async_add_entities(
        IcwsCallButton(calls, description)
        for description in supported(calls, CALL_BUTTONS)
    )


class IcwsCallButton(IcwsEntity[CallsCoordinator], ButtonEntity):
    """Acts on the call a person means: the oldest ringing one, or the one in hand."""

    entity_description: IcwsCallButtonEntityDescription

    async def async_press(self) -> None:
        """Send the action for the default call; its state comes with the queue watch."""
        await async_act_on_call(self.coordinator, self.entity_description.action)
