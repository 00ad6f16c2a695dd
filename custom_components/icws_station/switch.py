"""Switches: the user's activation in each workgroup they belong to (take its ACD calls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .activations import ActivationsCoordinator
from .entity import IcwsEntity, IcwsEntityDescription
from .exceptions import translated_errors
from .icws import IcwsNotAllowedError, IcwsResponseError
from .models import IcwsStationConfigEntry

# Every switch goes to the server and comes back as a message; one request at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IcwsActivationSwitchEntityDescription(
    IcwsEntityDescription[ActivationsCoordinator], SwitchEntityDescription
):
    """The activation switches' description; each switch is named after its workgroup."""


WORKGROUP_ACTIVATION = IcwsActivationSwitchEntityDescription(
    key="workgroup_activation", translation_key="workgroup_activation"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IcwsStationConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch per workgroup of the user, and follow the workgroups they join or leave.

    A workgroup the user leaves takes its switch with it, from the entity registry too: it
    is not coming back as that user's, and a stale switch would only confuse automations.
    """
    activations = entry.runtime_data.activations
    if not WORKGROUP_ACTIVATION.supported_fn(activations):
        return
    registry = er.async_get(hass)
    switches: dict[str, IcwsActivationSwitch] = {}

    @callback
    def follow_workgroups() -> None:
        workgroups = activations.workgroups
        new = [
            IcwsActivationSwitch(activations, key, name)
            for key, name in workgroups.items()
            if key not in switches
        ]
        for switch in new:
            switches[switch.workgroup_key] = switch
        if new:
            async_add_entities(new)
        for key in [key for key in switches if key not in workgroups]:
            gone = switches.pop(key)
            if gone.registry_entry is not None:
                registry.async_remove(gone.registry_entry.entity_id)

    follow_workgroups()
    entry.async_on_unload(activations.async_add_listener(follow_workgroups))


def _refusal(err: IcwsResponseError) -> str:
    return (
        "activation_not_allowed"
        if isinstance(err, IcwsNotAllowedError)
        else "activation_refused"
    )


class IcwsActivationSwitch(IcwsEntity[ActivationsCoordinator], SwitchEntity):
    """Whether the user is activated in one workgroup: on, they take its ACD calls.

    The state is the server's: switching asks the server, and the switch turns when the
    server reports the change, as it does for a supervisor's change.
    """

    entity_description: IcwsActivationSwitchEntityDescription

    def __init__(
        self, coordinator: ActivationsCoordinator, workgroup_key: str, workgroup: str
    ) -> None:
        """Describe the switch of ``workgroup`` (compared by ``workgroup_key``)."""
        super().__init__(coordinator, WORKGROUP_ACTIVATION)
        self.workgroup_key = workgroup_key
        self._attr_unique_id = (
            f"{coordinator.config_entry.unique_id}_"
            f"{WORKGROUP_ACTIVATION.key}_{workgroup_key}"
        )
        self._attr_translation_placeholders = {"workgroup": workgroup}

    @property
    def _workgroup(self) -> str:
        """Return the workgroup's name as the server spells it now."""
        return self.coordinator.workgroups.get(
            self.workgroup_key, self.translation_placeholders["workgroup"]
        )

    @property
    def available(self) -> bool:
        """Available while the user belongs to the workgroup (and the session is live)."""
        return super().available and self.workgroup_key in self.coordinator.workgroups

    @property
    def is_on(self) -> bool | None:
        """Return whether the user is activated in the workgroup."""
        return self.coordinator.activated(self.workgroup_key)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Name the workgroup as the server does, for automations."""
        return {"workgroup": self._workgroup}

    async def async_added_to_hass(self) -> None:
        """Remove the switch at once if its workgroup went while it was being added."""
        await super().async_added_to_hass()
        if self.workgroup_key not in self.coordinator.workgroups:
            er.async_get(self.hass).async_remove(self.entity_id)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Activate the user in the workgroup."""
        await self._async_set(activated=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Deactivate the user in the workgroup."""
        await self._async_set(activated=False)

    async def _async_set(self, *, activated: bool) -> None:
        workgroup = self._workgroup
        with translated_errors(
            self.coordinator.session, refused=_refusal, workgroup=workgroup
        ):
            await self.coordinator.async_set_activation(workgroup, activated)
