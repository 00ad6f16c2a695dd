"""The user's workgroup activations: in which workgroups they take ACD calls (protocol §16).

An ACD agent belongs to workgroups and is activated in each or not. The coordinator watches
the session user's activations in every workgroup they belong to, so a change made anywhere
(the desktop client, a supervisor) shows at once, and workgroups the user joins or leaves
come and go with it. Switching sends only that workgroup to the server; the state follows
the server's message, never the click. Workgroup names are configuration, not personal
data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import LOGGER
from .coordinator import IcwsCoordinator
from .icws import (
    IcwsClient,
    Message,
    SubscriptionKind,
    UserActivationMessage,
    workgroup_key,
)
from .session import IcwsSession

type Activations = Mapping[str, bool]


class ActivationsCoordinator(IcwsCoordinator[Activations | None]):
    """The session user's activation in each of their workgroups, by workgroup name.

    Without the server's ``activations`` feature the coordinator stays idle (``supported``
    false) and the entry has no activation switches.
    """

    subscriptions = frozenset({SubscriptionKind.ACTIVATIONS})

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: IcwsSession
    ) -> None:
        """Start with nothing known; the first login fills it."""
        super().__init__(hass, entry, session, "activations")
        self.data = None
        self._subscription_id: str | None = None

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {UserActivationMessage: self._message}

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        info = client.login_info
        self.supported = info is not None and info.supports_activations
        if not self.supported:
            self.ready = True
            return
        self._subscription_id = await client.subscribe_user_activations()

    @override
    async def _async_read(self, client: IcwsClient) -> Activations | None:
        return MappingProxyType(dict((await client.get_user_activations()).activations))

    @property
    def workgroups(self) -> dict[str, str]:
        """Return the user's workgroups: each name by its :func:`workgroup_key`."""
        return {workgroup_key(name): name for name in self.data or {}}

    def activated(self, key: str) -> bool | None:
        """Return whether the user is activated in the workgroup (None: not a member)."""
        return next(
            (
                activated
                for name, activated in (self.data or {}).items()
                if workgroup_key(name) == key
            ),
            None,
        )

    @callback
    def _message(self, message: UserActivationMessage) -> None:
        if message.subscription_id not in {None, self._subscription_id}:
            LOGGER.debug("Ignoring activations of another subscription")
            return
        self.async_publish(MappingProxyType(message.apply(self.data or {})))

    async def async_set_activation(self, workgroup: str, activated: bool) -> None:
        """Ask the server to activate or deactivate the user in one workgroup.

        Raises the client's error when the session is not live (``IcwsConnectionError``)
        or the server refuses (``IcwsNotAllowedError`` for a missing right).
        """
        client = self.session.live_client()
        LOGGER.debug(
            "%s %s in %s",
            "Activating" if activated else "Deactivating",
            self.config_entry.title,
            workgroup,
        )
        await client.set_user_activations({workgroup: activated})

    def diagnostics(self) -> dict[str, Any]:
        """Describe the activations for diagnostics: counts only."""
        activations = self.data or {}
        return {
            "last_update_success": self.last_update_success,
            "workgroups": len(activations),
            "activated": sum(activations.values()),
        }
