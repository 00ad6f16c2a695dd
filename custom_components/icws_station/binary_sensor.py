"""Binary sensors: whether the station is there and reachable, and the server connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import IcwsStationConfigEntry
from .entity import IcwsStationEntity
from .icws import Station

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A station binary sensor and how to read it from the station."""

    value_fn: Callable[[Station | None], bool | None]


BINARY_SENSORS: tuple[IcwsBinarySensorEntityDescription, ...] = (
    IcwsBinarySensorEntityDescription(
        key="station_connected",
        translation_key="station_connected",
        value_fn=lambda station: station is not None,
    ),
    IcwsBinarySensorEntityDescription(
        key="can_be_dialed",
        translation_key="can_be_dialed",
        value_fn=lambda station: station.can_be_dialed if station else None,
    ),
    IcwsBinarySensorEntityDescription(
        key="ring_always",
        translation_key="ring_always",
        value_fn=lambda station: station.ring_always if station else None,
    ),
)

SERVER_CONNECTED = BinarySensorEntityDescription(
    key="server_connected",
    translation_key="server_connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the station's binary sensors and the server connection."""
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *(
                IcwsStationBinarySensor(coordinator, description)
                for description in BINARY_SENSORS
            ),
            IcwsServerConnectedSensor(coordinator, SERVER_CONNECTED),
        ]
    )


class IcwsStationBinarySensor(IcwsStationEntity, BinarySensorEntity):
    """A yes/no fact about the station."""

    entity_description: IcwsBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the fact; unknown when the session has no station."""
        return self.entity_description.value_fn(self.coordinator.data)


class IcwsServerConnectedSensor(IcwsStationEntity, BinarySensorEntity):
    """Whether Home Assistant holds a live session on the server.

    Stays available while the others are unavailable: it is what tells the user why.
    """

    @property
    def available(self) -> bool:
        """Always available."""
        return True

    @property
    def is_on(self) -> bool:
        """Return whether the session is up."""
        return self.coordinator.connected and self.coordinator.last_update_success
