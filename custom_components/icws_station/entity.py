"""The base of every ICWS Station entity: one device per config entry."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import IcwsStationCoordinator


class IcwsStationEntity(CoordinatorEntity[IcwsStationCoordinator]):
    """An entity of the user's station, on the device that stands for the user's session."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: IcwsStationCoordinator, description: EntityDescription
    ) -> None:
        """Describe the entity and its device from the entry and the server's login answer."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        info = coordinator.client.login_info
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, str(entry.unique_id))},
            name=entry.title,
            manufacturer="Genesys",
            model="PureConnect",
            sw_version=str(info.version) if info and info.version else None,
            configuration_url=str(coordinator.client.url),
        )
