"""Sensors of the user's station: what it is and how it can be reached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import StationType
from .coordinator import IcwsStationConfigEntry
from .entity import IcwsStationEntity
from .icws import LoginInfo, Station, StationSetting

PARALLEL_UPDATES = 0

_STATION_TYPES = {
    StationSetting.NONE: StationType.NONE,
    StationSetting.WORKSTATION: StationType.WORKSTATION,
    StationSetting.REMOTE_WORKSTATION: StationType.REMOTE_WORKSTATION,
    StationSetting.REMOTE_NUMBER: StationType.REMOTE_NUMBER,
}


@dataclass(frozen=True, kw_only=True)
class IcwsSensorEntityDescription(SensorEntityDescription):
    """A station sensor: its value, extra attributes, and when the server offers it."""

    value_fn: Callable[[Station | None], StateType]
    attributes_fn: Callable[[Station | None], dict[str, Any]] | None = None
    exists_fn: Callable[[LoginInfo], bool] = lambda _: True


def _text(
    read: Callable[[Station], str | None],
) -> Callable[[Station | None], StateType]:
    """Read a text field; no station, an empty value or one too long is unknown.

    Home Assistant refuses states over 255 characters with an error on every write; the
    server's text is not ours to trust.
    """

    def value(station: Station | None) -> str | None:
        text = read(station) if station else None
        return text if text and len(text) <= MAX_LENGTH_STATE_STATE else None

    return value


def _station_type(station: Station | None) -> str | None:
    if station is None:
        return StationType.NONE
    station_type = _STATION_TYPES.get(station.station_setting)
    return station_type.value if station_type else None


def _media_types(station: Station | None) -> dict[str, Any]:
    types = station.allowed_media_types if station else ()
    return {"media_types": [media.name.lower() for media in types]}


SENSORS: tuple[IcwsSensorEntityDescription, ...] = (
    IcwsSensorEntityDescription(
        key="station_id",
        translation_key="station_id",
        value_fn=_text(lambda station: station.id),
    ),
    IcwsSensorEntityDescription(
        key="extension",
        translation_key="extension",
        value_fn=_text(lambda station: station.extension),
    ),
    IcwsSensorEntityDescription(
        key="remote_number",
        translation_key="remote_number",
        value_fn=_text(lambda station: station.remote_number),
    ),
    IcwsSensorEntityDescription(
        key="station_type",
        translation_key="station_type",
        device_class=SensorDeviceClass.ENUM,
        options=[station_type.value for station_type in StationType],
        value_fn=_station_type,
    ),
    IcwsSensorEntityDescription(
        key="sip_address",
        translation_key="sip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_text(lambda station: station.sip_address),
    ),
    IcwsSensorEntityDescription(
        key="sip_user",
        translation_key="sip_user",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_text(lambda station: station.sip_user),
    ),
    IcwsSensorEntityDescription(
        key="allowed_media_types",
        translation_key="allowed_media_types",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda station: len(station.allowed_media_types) if station else None,
        attributes_fn=_media_types,
    ),
    IcwsSensorEntityDescription(
        key="managed_ip_phone",
        translation_key="managed_ip_phone",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_text(lambda station: station.managed_ip_phone),
        exists_fn=lambda info: info.reports_managed_ip_phone,
    ),
    IcwsSensorEntityDescription(
        key="emergency_responder_location_id",
        translation_key="emergency_responder_location_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_text(lambda station: station.emergency_responder_location_id),
        exists_fn=lambda info: info.reports_managed_ip_phone,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the server's features allow."""
    coordinator = entry.runtime_data
    info = coordinator.client.login_info
    async_add_entities(
        IcwsStationSensor(coordinator, description)
        for description in SENSORS
        if info is None or description.exists_fn(info)
    )


class IcwsStationSensor(IcwsStationEntity, SensorEntity):
    """A sensor of one station field."""

    entity_description: IcwsSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the field's value; unknown when the session has no station."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the field's details, such as the names of the media types."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)
