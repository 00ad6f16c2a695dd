"""Binary sensors: whether the station is there and reachable, and the server connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .call_tracking import CallSummary
from .calls import CallsCoordinator, CallSource
from .coordinator import IcwsStationConfigEntry, StationCoordinator
from .entity import IcwsEntity, IcwsEntityDescription
from .icws import Station
from .presence import Presence, StatusCoordinator
from .session import IcwsSession

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsBinarySensorEntityDescription(
    IcwsEntityDescription, BinarySensorEntityDescription
):
    """A binary sensor of the station, or of the session when ``session_fn`` is set.

    ``value_fn`` reads a station; ``no_station`` is the value while the session has none.
    """

    value_fn: Callable[[Station], bool | None] = lambda _: None
    no_station: bool | None = None
    session_fn: Callable[[IcwsSession], bool] | None = None
    attributes_fn: Callable[[StationCoordinator], dict[str, Any]] | None = None


BINARY_SENSORS: tuple[IcwsBinarySensorEntityDescription, ...] = (
    IcwsBinarySensorEntityDescription(
        key="station_connected",
        translation_key="station_connected",
        value_fn=lambda _: True,
        no_station=False,
        # Why the server logged the station off (another logon, an administrator);
        # None while the station is there or was never taken.
        attributes_fn=lambda coordinator: {
            "logged_off_reason": coordinator.logged_off_reason
        },
    ),
    IcwsBinarySensorEntityDescription(
        key="can_be_dialed",
        translation_key="can_be_dialed",
        value_fn=lambda station: station.can_be_dialed,
    ),
    IcwsBinarySensorEntityDescription(
        key="ring_always",
        translation_key="ring_always",
        value_fn=lambda station: station.ring_always,
    ),
    IcwsBinarySensorEntityDescription(
        key="server_connection",
        translation_key="server_connection",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        available_fn=lambda _: True,
        session_fn=lambda session: session.live,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsStatusBinarySensorEntityDescription(
    IcwsEntityDescription, BinarySensorEntityDescription
):
    """A binary sensor of the user's status; ``value_fn`` reads it."""

    value_fn: Callable[[Presence], bool | None]


STATUS_BINARY_SENSORS: tuple[IcwsStatusBinarySensorEntityDescription, ...] = (
    IcwsStatusBinarySensorEntityDescription(
        key="do_not_disturb",
        translation_key="do_not_disturb",
        value_fn=lambda presence: (
            presence.message.is_do_not_disturb if presence.message else None
        ),
    ),
    IcwsStatusBinarySensorEntityDescription(
        key="logged_in",
        translation_key="logged_in",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda presence: presence.status.logged_in,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the station's binary sensors, the server connection and the status's."""
    coordinator = entry.runtime_data.station
    async_add_entities(
        IcwsBinarySensor(coordinator, description) for description in BINARY_SENSORS
    )
    if (status := entry.runtime_data.status) is not None:
        async_add_entities(
            IcwsStatusBinarySensor(status, description)
            for description in STATUS_BINARY_SENSORS
        )
    if (calls := entry.runtime_data.calls) is not None:
        async_add_entities(
            IcwsCallBinarySensor(calls, description)
            for description in CALL_BINARY_SENSORS
            if calls.source in description.sources
        )


class IcwsBinarySensor(IcwsEntity[StationCoordinator], BinarySensorEntity):
    """A yes/no fact about the station or the session."""

    entity_description: IcwsBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the fact, or the description's value without a station."""
        description = self.entity_description
        if description.session_fn is not None:
            return description.session_fn(self.coordinator.session)
        if (station := self.coordinator.data) is None:
            return description.no_station
        return description.value_fn(station)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the description's attributes, such as why the station was logged off."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator)


class IcwsStatusBinarySensor(IcwsEntity[StatusCoordinator], BinarySensorEntity):
    """A yes/no fact about the user's status."""

    entity_description: IcwsStatusBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the fact; unknown before the first status."""
        if (presence := self.coordinator.data) is None:
            return None
        return self.entity_description.value_fn(presence)


@dataclass(frozen=True, kw_only=True)
class IcwsCallBinarySensorEntityDescription(
    IcwsEntityDescription, BinarySensorEntityDescription
):
    """A yes/no fact about the user's calls, from the ``sources`` that can tell it."""

    value_fn: Callable[[CallSummary], bool]
    sources: frozenset[CallSource]


CALL_BINARY_SENSORS: tuple[IcwsCallBinarySensorEntityDescription, ...] = (
    # Connected, held or being placed; from onPhone when there is no queue watch.
    IcwsCallBinarySensorEntityDescription(
        key="on_call",
        translation_key="on_call",
        value_fn=lambda summary: summary.on_call,
        sources=frozenset(CallSource),
    ),
    IcwsCallBinarySensorEntityDescription(
        key="ringing",
        translation_key="ringing",
        value_fn=lambda summary: summary.ringing,
        sources=frozenset({CallSource.QUEUE}),
    ),
)


class IcwsCallBinarySensor(IcwsEntity[CallsCoordinator], BinarySensorEntity):
    """Whether the user is on a call, or a call rings."""

    entity_description: IcwsCallBinarySensorEntityDescription

    @property
    def is_on(self) -> bool:
        """Return the fact over the user's calls now."""
        return self.entity_description.value_fn(self.coordinator.data or CallSummary())
