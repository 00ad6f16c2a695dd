"""Sensors: the station, the user's status, the call state, voicemails, the wallboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import (
    MAX_LENGTH_STATE_STATE,
    PERCENTAGE,
    EntityCategory,
    UnitOfTime,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .call_tracking import CallState, CallSummary
from .calls import CallsCoordinator, CallSource
from .colleagues import ColleaguesCoordinator, add_colleague_entities
from .entity import (
    IcwsEntity,
    IcwsEntityDescription,
    IcwsSubentryEntity,
    add_subentry_entities,
    subentry_device_info,
    supported,
)
from .icws import Station, StationSetting
from .models import IcwsStationConfigEntry
from .station import STATION_TYPES, StationCoordinator, station_type_key
from .status import StatusCoordinator, StatusData
from .voicemail import VoicemailCoordinator, VoicemailData
from .wallboard import STATISTICS, WallboardCoordinator

# How often a running duration (the longest wait) is shown anew while it runs.
TICK: Final = timedelta(seconds=1)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsStationSensorEntityDescription(
    IcwsEntityDescription[StationCoordinator], SensorEntityDescription
):
    """A sensor of one station field.

    ``value_fn`` and ``attributes_fn`` read a station; ``no_station`` is the value while
    the session has none.
    """

    value_fn: Callable[[Station], StateType]
    attributes_fn: Callable[[Station], dict[str, Any]] | None = None
    no_station: StateType = None


def _reports_managed_ip_phone(coordinator: StationCoordinator) -> bool:
    info = coordinator.session.client.login_info
    return info is not None and info.reports_managed_ip_phone


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


STATION_SENSORS: tuple[IcwsStationSensorEntityDescription, ...] = (
    IcwsStationSensorEntityDescription(
        key="station_id",
        translation_key="station_id",
        value_fn=_text(lambda station: station.id),
    ),
    IcwsStationSensorEntityDescription(
        key="extension",
        translation_key="extension",
        value_fn=_text(lambda station: station.extension),
    ),
    IcwsStationSensorEntityDescription(
        key="remote_number",
        translation_key="remote_number",
        value_fn=_text(lambda station: station.remote_number),
    ),
    IcwsStationSensorEntityDescription(
        key="station_type",
        translation_key="station_type",
        device_class=SensorDeviceClass.ENUM,
        options=list(STATION_TYPES),
        value_fn=_station_type,
        no_station=station_type_key(StationSetting.NONE),
    ),
    IcwsStationSensorEntityDescription(
        key="sip_address",
        translation_key="sip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_text(lambda station: station.sip_address),
    ),
    IcwsStationSensorEntityDescription(
        key="sip_user",
        translation_key="sip_user",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_text(lambda station: station.sip_user),
    ),
    IcwsStationSensorEntityDescription(
        key="allowed_media_types",
        translation_key="allowed_media_types",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda station: len(station.allowed_media_types),
        attributes_fn=_media_types,
    ),
    IcwsStationSensorEntityDescription(
        key="managed_ip_phone",
        translation_key="managed_ip_phone",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_text(lambda station: station.managed_ip_phone),
        supported_fn=_reports_managed_ip_phone,
    ),
    IcwsStationSensorEntityDescription(
        key="emergency_responder_location_id",
        translation_key="emergency_responder_location_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_text(lambda station: station.emergency_responder_location_id),
        supported_fn=_reports_managed_ip_phone,
    ),
)


def _status_attributes(current: StatusData) -> dict[str, Any]:
    """Describe the status: its id, details set with it, and what it means."""
    status, message = current.status, current.message
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


def _status_text(current: StatusData) -> str:
    """The status's text; its id when the text is too long for a state."""
    text = current.text
    return text if len(text) <= MAX_LENGTH_STATE_STATE else current.status.status_id


@dataclass(frozen=True, kw_only=True)
class IcwsStatusSensorEntityDescription(
    IcwsEntityDescription[StatusCoordinator], SensorEntityDescription
):
    """A sensor of the user's status; ``value_fn`` and ``attributes_fn`` read it."""

    value_fn: Callable[[StatusData], StateType]
    attributes_fn: Callable[[StatusData], dict[str, Any]]


STATUS_SENSORS: tuple[IcwsStatusSensorEntityDescription, ...] = (
    IcwsStatusSensorEntityDescription(
        key="status",
        translation_key="status",
        value_fn=_status_text,
        attributes_fn=_status_attributes,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsColleagueSensorEntityDescription(
    IcwsEntityDescription[ColleaguesCoordinator], SensorEntityDescription
):
    """A sensor of a colleague's status; ``value_fn`` and ``attributes_fn`` read it."""

    value_fn: Callable[[StatusData], StateType]
    attributes_fn: Callable[[StatusData], dict[str, Any]]


# A colleague's status sensor is the user's own, on the colleague's device.
COLLEAGUE_SENSORS: tuple[IcwsColleagueSensorEntityDescription, ...] = (
    IcwsColleagueSensorEntityDescription(
        key="status",
        translation_key="status",
        value_fn=_status_text,
        attributes_fn=_status_attributes,
    ),
)


def _call_attributes(summary: CallSummary) -> dict[str, Any]:
    """Describe the call that gives the state (personal: the user's own entity only)."""
    direction = None
    if summary.outbound is not None:
        direction = "outbound" if summary.outbound else "inbound"
    return {
        "interaction_id": summary.interaction_id,
        "muted": summary.muted,
        "calls": summary.calls,
        "direction": direction,
        "remote_name": summary.remote_name,
        "remote_number": summary.remote_number,
        "since": summary.since.isoformat() if summary.since else None,
        "other_interactions": summary.other_interactions,
    }


@dataclass(frozen=True, kw_only=True)
class IcwsCallSensorEntityDescription(
    IcwsEntityDescription[CallsCoordinator], SensorEntityDescription
):
    """A sensor of the user's calls; ``value_fn`` and ``attributes_fn`` read them."""

    value_fn: Callable[[CallSummary], StateType]
    attributes_fn: Callable[[CallSummary], dict[str, Any]]


CALL_SENSORS: tuple[IcwsCallSensorEntityDescription, ...] = (
    IcwsCallSensorEntityDescription(
        key="call_state",
        translation_key="call_state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in CallState],
        value_fn=lambda summary: summary.state.value,
        attributes_fn=_call_attributes,
        supported_fn=lambda calls: calls.source is CallSource.QUEUE,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsVoicemailSensorEntityDescription(
    IcwsEntityDescription[VoicemailCoordinator], SensorEntityDescription
):
    """A sensor of the voicemails waiting; ``value_fn`` reads them."""

    value_fn: Callable[[VoicemailData], StateType]


VOICEMAIL_SENSORS: tuple[IcwsVoicemailSensorEntityDescription, ...] = (
    IcwsVoicemailSensorEntityDescription(
        key="voicemails",
        translation_key="voicemails",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda voicemail: voicemail.count,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsWallboardSensorEntityDescription(
    IcwsEntityDescription[WallboardCoordinator], SensorEntityDescription
):
    """A statistic of a wallboard workgroup; ``wallboard.STATISTICS[key]`` says which.

    Gauges, all of them: the statistics rise and fall (the per-period counts start again
    with each period), so history and statistics graphs work.
    """

    state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT


def _count(key: str) -> IcwsWallboardSensorEntityDescription:
    return IcwsWallboardSensorEntityDescription(
        key=key, translation_key=key, suggested_display_precision=0
    )


def _duration(key: str) -> IcwsWallboardSensorEntityDescription:
    return IcwsWallboardSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
    )


WALLBOARD_SENSORS: tuple[IcwsWallboardSensorEntityDescription, ...] = (
    _count("interactions_waiting"),
    _duration("longest_wait"),
    _count("agents_available"),
    _count("agents_logged_in"),
    _count("agents_activated"),
    IcwsWallboardSensorEntityDescription(
        key="percent_available",
        translation_key="percent_available",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    ),
    _count("interactions_on_hold"),
    _count("interactions_connected"),
    _count("interactions_answered"),
    _count("interactions_abandoned"),
    _duration("average_wait"),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the server offers, and each wallboard workgroup's as it comes."""
    data = entry.runtime_data
    async_add_entities(
        [
            *(
                IcwsStationSensor(data.station, description)
                for description in supported(data.station, STATION_SENSORS)
            ),
            *(
                IcwsStatusSensor(data.status, description)
                for description in supported(data.status, STATUS_SENSORS)
            ),
            *(
                IcwsCallSensor(data.calls, description)
                for description in supported(data.calls, CALL_SENSORS)
            ),
            *(
                IcwsVoicemailSensor(data.voicemail, description)
                for description in supported(data.voicemail, VOICEMAIL_SENSORS)
            ),
        ]
    )
    add_colleague_entities(
        entry,
        data.colleagues,
        async_add_entities,
        IcwsColleagueSensor,
        COLLEAGUE_SENSORS,
    )
    wallboard = data.wallboard
    if statistics := supported(wallboard, WALLBOARD_SENSORS):
        add_subentry_entities(
            entry,
            wallboard,
            async_add_entities,
            lambda subentry: (
                IcwsWallboardSensor(wallboard, subentry, description)
                for description in statistics
            ),
        )


class IcwsStationSensor(IcwsEntity[StationCoordinator], SensorEntity):
    """A sensor of one station field."""

    entity_description: IcwsStationSensorEntityDescription

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
    """A sensor of the user's CIC status; the status shows by its text."""

    entity_description: IcwsStatusSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the description's value of the status; unknown before the first."""
        if (current := self.coordinator.data) is None:
            return None
        return self.entity_description.value_fn(current)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the status's id, notes, end, forward number and flags."""
        if (current := self.coordinator.data) is None:
            return None
        return self.entity_description.attributes_fn(current)


class IcwsCallSensor(IcwsEntity[CallsCoordinator], SensorEntity):
    """A sensor of the user's calls, such as the call state (see ``CallState``)."""

    entity_description: IcwsCallSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the description's value over the user's calls now."""
        return self.entity_description.value_fn(self.coordinator.data or CallSummary())

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return how many calls, and who is on the one that gives the state, since when."""
        return self.entity_description.attributes_fn(
            self.coordinator.data or CallSummary()
        )


class IcwsVoicemailSensor(IcwsEntity[VoicemailCoordinator], SensorEntity):
    """How many voicemails wait for the user; unknown until the server says."""

    entity_description: IcwsVoicemailSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the description's value of the voicemails waiting."""
        if (voicemail := self.coordinator.data) is None:
            return None
        return self.entity_description.value_fn(voicemail)


class IcwsColleagueSensor(IcwsSubentryEntity[ColleaguesCoordinator], SensorEntity):
    """A sensor of a colleague's CIC status, on the colleague's device."""

    entity_description: IcwsColleagueSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the description's value of the status; unknown before the first."""
        if (current := self.coordinator.colleague(self.key)) is None:
            return None
        return self.entity_description.value_fn(current)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the status's id, notes, end, since and flags."""
        if (current := self.coordinator.colleague(self.key)) is None:
            return None
        return self.entity_description.attributes_fn(current)


class IcwsWallboardSensor(IcwsEntity[WallboardCoordinator], SensorEntity):
    """A statistic of a workgroup's queue, on the workgroup's device.

    It listens to its own statistic only, so a change of another writes nothing here. A
    running duration (the longest wait, while calls wait) is shown anew every second.
    """

    entity_description: IcwsWallboardSensorEntityDescription

    def __init__(
        self,
        coordinator: WallboardCoordinator,
        subentry: ConfigSubentry,
        description: IcwsWallboardSensorEntityDescription,
    ) -> None:
        """Describe the statistic on the device of the subentry's workgroup."""
        super().__init__(coordinator, description)
        self._subentry_id = subentry.subentry_id
        # Told of this statistic's changes alone (the coordinator's key listeners).
        self.coordinator_context = (subentry.subentry_id, description.key)
        self._attr_unique_id = (
            f"{coordinator.config_entry.unique_id}_{subentry.subentry_id}_"
            f"{description.key}"
        )
        self._attr_device_info = subentry_device_info(
            coordinator, subentry, "Workgroup"
        )
        self._statistic = STATISTICS[description.key]
        self._ticking: CALLBACK_TYPE | None = None

    @property
    def available(self) -> bool:
        """Unavailable while the server reports an error value for the statistic."""
        reading = self.coordinator.reading(
            self._subentry_id, self.entity_description.key
        )
        value = None if reading is None else reading.value
        return super().available and (value is None or value.error is None)

    @property
    def native_value(self) -> StateType:
        """Return the statistic as a number; without a value, 0 or unknown as it says."""
        reading = self.coordinator.reading(
            self._subentry_id, self.entity_description.key
        )
        if reading is None:
            return None
        if reading.value is None:
            return self._statistic.no_value
        number = reading.value.number(dt_util.utcnow())
        if number is None:
            return None
        if reading.value.ticking or number.is_integer():
            return int(number)
        return round(number, 1)

    async def async_added_to_hass(self) -> None:
        """Follow a running duration from the start."""
        await super().async_added_to_hass()
        self.async_on_remove(self._stop_ticking)
        self._follow_ticking()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._follow_ticking()
        super()._handle_coordinator_update()

    @callback
    def _follow_ticking(self) -> None:
        """Tick while the value is a running duration; stop when it is not."""
        reading = self.coordinator.reading(
            self._subentry_id, self.entity_description.key
        )
        ticking = (
            reading is not None and reading.value is not None and reading.value.ticking
        )
        if ticking and self._ticking is None:
            self._ticking = async_track_time_interval(
                self.hass, self._tick, TICK, name=f"{self.entity_id} tick"
            )
        elif not ticking:
            self._stop_ticking()

    @callback
    def _tick(self, _now: Any) -> None:
        super()._handle_coordinator_update()

    @callback
    def _stop_ticking(self) -> None:
        if self._ticking is not None:
            self._ticking()
            self._ticking = None
