"""The coordinator base: one coordinator per concern of the session.

The session (``session.py``) reads the single message stream and hands each message type to
the coordinator that takes it. A station message therefore updates the station's entities
and writes no other state; the same holds for every other concern. Each concern lives in the
module named for it (``station.py``, ``status.py``, ``calls.py``, ...); the runtime data that
holds them all is in ``models.py``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar, override

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER
from .icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsError,
    Message,
    SubscriptionKind,
    SubscriptionRefusedMessage,
)
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
    # The subscriptions that feed this concern: a refused renewal of one of them makes its
    # entities unavailable until the server sends its facts again.
    subscriptions: ClassVar[frozenset[SubscriptionKind]] = frozenset()

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
    def async_subscription_refused(self, message: SubscriptionRefusedMessage) -> None:
        """A subscription of this concern was refused: what it fed can be stale now.

        The entities go unavailable, and the coordinator logs the error once; the next full
        message (the client asks again after the next gap in the messages) makes them
        available again.
        """
        if message.kind not in self.subscriptions:
            return
        self.async_set_update_error(
            UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="subscription_refused",
                translation_placeholders=self.session.placeholders(
                    subscription=message.kind
                ),
            )
        )

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


type SubentryListener = Callable[[ConfigSubentry], None]


class IcwsSubentryCoordinator[DataT](IcwsCoordinator[DataT]):
    """A concern whose things the user adds as config subentries of one type.

    Colleagues and wallboard workgroups are watched in the entry's one session: adding or
    removing a subentry changes what the session watches while it runs (the concern
    subscribes again with the new set). Nothing reloads and nobody logs in again, so the
    station and the user's own entities are untouched. Home Assistant removes a removed
    subentry's devices and entities itself; the concern drops its own state for it.

    A concern may hold hundreds of things, and a message mostly changes one: an entity
    that listens with a context (``CoordinatorEntity``'s, the thing's key) is told only by
    :meth:`async_update_key_listeners` for that key, and by :meth:`async_update_listeners`
    with every other entity (the session went down, the concern's facts went stale).
    """

    subentry_type: ClassVar[str]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: IcwsSession,
        name: str,
    ) -> None:
        """Start with the entry's subentries of this concern's type."""
        super().__init__(hass, entry, session, name)
        self.subentries = self._current_subentries()
        self._subentry_listeners: list[SubentryListener] = []
        self._key_listeners: dict[object, list[CALLBACK_TYPE]] = {}

    @callback
    @override
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen to every update; with a ``context``, to that key's own updates too.

        Kept apart from the base's listeners, at a few bytes each: a floor of colleagues
        has thousands of entities.
        """
        if context is None:
            return super().async_add_listener(update_callback, context)
        self._key_listeners.setdefault(context, []).append(update_callback)
        return partial(self._remove_key_listener, context, update_callback)

    @callback
    def _remove_key_listener(self, key: object, update_callback: CALLBACK_TYPE) -> None:
        listeners = self._key_listeners[key]
        listeners.remove(update_callback)
        if not listeners:
            del self._key_listeners[key]

    @callback
    @override
    def async_update_listeners(self) -> None:
        """Tell every listener, those of each key too."""
        super().async_update_listeners()
        for listeners in list(self._key_listeners.values()):
            for update_callback in list(listeners):
                update_callback()

    @callback
    def async_update_key_listeners(self, key: object) -> None:
        """Tell the listeners of one thing (a colleague, a statistic) that it changed alone."""
        for update_callback in list(self._key_listeners.get(key, ())):
            update_callback()

    def _current_subentries(self) -> dict[str, ConfigSubentry]:
        return {
            subentry_id: subentry
            for subentry_id, subentry in self.config_entry.subentries.items()
            if subentry.subentry_type == self.subentry_type
        }

    @callback
    def async_add_subentry_listener(self, listener: SubentryListener) -> CALLBACK_TYPE:
        """Call ``listener`` with each subentry now, and with each one added later.

        A platform adds a subentry's entities from it; it returns the function that stops.
        """
        self._subentry_listeners.append(listener)
        for subentry in self.subentries.values():
            listener(subentry)

        @callback
        def remove() -> None:
            self._subentry_listeners.remove(listener)

        return remove

    async def async_sync_subentries(self) -> None:
        """Follow the entry's subentries of this type after the entry changed."""
        current = self._current_subentries()
        added = [s for key, s in current.items() if key not in self.subentries]
        removed = [s for key, s in self.subentries.items() if key not in current]
        if not added and not removed:
            return
        self.subentries = current
        await self._async_subentries_changed(added, removed)
        for subentry in added:
            for listener in list(self._subentry_listeners):
                listener(subentry)

    @abstractmethod
    async def _async_subentries_changed(
        self, added: Sequence[ConfigSubentry], removed: Sequence[ConfigSubentry]
    ) -> None:
        """Watch the new set in the running session, and forget what was removed."""
