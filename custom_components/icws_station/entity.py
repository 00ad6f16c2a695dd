"""The base of every ICWS Station entity: one service device per config entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import IcwsCoordinator, IcwsSubentryCoordinator
from .session import IcwsSession


def _offered(coordinator: IcwsCoordinator[Any]) -> bool:
    return coordinator.supported


@dataclass(frozen=True, kw_only=True)
class IcwsEntityDescription[CoordinatorT: IcwsCoordinator[Any]](EntityDescription):
    """What every entity description of the integration shares.

    ``supported_fn`` decides, after the login, whether the entity exists: by default when
    the server offers its concern at all; a description narrows it (a field a server
    version reports, a source of the facts). A later login that finds other features
    reloads the entry, so this is decided anew.

    ``available_fn``: when unset, an entity is available only while the session is live and
    its coordinator's last update worked, since nothing it shows can be trusted during an
    outage. The server connection sets it: it is what tells the user why.
    """

    supported_fn: Callable[[CoordinatorT], bool] = _offered
    available_fn: Callable[[IcwsSession], bool] | None = None


def supported[
    CoordinatorT: IcwsCoordinator[Any],
    DescriptionT: IcwsEntityDescription[Any],
](
    coordinator: CoordinatorT, descriptions: Iterable[DescriptionT]
) -> list[DescriptionT]:
    """Return the descriptions of the entities the server offers to this coordinator."""
    return [
        description
        for description in descriptions
        if description.supported_fn(coordinator)
    ]


def entry_device_info(coordinator: IcwsCoordinator[Any]) -> DeviceInfo:
    """Return the service device that stands for the entry: the user's session.

    A service, not a device: the entry is a user's session on a server. ICWS has no web
    interface of its own, so there is no configuration URL to link.
    """
    entry = coordinator.config_entry
    info = coordinator.session.client.login_info
    return DeviceInfo(
        identifiers={(DOMAIN, str(entry.unique_id))},
        entry_type=DeviceEntryType.SERVICE,
        name=entry.title,
        manufacturer="Genesys",
        model="PureConnect",
        sw_version=str(info.version) if info and info.version else None,
    )


# Home Assistant links a device to the one it is reached through by that device's registry
# ID from 2026.8 on; older releases take its identifiers (which 2026.8 and later still
# accept, with a deprecation warning, until 2027.8).
_LINK_BY_ID: Final = "via_device_id" in DeviceInfo.__optional_keys__


def subentry_device_info(
    coordinator: IcwsCoordinator[Any], subentry: ConfigSubentry, model: str
) -> DeviceInfo:
    """Return the device of a subentry (a colleague, a workgroup), under the entry's.

    The entry's device is registered at setup (``async_setup_entry``), so it is there to
    link to before any entity is added.
    """
    info = DeviceInfo(
        identifiers={(DOMAIN, subentry.subentry_id)},
        entry_type=DeviceEntryType.SERVICE,
        name=subentry.title,
        manufacturer="Genesys",
        model=model,
    )
    if not _LINK_BY_ID:
        parent = (DOMAIN, str(coordinator.config_entry.unique_id))
        info["via_device"] = parent  # type: ignore[typeddict-unknown-key]
    elif device := _entry_device(coordinator):
        info["via_device_id"] = device.id
    return info


def _entry_device(coordinator: IcwsCoordinator[Any]) -> dr.DeviceEntry | None:
    """Return the entry's device from the registry.

    Identifiers are unique per config entry from 2026.10 on, which looks them up by entry
    (``async_get_device`` reports itself deprecated there); older releases search all.
    """
    registry = dr.async_get(coordinator.hass)
    identifier = (DOMAIN, str(coordinator.config_entry.unique_id))
    by_entry = getattr(registry, "async_get_device_by_identifier", None)
    if by_entry is not None:
        device: dr.DeviceEntry | None = by_entry(
            identifier, coordinator.config_entry.entry_id
        )
        return device
    return registry.async_get_device({identifier})


class IcwsEntity[CoordinatorT: IcwsCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of the user's session, on the service device that stands for it.

    A coordinator publishes every change of its concern, and most changes concern few of
    its entities (an extension change, a flip of ``onPhone``): each entity writes its state
    only when what it shows (availability, state, attributes, options) changed, so an update
    costs one write per entity that shows the change.
    """

    _attr_has_entity_name = True
    entity_description: IcwsEntityDescription[CoordinatorT]
    _written: tuple[Any, ...] | None = None

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: IcwsEntityDescription[CoordinatorT],
    ) -> None:
        """Describe the entity on the entry's device (a subentry's entity replaces both)."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.config_entry.unique_id}_{description.key}"
        self._attr_device_info = entry_device_info(coordinator)

    @property
    def available(self) -> bool:
        """Follow the description's rule; otherwise the coordinator's last update."""
        session = self.coordinator.session
        if (available_fn := self.entity_description.available_fn) is not None:
            return available_fn(session)
        return session.live and super().available

    def _shown(self) -> tuple[Any, ...]:
        """Return what a state write would show, to compare with the last write."""
        return (
            self.available,
            self.state,
            self.state_attributes,
            self.extra_state_attributes,
            self.capability_attributes,
        )

    async def async_added_to_hass(self) -> None:
        """Note what the first write, right after this, shows."""
        await super().async_added_to_hass()
        self._written = self._shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        if (shown := self._shown()) != self._written:
            self._async_write_state(shown)

    @callback
    def _async_write_state(self, shown: tuple[Any, ...] | None = None) -> None:
        """Write the state and note what it shows (``shown``, when already worked out)."""
        self._written = self._shown() if shown is None else shown
        self.async_write_ha_state()


class IcwsSubentryEntity[CoordinatorT: IcwsSubentryCoordinator[Any]](
    IcwsEntity[CoordinatorT]
):
    """An entity of one subentry (a colleague, a workgroup), on that subentry's device.

    It listens to its own thing only (``key``, as the listener's context): of hundreds of
    colleagues, a change of one writes that colleague's entities and no other. Its unique
    ID is the entry's, the subentry type's and the key's, so a thing removed and added
    again gets its entities, and their history, back.
    """

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: IcwsEntityDescription[CoordinatorT],
        *,
        key: str,
        device_info: DeviceInfo,
    ) -> None:
        """Describe the entity on the subentry's device (``subentry_device_info``).

        The subentry's entities share one ``device_info``: hundreds of subentries.
        """
        super().__init__(coordinator, description)
        self.coordinator_context = key
        self.key = key
        self._attr_unique_id = (
            f"{coordinator.config_entry.unique_id}_{coordinator.subentry_type}"
            f"_{key}_{description.key}"
        )
        self._attr_device_info = device_info


def add_subentry_entities(
    entry: ConfigEntry,
    coordinator: IcwsSubentryCoordinator[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities: Callable[[ConfigSubentry], Iterable[Entity]],
) -> None:
    """Add each subentry's ``entities`` to it, now and whenever one is added."""

    @callback
    def add(subentry: ConfigSubentry) -> None:
        async_add_entities(entities(subentry), config_subentry_id=subentry.subentry_id)

    entry.async_on_unload(coordinator.async_add_subentry_listener(add))
