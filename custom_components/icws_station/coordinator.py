"""Coordinators: one per concern of the session, each notifying only its own entities.

The session (``session.py``) reads the single message stream and hands each message type to
the coordinator that registered for it. A station message therefore updates the station's
entities and writes no other state; the same holds for every other concern.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
    LOGGER,
)
from .icws import (
    ConnectionState,
    ConnectionStateMessage,
    IcwsClient,
    IcwsError,
    IcwsStationError,
    Message,
    Station,
    StationMessage,
    StationSettings,
)
from .repairs import station_issue_id
from .session import IcwsSession
from .station import station_settings

if TYPE_CHECKING:
    from .calls import CallsCoordinator
    from .presence import StatusCoordinator


@dataclass(slots=True)
class IcwsRuntimeData:
    """What a loaded entry holds: the session and the coordinators it feeds.

    ``status`` is None when the server has no status feature.
    """

    session: IcwsSession
    station: StationCoordinator
    status: StatusCoordinator | None = None
    calls: CallsCoordinator | None = None


type IcwsStationConfigEntry = ConfigEntry[IcwsRuntimeData]

# The options that hold the station choice; the others (retrieval mode) are kept.
STATION_KEYS = frozenset(
    {CONF_STATION_TYPE, CONF_WORKSTATION, CONF_REMOTE_NUMBER, CONF_PERSISTENT}
)


class IcwsCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A concern of the session: registers its message types and its setup with it.

    Data is pushed: the session calls the handlers, which publish only real changes.
    ``_async_update_data`` (a manual ``update_entity``) reads the server while the session
    is live and fails otherwise, so it never marks entities available during an outage.
    """

    config_entry: IcwsStationConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: IcwsStationConfigEntry,
        session: IcwsSession,
        name: str,
    ) -> None:
        """Register with the session; nothing is sent until it starts."""
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
        entry.async_on_unload(session.register(self))

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
        if not self.session.live:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders=self.session.placeholders(),
            )
        return await self._async_read(self.session.client)


class StationCoordinator(IcwsCoordinator[Station | None]):
    """The session's station: connects the user's choice, watches it, never fights.

    ``data`` is ``None`` while the session has no station. When the server takes the station
    away (another logon, an administrator), the reason is kept for the entities and the
    station is not connected again until the user chooses one again: two logons fighting
    over one user's station would log each other off in turn.
    """

    def __init__(
        self, hass: HomeAssistant, entry: IcwsStationConfigEntry, session: IcwsSession
    ) -> None:
        """Start without a station; the first full message brings it."""
        super().__init__(hass, entry, session, "station")
        self.data = None
        self.logged_off_reason: str | None = None
        self._taken = False
        self._reason: str | None = None
        self._connected_by_us = False
        # Whether a station is expected after a change the user asked for, until the
        # server reports it; the station's absence meanwhile is no logoff by the server.
        self._expecting: bool | None = None
        self._refused: StationSettings | None = None

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {
            StationMessage: self._station_message,
            ConnectionStateMessage: self._connection_message,
        }

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        self._connected_by_us = False
        settings = station_settings(self.config_entry.options)
        if settings is None:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        elif not self._taken:
            try:
                await client.connect_station(settings)
            except IcwsStationError as err:
                self._station_refused(settings, err)
            else:
                self._connected_by_us = True
                self._refused = None
                ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        await client.subscribe_station()

    @override
    async def async_session_ending(self, client: IcwsClient) -> None:
        if self._connected_by_us:
            await client.disconnect_station()

    @override
    async def _async_read(self, client: IcwsClient) -> Station | None:
        return await client.get_station()

    async def async_choose_station(self, options: Mapping[str, Any]) -> None:
        """Connect the station in ``options`` (none: disconnect), then keep the choice.

        Raises a translated ``HomeAssistantError`` when the session is not live or the
        server refuses; the station then stays as the server reports it, and the saved
        choice is unchanged.
        """
        if not self.session.live:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="not_connected",
                translation_placeholders=self.session.placeholders(),
            )
        settings = station_settings(options)
        client = self.session.client
        self._expecting = settings is not None
        try:
            if settings is None:
                await client.disconnect_station()
            else:
                await client.connect_station(settings)
        except IcwsStationError as err:
            self._expecting = None
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="station_not_found"
                if err.not_found
                else "station_refused",
                translation_placeholders=self.session.placeholders(),
            ) from err
        except IcwsError as err:
            self._expecting = None
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="request_failed",
                translation_placeholders=self.session.placeholders(),
            ) from err
        self._connected_by_us = settings is not None
        self._taken = False
        self._refused = None
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        kept = {
            key: value
            for key, value in self.config_entry.options.items()
            if key not in STATION_KEYS
        }
        self.hass.config_entries.async_update_entry(
            self.config_entry, options={**kept, **options}
        )

    @callback
    def _connection_message(self, message: ConnectionStateMessage) -> None:
        # A connection state that stays up but carries a reason explains a station logoff
        # (docs/icws-protocol.md §6); keep it for the station message that follows.
        if message.new_state is not ConnectionState.DOWN and message.reason:
            self._reason = message.reason

    @callback
    def _station_message(self, message: StationMessage) -> None:
        station = message.apply(self.data)
        if self._expecting is not None:
            if (station is not None) == self._expecting:
                self._expecting = None
        elif station is None and self.data is not None:
            # Not asked for: another logon or an administrator took the station. Do not
            # connect it again in this entry's later sessions: that would be a fight.
            self._taken = self._connected_by_us
            self._connected_by_us = False
            self.logged_off_reason = self._reason or ""
            if self._reason:
                self._log_logoff()
            else:
                # The session's connection state carries the server's reason (§6, §7).
                self.config_entry.async_create_background_task(
                    self.hass,
                    self._async_fetch_reason(),
                    f"{DOMAIN} station logoff reason of {self.config_entry.title}",
                )
        if station is not None:
            self.logged_off_reason = None
        self._reason = None
        self.async_publish(station)

    async def _async_fetch_reason(self) -> None:
        try:
            state = await self.session.client.check_session()
        except IcwsError:
            state = None
        if state is not None and state.reason and self.logged_off_reason == "":
            self.logged_off_reason = state.reason
            self.async_update_listeners()
        self._log_logoff()

    @callback
    def _log_logoff(self) -> None:
        LOGGER.info(
            "The server logged %s off the station: %s",
            self.config_entry.title,
            self.logged_off_reason or "no reason given",
        )

    @callback
    def _station_refused(
        self, settings: StationSettings, err: IcwsStationError
    ) -> None:
        """Keep the session without a station and tell the user why, once."""
        LOGGER.warning(
            "%s refused the station of %s",
            self.session.client.url.host,
            self.config_entry.title,
        )
        self.session.errors.append((dt_util.utcnow(), type(err).__name__))
        if settings == self._refused:
            return
        self._refused = settings
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="station_not_found" if err.not_found else "station_refused",
            translation_placeholders=self.session.placeholders(
                station=self.config_entry.options.get(CONF_WORKSTATION)
                or self.config_entry.options.get(CONF_STATION_TYPE, "-"),
            ),
        )

    @property
    def issue_id(self) -> str:
        """The repair issue of a station the server refused."""
        return station_issue_id(self.config_entry.entry_id)
