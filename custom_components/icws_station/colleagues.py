"""Colleagues: other users' statuses, each a config subentry with a device of its own.

The desktop client's main window is a list of colleagues with their status and whether
they are on the phone (docs/icws-protocol.md §9, §15). CIC pushes every watched user's
status over the one user-statuses subscription the session already holds, so a colleague
costs no session and no polling: the status coordinator (``status.py``) PUTs the user and
every colleague as one set, and this coordinator keeps the colleagues' entries of each
message. A floor has hundreds of colleagues and a message mostly changes one: only that
colleague's entities are told (``async_update_key_listeners``).

Colleagues' names, ids and notes are personal data: never in a log line above debug, and
counted only in diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import LOGGER
from .coordinator import IcwsSubentryCoordinator
from .entity import (
    IcwsEntityDescription,
    add_subentry_entities,
    subentry_device_info,
    supported,
)
from .icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsError,
    Message,
    StatusCatalogueMessage,
    SubscriptionKind,
    UserStatus,
    UserStatusMessage,
    id_key,
)
from .session import IcwsSession
from .status import StatusCoordinator, StatusData, StatusOptions

SUBENTRY_COLLEAGUE: Final = "colleague"
CONF_USER_ID: Final = "user_id"
# The model of a colleague's device.
COLLEAGUE_MODEL: Final = "CIC user"


def colleague_key(subentry: ConfigSubentry) -> str:
    """Return the key a colleague's status is kept and told under (their folded id)."""
    return id_key(subentry.data[CONF_USER_ID])


def add_colleague_entities[DescriptionT: IcwsEntityDescription[Any]](
    entry: ConfigEntry,
    coordinator: ColleaguesCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity: Callable[..., Entity],
    descriptions: Iterable[DescriptionT],
) -> None:
    """Add a platform's entities to each colleague the server can watch, now and later.

    A colleague's entities share their key and their device.
    """
    offered = supported(coordinator, descriptions)
    if not offered:
        return

    def entities(subentry: ConfigSubentry) -> list[Entity]:
        shared = {
            "key": colleague_key(subentry),
            "device_info": subentry_device_info(coordinator, subentry, COLLEAGUE_MODEL),
        }
        return [entity(coordinator, description, **shared) for description in offered]

    add_subentry_entities(entry, coordinator, async_add_entities, entities)


class ColleaguesCoordinator(IcwsSubentryCoordinator[Mapping[str, UserStatus]]):
    """The colleagues' statuses by :func:`colleague_key`, pushed by the server.

    ``supported`` follows the server's status feature. A full message replaces every
    colleague's status; a delta changes the colleagues it names. During an outage every
    colleague's entities are unavailable; the renewed subscription gives them their full
    state again.
    """

    subentry_type = SUBENTRY_COLLEAGUE
    subscriptions = frozenset({SubscriptionKind.USER_STATUSES})

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: IcwsSession,
        status: StatusCoordinator,
    ) -> None:
        """Watch the entry's colleagues through the status coordinator's subscription."""
        super().__init__(hass, entry, session, "colleagues")
        self._status = status
        self._statuses: dict[str, UserStatus] = {}
        self.data = self._statuses
        self._keys = {colleague_key(s) for s in self.subentries.values()}
        status.add_watched_users(self._user_ids)

    def _user_ids(self) -> list[str]:
        return [subentry.data[CONF_USER_ID] for subentry in self.subentries.values()]

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {
            UserStatusMessage: self._status_message,
            StatusCatalogueMessage: self._catalogue_changed,
        }

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        # The status coordinator, set up first, subscribed with the colleagues in the set.
        self.supported = self._status.supported
        if not self.supported:
            self.ready = True

    @override
    async def _async_read(self, client: IcwsClient) -> Mapping[str, UserStatus]:
        # Pushed data only: the subscription keeps every colleague current and a renewal
        # brings all of them again, while a read would cost one request per colleague.
        return self._statuses

    def colleague(self, key: str) -> StatusData | None:
        """Return a colleague's status with the catalogue that gives it meaning."""
        status = self._statuses.get(key)
        if status is None:
            return None
        return StatusData(status, StatusOptions(catalogue=self._status.catalogue))

    @property
    def watched(self) -> int:
        """How many colleagues the entry watches (diagnostics count, never name, them)."""
        return len(self._keys)

    @property
    def reported(self) -> int:
        """How many of them the server reports a status for."""
        return len(self._statuses)

    @callback
    def _status_message(self, message: UserStatusMessage) -> None:
        if not message.is_delta:
            self._replace(message)
            return
        for change in message.statuses:
            key = id_key(change.user_id)
            if key not in self._keys:
                continue
            old = self._statuses.get(key)
            new = change.merged(old, is_delta=True)
            if new is not None and new != old:
                self._statuses[key] = new
                self.async_update_key_listeners(key)

    @callback
    def _replace(self, message: UserStatusMessage) -> None:
        """Take a full message: every colleague's status as it says, told if changed."""
        new = message.apply({}, users=self._keys)
        changed = [key for key in self._keys if new.get(key) != self._statuses.get(key)]
        self._statuses.clear()
        self._statuses.update(new)
        self.ready = True
        if not self.last_update_success:
            # Stale since a refused renewal: every colleague is current again.
            self.async_set_updated_data(self._statuses)
            return
        for key in changed:
            self.async_update_key_listeners(key)

    @callback
    def _catalogue_changed(self, _message: StatusCatalogueMessage) -> None:
        # A status's text or flags changed (the status coordinator took the change first).
        if self._keys:
            self.async_update_listeners()

    @override
    async def _async_subentries_changed(
        self, added: Sequence[ConfigSubentry], removed: Sequence[ConfigSubentry]
    ) -> None:
        self._keys = {colleague_key(s) for s in self.subentries.values()}
        for subentry in removed:
            self._statuses.pop(colleague_key(subentry), None)
        try:
            await self._status.async_watch_users()
        except IcwsConnectionError as err:
            # Not live now: the set is PUT again once the session is.
            LOGGER.debug(
                "Watching %s colleagues of %s waits for the session: %s",
                len(self._keys),
                self.config_entry.title,
                err,
            )
        except IcwsError as err:
            LOGGER.warning(
                "%s refused to watch %s colleagues of %s: %s",
                self.session.client.url.host,
                len(self._keys),
                self.config_entry.title,
                err,
            )
