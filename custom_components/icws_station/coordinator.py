"""The coordinator base: one coordinator per concern of the session.

The session (``session.py``) reads the single message stream and hands each message type to
the coordinator that takes it. A station message therefore updates the station's entities
and writes no other state; the same holds for every other concern. Each concern lives in the
module named for it (``station.py``, ``status.py``, ``calls.py``, ...); the runtime data that
holds them all is in ``models.py``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER
from .icws import IcwsClient, IcwsConnectionError, IcwsError, Message
from .session import IcwsSession


class IcwsCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A concern of the session: the messages it takes and what it sets up in a session.

    Data is pushed: the session calls the handlers, which publish only real changes.
    ``_async_update_data`` (a manual ``update_entity``) reads the server while the session
    is live and fails otherwise, so it never marks entities available during an outage.
    ``supported`` says, after each login, whether the server offers the concern at all;
    the platforms create its entities only then.
    """

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: IcwsSession,
        name: str,
    ) -> None:
        """Create the coordinator; the session sets it up once it is handed to it."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {name}",
            update_interval=None,
            always_update=False,
        )
        self.session = session
        self.ready = False
        self.supported = True

    @property
    @abstractmethod
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        """The message types this coordinator takes, each with its handler."""

    @abstractmethod
    async def async_session_started(self, client: IcwsClient) -> None:
        """Set this concern up in a new session: subscribe (and what else it needs)."""

    async def async_session_ending(self, client: IcwsClient) -> None:
        """Undo what the session must not keep when the entry unloads."""

    @abstractmethod
    async def _async_read(self, client: IcwsClient) -> DataT:
        """Read the current data from the server (a manual refresh)."""

    @callback
    def async_session_changed(self) -> None:
        """The session went live or was lost: every entity's availability changed."""
        self.async_update_listeners()

    @callback
    def async_publish(self, data: DataT) -> None:
        """Publish pushed data unless it repeats what the entities already show."""
        self.ready = True
        if self.last_update_success and data == self.data:
            return
        self.async_set_updated_data(data)

    @override
    async def _async_update_data(self) -> DataT:
        try:
            return await self._async_read(self.session.live_client())
        except IcwsError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=(
                    "not_connected"
                    if isinstance(err, IcwsConnectionError)
                    else "request_failed"
                ),
                translation_placeholders=self.session.placeholders(),
            ) from err
