"""The user's status: their CIC status, what it means, and setting it (protocol §9).

One coordinator for the status, the status catalogue and the user's access list, because
every status entity needs all three (a status's text and flags come from the catalogue,
the select's options from catalogue and access list together). It is fed by the session
like the station's and notifies only the status entities, so a station message writes no
status state and a status message no station state. No station logon is needed.

It also owns the session's one user-statuses subscription (docs/icws-protocol.md §15): a
PUT replaces the watched set, so the set is the user and every user another concern
watches (the colleagues), put together here, in one place, on each login and after each
change of those users in the running session.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN, LOGGER
from .coordinator import IcwsCoordinator
from .icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsError,
    Message,
    StatusCatalogueMessage,
    StatusDefinition,
    SubscriptionKind,
    UserStatus,
    UserStatusAccessMessage,
    UserStatusMessage,
    id_key,
)
from .session import IcwsSession


@dataclass(frozen=True, slots=True)
class StatusOptions:
    """The catalogue with the user's access list, and what they make: the user's choices.

    Built once per catalogue or access change, not per status message: every status
    message shares it. ``catalogue`` and ``access`` are keyed by :func:`id_key`
    (status ids compare without case, docs/icws-protocol.md §9).
    """

    catalogue: Mapping[str, StatusDefinition] = field(default_factory=dict)
    access: frozenset[str] = frozenset()
    choices: Mapping[str, StatusDefinition] = field(default_factory=dict)
    # Each choice's option text by its status's key: the select asks for it at every write.
    texts: Mapping[str, str] = field(default_factory=dict)


def status_options(
    catalogue: Mapping[str, StatusDefinition], access: Iterable[str]
) -> StatusOptions:
    """Return the statuses the user may pick, by the option text shown for each.

    The access list filtered by ``isSelectableStatus``, as the vendor advises; an ACD
    status the server set is shown by the sensor but never offered. Two statuses with the
    same text are told apart by their ids.
    """
    keys = frozenset(id_key(status_id) for status_id in access)
    pickable = [
        message
        for key, message in catalogue.items()
        if key in keys and message.is_selectable
    ]
    texts = Counter(message.message_text for message in pickable)
    choices = {
        (
            message.message_text
            if texts[message.message_text] == 1
            else f"{message.message_text} ({message.status_id})"
        ): message
        for message in pickable
    }
    return StatusOptions(
        MappingProxyType(dict(catalogue)),
        keys,
        MappingProxyType(choices),
        MappingProxyType(
            {id_key(message.status_id): text for text, message in choices.items()}
        ),
    )


@dataclass(frozen=True, slots=True)
class StatusData:
    """The user's status with the catalogue and access list that give it meaning."""

    status: UserStatus
    choosable: StatusOptions = field(default_factory=StatusOptions)

    @property
    def catalogue(self) -> Mapping[str, StatusDefinition]:
        """Return the server's statuses by :func:`id_key`."""
        return self.choosable.catalogue

    @property
    def choices(self) -> Mapping[str, StatusDefinition]:
        """Return the statuses the user may pick, by the option text shown for each."""
        return self.choosable.choices

    @property
    def message(self) -> StatusDefinition | None:
        """Return the catalogue's entry of the current status (None: not in it)."""
        return self.catalogue.get(id_key(self.status.status_id))

    @property
    def text(self) -> str:
        """Return the current status's text in the session's language (else its id)."""
        message = self.message
        return message.message_text if message else self.status.status_id

    @property
    def option(self) -> str:
        """Return the current status as the select shows it.

        Its option text when the user may pick it; otherwise (a status the ACD or an
        administrator set) its text, told apart from a choice of the same text by its id.
        """
        if (
            choice := self.choosable.texts.get(id_key(self.status.status_id))
        ) is not None:
            return choice
        text = self.text
        return f"{text} ({self.status.status_id})" if text in self.choices else text

    @property
    def options(self) -> list[str]:
        """Return what the select offers: the choices, and the current status if not one."""
        options = list(self.choices)
        if (current := self.option) not in self.choices:
            options.append(current)
        return options

    def find(self, name: str) -> StatusDefinition | None:
        """Return the catalogue status with this id or text, compared without case."""
        key = id_key(name)
        if (message := self.catalogue.get(key)) is not None:
            return message
        folded = name.strip().casefold()
        for text, message in self.choices.items():
            if text.casefold() == folded:
                return message
        return next(
            (
                message
                for message in self.catalogue.values()
                if message.message_text.casefold() == folded
            ),
            None,
        )


def _catalogue(messages: Iterable[StatusDefinition]) -> dict[str, StatusDefinition]:
    return {id_key(message.status_id): message for message in messages}


# The users another concern has the session watch, besides the user (each call: the ids).
type WatchedUsers = Callable[[], Iterable[str]]


class StatusCoordinator(IcwsCoordinator[StatusData | None]):
    """The user's status, pushed by the server; setting it goes to the server and back.

    Without the server's status feature the coordinator stays idle (``supported`` false)
    and the entry creates no status entities. State follows the server only: a status set
    from Home Assistant shows when the server reports it, exactly as one set at the desktop
    client.
    """

    subscriptions = frozenset(
        {
            SubscriptionKind.USER_STATUSES,
            SubscriptionKind.STATUS_CATALOGUE,
            SubscriptionKind.STATUS_ACCESS,
        }
    )

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: IcwsSession
    ) -> None:
        """Start with nothing known; the first login fills it."""
        super().__init__(hass, entry, session, "status")
        self.data = None
        self._statuses: dict[str, UserStatus] = {}
        self._catalogue: dict[str, StatusDefinition] = {}
        self._access: dict[str, frozenset[str]] = {}
        self._options = StatusOptions()
        self._watched_sources: list[WatchedUsers] = []
        # What the server was last asked to watch, and one PUT at a time, so that the last
        # PUT sent always carries the newest set.
        self._watching: tuple[str, ...] = ()
        self._watch_lock = asyncio.Lock()

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {
            UserStatusMessage: self._status_message,
            StatusCatalogueMessage: self._catalogue_message,
            UserStatusAccessMessage: self._access_message,
        }

    @property
    def _user_key(self) -> str:
        info = self.session.client.login_info
        return info.user_id.casefold() if info else ""

    @property
    def catalogue(self) -> Mapping[str, StatusDefinition]:
        """Return the server's statuses by :func:`id_key` (also for other users' statuses)."""
        return self._options.catalogue

    @callback
    def add_watched_users(self, source: WatchedUsers) -> None:
        """Have the subscription watch the users ``source`` names too, from the next PUT.

        A concern that changes its users in the running session then calls
        :meth:`async_watch_users`.
        """
        self._watched_sources.append(source)

    def watched_user_ids(self, client: IcwsClient) -> tuple[str, ...]:
        """Return whom the subscription watches: the user first, then the others, once."""
        own = client.login_info.user_id if client.login_info else ""
        users = {id_key(own): own}
        for source in self._watched_sources:
            for user_id in source():
                users.setdefault(id_key(user_id), user_id)
        return tuple(users.values())

    async def _async_watch(self, client: IcwsClient) -> None:
        """PUT the whole set, unless the server already watches exactly it."""
        async with self._watch_lock:
            users = self.watched_user_ids(client)
            if users == self._watching:
                return
            await client.subscribe_user_statuses(users)
            self._watching = users

    async def async_watch_users(self) -> None:
        """Watch the current set in the running session: one PUT, no new login.

        Raises the client's error when the session is not live or the server refuses; the
        set is then PUT again once the session is live again.
        """
        if self.supported:
            await self._async_watch(self.session.live_client())

    @callback
    @override
    def async_session_changed(self) -> None:
        """Also catch up on users added or removed while the session was not live."""
        super().async_session_changed()
        client = self.session.client
        if (
            self.session.live
            and self.supported
            and self.watched_user_ids(client) != self._watching
        ):
            self.config_entry.async_create_background_task(
                self.hass, self._async_catch_up(), f"{DOMAIN} watched users"
            )

    async def _async_catch_up(self) -> None:
        try:
            await self.async_watch_users()
        except IcwsError as err:
            LOGGER.warning(
                "%s did not take the users to watch for %s: %s",
                self.session.client.url.host,
                self.config_entry.title,
                err,
            )

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        info = client.login_info
        self.supported = info is not None and info.supports_status
        if not self.supported:
            self.ready = True
            return
        # Subscribe first, then read: a change between the two still arrives as a message.
        # The reads cover servers whose first catalogue or access message is not complete
        # ([guess] in docs/icws-protocol.md §9); the vendor asks to read the access list
        # before offering statuses. A new session watches nothing yet.
        self._watching = ()
        await self._async_watch(client)
        await client.subscribe_status_catalogue()
        await client.subscribe_user_status_access()
        await self._async_read_options(client)
        self._publish()

    @override
    async def _async_read(self, client: IcwsClient) -> StatusData | None:
        status = await client.get_user_status()
        self._statuses[self._user_key] = status
        await self._async_read_options(client)
        return StatusData(status, self._options)

    async def _async_read_options(self, client: IcwsClient) -> None:
        """Read the catalogue and the user's access list, and work out the choices."""
        self._catalogue = _catalogue(await client.get_status_catalogue())
        self._access = {self._user_key: await client.get_user_status_access()}
        self._rebuild()

    def _rebuild(self) -> None:
        """Work out the choices again after the catalogue or the access list changed."""
        self._options = status_options(
            self._catalogue, self._access.get(self._user_key, frozenset())
        )

    @callback
    def _publish(self) -> None:
        """Publish once the user's own status is known (the first message brings it)."""
        status = self._statuses.get(self._user_key)
        if status is not None:
            self.async_publish(StatusData(status, self._options))

    @callback
    def _status_message(self, message: UserStatusMessage) -> None:
        # The subscription watches colleagues too: keep the user's own entry only.
        self._statuses = message.apply(self._statuses, users={self._user_key})
        self._publish()

    @callback
    def _catalogue_message(self, message: StatusCatalogueMessage) -> None:
        self._catalogue = message.apply(self._catalogue)
        self._rebuild()
        self._publish()

    @callback
    def _access_message(self, message: UserStatusAccessMessage) -> None:
        self._access = message.apply(self._access)
        self._rebuild()
        self._publish()

    async def async_set_status(
        self,
        name: str,
        *,
        notes: str | None = None,
        forward_number: str | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
    ) -> None:
        """Ask the server to set the user's status (or a colleague's), by id or text.

        Raises ``ServiceValidationError`` for a status the server does not know or the user
        may not pick (checked here, so the server is never asked in vain), and the client's
        error when the session is not live (``IcwsConnectionError``) or the server refuses.
        Picking the status the user is in already, which they may not pick (the ACD set
        it), asks the server nothing. A colleague's (``user_id``) takes a supervisor's
        right, which only the server knows: it refuses with 403.
        """
        client = self.session.live_client()
        if (current := self.data) is None:
            raise IcwsConnectionError("No status known yet")
        colleague = user_id is not None and id_key(user_id) != self._user_key
        if not colleague and name == current.option and name not in current.choices:
            return
        message = current.find(name)
        if message is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_status",
                translation_placeholders={"status": name},
            )
        if colleague:
            # The colleague's identity and notes are personal: debug level only.
            LOGGER.debug("Setting the status of %s to %s", user_id, message.status_id)
            await client.set_user_status(
                message.status_id,
                notes=notes,
                forward_number=forward_number,
                until=until,
                user_id=user_id,
            )
            return
        if message not in current.choices.values():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="status_not_allowed",
                translation_placeholders={"status": message.message_text},
            )
        # Notes and forward numbers are personal: debug level only.
        LOGGER.debug(
            "Setting the status of %s to %s (notes %r, forward number %r, until %s)",
            self.config_entry.title,
            message.status_id,
            notes,
            forward_number,
            until,
        )
        await client.set_user_status(
            message.status_id,
            notes=notes,
            forward_number=forward_number,
            until=until,
        )
