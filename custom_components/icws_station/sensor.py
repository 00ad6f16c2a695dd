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

from .call_tracking import CallState, CallSummary
from .calls import CallsCoordinator, CallSource
from .coordinator import IcwsStationConfigEntry, StationCoordinator
from .entity import IcwsEntity, IcwsEntityDescription
from .icws import LoginInfo, Station, StationSetting
from .presence import Presence, StatusCoordinator
from .station import STATION_TYPES, station_type_key

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsSensorEntityDescription(IcwsEntityDescription, SensorEntityDescription):
    """A station sensor: its value, extra attributes, and when the server offers it.

    ``value_fn`` and ``attributes_fn`` read a station; ``no_station`` is the value while
    the session has none.
    """

    value_fn: Callable[[Station], StateType]
    attributes_fn: Callable[[Station], dict[str, Any]] | None = None
    exists_fn: Callable[[LoginInfo], bool] = lambda _: True
    no_station: StateType = None


def _text(read: Callable[[Station], str | None]) -> Callable[[Station], StateType]:
    """Read a text field; an empty value or one too long is unknown.

    Home Assistant refuses states over 255 characters with an error on every write; the
    server's text is not ours to trust.
    """

    def value(station: Station) -> str | None:
        text = read(station)
        return text if text and len(text) <= MAX_LENGTH_STATE_STATE else None

    return value


def _station_type(station: Station) -> str | None:
    key = station_type_key(station.station_setting)
    return key if key in STATION_TYPES else None


def _media_types(station: Station) -> dict[str, Any]:
    return {
        "media_types": [media.name.lower() for media in station.allowed_media_types]
    }


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
        options=list(STATION_TYPES),
        value_fn=_station_type,
        no_station=station_type_key(StationSetting.NONE),
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
        value_fn=lambda station: len(station.allowed_media_types),
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


def _status_attributes(presence: Presence) -> dict[str, Any]:
    """Describe the status: its id, details set with it, and what it means."""
    status, message = presence.status, presence.message
    return {
        "status_id": status.status_id,
        "notes": status.notes or None,
        "until": status.until.isoformat() if status.until else None,
        "forward_number": status.forward_number or None,
        "since": status.status_changed.isoformat() if status.status_changed else None,
        "do_not_disturb": message.is_do_not_disturb if message else None,
        "acd": message.is_acd if message else None,
        "after_call_work": message.is_after_call_work if message else None,
        "logged_in": status.logged_in,
        "stations": list(status.stations),
    }


@dataclass(frozen=True, kw_only=True)
class IcwsStatusSensorEntityDescription(IcwsEntityDescription, SensorEntityDescription):
    """The status sensor's description."""


STATUS_SENSOR = IcwsStatusSensorEntityDescription(
    key="status", translation_key="status"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the server's features allow."""
    coordinator = entry.runtime_data.station
    info = entry.runtime_data.session.client.login_info
    async_add_entities(
        IcwsStationSensor(coordinator, description)
        for description in SENSORS
        if info is None or description.exists_fn(info)
    )
    if (status := entry.runtime_data.status) is not None:
        async_add_entities([IcwsStatusSensor(status, STATUS_SENSOR)])
    calls = entry.runtime_data.calls
    if calls is not None and calls.source is CallSource.QUEUE:
        async_add_entities([IcwsCallStateSensor(calls, CALL_STATE)])


class IcwsStationSensor(IcwsEntity[StationCoordinator], SensorEntity):
    """A sensor of one station field."""

    entity_description: IcwsSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the field's value, or the description's value without a station."""
        if (station := self.coordinator.data) is None:
            return self.entity_description.no_station
        return self.entity_description.value_fn(station)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the field's details, such as the names of the media types."""
        attributes_fn = self.entity_description.attributes_fn
        if attributes_fn is None or (station := self.coordinator.data) is None:
            return None
        return attributes_fn(station)


class IcwsStatusSensor(IcwsEntity[StatusCoordinator], SensorEntity):
    """The user's CIC status, by its text in the session's language."""

    entity_description: IcwsStatusSensorEntityDescription

    @property
    def native_value(self) -> str | None:
        """Return the status's text (its id when the catalogue lacks it)."""
        if (presence := self.coordinator.data) is None:
            return None
        text = presence.text
        return (
            text if len(text) <= MAX_LENGTH_STATE_STATE else presence.status.status_id
        )

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the status's id, notes, end, forward number and flags."""
        if (presence := self.coordinator.data) is None:
            return None
        return _status_attributes(presence)


def _call_attributes(summary: CallSummary) -> dict[str, Any]:
    """Describe the call that gives the state (personal: the user's own entity only)."""
    direction = None
    if summary.outbound is not None:
        direction = "outbound" if summary.outbound else "inbound"
    return {
        "calls": summary.calls,
        "direction": direction,
        "remote_name": summary.remote_name,
        "remote_number": summary.remote_number,
        "since": summary.since.isoformat() if summary.since else None,
        "other_interactions": summary.other_interactions,
    }


@dataclass(frozen=True, kw_only=True)
class IcwsCallSensorEntityDescription(IcwsEntityDescription, SensorEntityDescription):
    """A sensor of the user's calls."""


CALL_STATE = IcwsCallSensorEntityDescription(
    key="call_state",
    translation_key="call_state",
    device_class=SensorDeviceClass.ENUM,
    options=[state.value for state in CallState],
)


class IcwsCallStateSensor(IcwsEntity[CallsCoordinator], SensorEntity):
    """The user's call state, the strongest over their calls (see ``CallState``)."""

    entity_description: IcwsCallSensorEntityDescription

    @property
    def native_value(self) -> str:
        """Return the strongest state over the user's calls."""
        return (self.coordinator.data or CallSummary()).state.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return how many calls, and who is on the one that gives the state, since when."""
        return _call_attributes(self.coordinator.data or CallSummary())
