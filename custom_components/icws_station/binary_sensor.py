"""Binary sensors: the station, the server connection, the status, calls and voicemail."""

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
from .colleagues import ColleaguesCoordinator, add_colleague_entities
from .entity import IcwsEntity, IcwsEntityDescription, IcwsSubentryEntity, supported
from .icws import Station
from .models import IcwsStationConfigEntry
from .station import StationCoordinator
from .status import StatusCoordinator, StatusData
from .voicemail import VoicemailCoordinator, VoicemailData

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IcwsStationBinarySensorEntityDescription(
    IcwsEntityDescription[StationCoordinator], BinarySensorEntityDescription
):
    """A yes/no fact about the station.

    ``value_fn`` reads a station; ``no_station`` is the value while the session has none.
    """

    value_fn: Callable[[Station], bool | None]
    no_station: bool | None = None
    attributes_fn: Callable[[StationCoordinator], dict[str, Any]] | None = None


STATION_BINARY_SENSORS: tuple[IcwsStationBinarySensorEntityDescription, ...] = (
    IcwsStationBinarySensorEntityDescription(
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
    IcwsStationBinarySensorEntityDescription(
        key="can_be_dialed",
        translation_key="can_be_dialed",
        value_fn=lambda station: station.can_be_dialed,
    ),
    IcwsStationBinarySensorEntityDescription(
        key="ring_always",
        translation_key="ring_always",
        value_fn=lambda station: station.ring_always,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsConnectionBinarySensorEntityDescription(
    IcwsEntityDescription[StationCoordinator], BinarySensorEntityDescription
):
    """The server connection's description.

    The connection is what tells the user why every other entity is unavailable, so it is
    always available itself. Any coordinator hears of the session's changes; it takes the
    station's, which every server offers.
    """


SERVER_CONNECTION = IcwsConnectionBinarySensorEntityDescription(
    key="server_connection",
    translation_key="server_connection",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
    available_fn=lambda _: True,
)


@dataclass(frozen=True, kw_only=True)
class IcwsStatusBinarySensorEntityDescription(
    IcwsEntityDescription[StatusCoordinator], BinarySensorEntityDescription
):
    """A yes/no fact about the user's status; ``value_fn`` reads it."""

    value_fn: Callable[[StatusData], bool | None]


STATUS_BINARY_SENSORS: tuple[IcwsStatusBinarySensorEntityDescription, ...] = (
    IcwsStatusBinarySensorEntityDescription(
        key="do_not_disturb",
        translation_key="do_not_disturb",
        value_fn=lambda current: (
            current.message.is_do_not_disturb if current.message else None
        ),
    ),
    IcwsStatusBinarySensorEntityDescription(
        key="logged_in",
        translation_key="logged_in",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda current: current.status.logged_in,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsCallBinarySensorEntityDescription(
    IcwsEntityDescription[CallsCoordinator], BinarySensorEntityDescription
):
    """A yes/no fact about the user's calls; ``value_fn`` reads them."""

    value_fn: Callable[[CallSummary], bool]


CALL_BINARY_SENSORS: tuple[IcwsCallBinarySensorEntityDescription, ...] = (
    # Connected, held or being placed; from onPhone when there is no queue watch.
    IcwsCallBinarySensorEntityDescription(
        key="on_call",
        translation_key="on_call",
        value_fn=lambda summary: summary.on_call,
    ),
    IcwsCallBinarySensorEntityDescription(
        key="ringing",
        translation_key="ringing",
        value_fn=lambda summary: summary.ringing,
        supported_fn=lambda calls: calls.source is CallSource.QUEUE,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsVoicemailBinarySensorEntityDescription(
    IcwsEntityDescription[VoicemailCoordinator], BinarySensorEntityDescription
):
    """A yes/no fact about the voicemails waiting; ``value_fn`` reads them."""

    value_fn: Callable[[VoicemailData], bool]


VOICEMAIL_BINARY_SENSORS: tuple[IcwsVoicemailBinarySensorEntityDescription, ...] = (
    IcwsVoicemailBinarySensorEntityDescription(
        key="voicemail_waiting",
        translation_key="voicemail_waiting",
        value_fn=lambda voicemail: voicemail.waiting,
    ),
)


@dataclass(frozen=True, kw_only=True)
class IcwsColleagueBinarySensorEntityDescription(
    IcwsEntityDescription[ColleaguesCoordinator], BinarySensorEntityDescription
):
    """A yes/no fact about a colleague's status; ``value_fn`` reads it."""

    value_fn: Callable[[StatusData], bool | None]


# The user's own presence facts, on a colleague's device: "on call" from onPhone (the only
# call fact CIC gives of another user).
COLLEAGUE_BINARY_SENSORS: tuple[IcwsColleagueBinarySensorEntityDescription, ...] = (
    IcwsColleagueBinarySensorEntityDescription(
        key="on_call",
        translation_key="on_call",
        value_fn=lambda current: current.status.on_phone,
    ),
    IcwsColleagueBinarySensorEntityDescription(
        key="do_not_disturb",
        translation_key="do_not_disturb",
        value_fn=lambda current: (
            current.message.is_do_not_disturb if current.message else None
        ),
    ),
    IcwsColleagueBinarySensorEntityDescription(
        key="logged_in",
        translation_key="logged_in",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda current: current.status.logged_in,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors the server offers, and the server connection."""
    data = entry.runtime_data
    async_add_entities(
        [
            IcwsServerConnectionBinarySensor(data.station, SERVER_CONNECTION),
            *(
                IcwsStationBinarySensor(data.station, description)
                for description in supported(data.station, STATION_BINARY_SENSORS)
            ),
            *(
                IcwsStatusBinarySensor(data.status, description)
                for description in supported(data.status, STATUS_BINARY_SENSORS)
            ),
            *(
                IcwsCallBinarySensor(data.calls, description)
                for description in supported(data.calls, CALL_BINARY_SENSORS)
            ),
            *(
                IcwsVoicemailBinarySensor(data.voicemail, description)
                for description in supported(data.voicemail, VOICEMAIL_BINARY_SENSORS)
            ),
        ]
    )
    add_colleague_entities(
        entry,
        data.colleagues,
        async_add_entities,
        IcwsColleagueBinarySensor,
        COLLEAGUE_BINARY_SENSORS,
    )


class IcwsServerConnectionBinarySensor(
    IcwsEntity[StationCoordinator], BinarySensorEntity
):
    """Whether Home Assistant's session on the CIC server is live."""

    entity_description: IcwsConnectionBinarySensorEntityDescription

    @property
    def is_on(self) -> bool:
        """Return whether the session is live."""
        return self.coordinator.session.live


class IcwsStationBinarySensor(IcwsEntity[StationCoordinator], BinarySensorEntity):
    """A yes/no fact about the station."""

    entity_description: IcwsStationBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the fact, or the description's value without a station."""
        if (station := self.coordinator.data) is None:
            return self.entity_description.no_station
        return self.entity_description.value_fn(station)

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
        if (current := self.coordinator.data) is None:
            return None
        return self.entity_description.value_fn(current)


class IcwsCallBinarySensor(IcwsEntity[CallsCoordinator], BinarySensorEntity):
    """Whether the user is on a call, or a call rings."""

    entity_description: IcwsCallBinarySensorEntityDescription

    @property
    def is_on(self) -> bool:
        """Return the fact over the user's calls now."""
        return self.entity_description.value_fn(self.coordinator.data or CallSummary())


class IcwsVoicemailBinarySensor(IcwsEntity[VoicemailCoordinator], BinarySensorEntity):
    """Whether a voicemail waits for the user (a light on the desk)."""

    entity_description: IcwsVoicemailBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the fact; unknown until the server gives the count."""
        if (voicemail := self.coordinator.data) is None:
            return None
        return self.entity_description.value_fn(voicemail)


class IcwsColleagueBinarySensor(
    IcwsSubentryEntity[ColleaguesCoordinator], BinarySensorEntity
):
    """A yes/no fact about a colleague, on the colleague's device."""

    entity_description: IcwsColleagueBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the fact; unknown before the colleague's first status."""
        if (current := self.coordinator.colleague(self.key)) is None:
            return None
        return self.entity_description.value_fn(current)
