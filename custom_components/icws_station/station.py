"""The session's station: the user's choice, connecting it, and watching what the server says.

The client's :class:`StationSetting` is the one station-type enum; the integration stores and
shows it as ``setting.name.lower()``. Options, action data and flow input share the field
keys below, so one mapping serves the config flow, the coordinator and the actions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TAKEN,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
    LOGGER,
)
from .coordinator import IcwsCoordinator
from .icws import (
    ConnectionState,
    ConnectionStateMessage,
    IcwsClient,
    IcwsError,
    IcwsStationError,
    Message,
    RemoteNumberSettings,
    RemoteWorkstationSettings,
    Station,
    StationMessage,
    StationSetting,
    StationSettings,
    SubscriptionKind,
    WorkstationSettings,
)
from .repairs import station_issue_id
from .session import IcwsSession

# The fields each station type takes, in the order a form asks for them. ``persistent`` is
# optional (False when absent); the others are required.
STATION_FIELDS: Final[Mapping[StationSetting, tuple[str, ...]]] = MappingProxyType(
    {
        StationSetting.NONE: (),
        StationSetting.WORKSTATION: (CONF_WORKSTATION,),
        StationSetting.REMOTE_WORKSTATION: (CONF_WORKSTATION, CONF_REMOTE_NUMBER),
        StationSetting.REMOTE_NUMBER: (CONF_REMOTE_NUMBER, CONF_PERSISTENT),
    }
)

# The types a user can choose, as stored in options and shown by selectors and sensors.
STATION_TYPES: Final = tuple(setting.name.lower() for setting in STATION_FIELDS)

# The options that hold the station choice; the others (retrieval mode) are kept when the
# user chooses again. ``station_taken`` belongs to the choice: it says the server gave the
# chosen station to another logon, and goes when the user chooses a station again.
STATION_KEYS: Final = frozenset(
    {
        CONF_STATION_TYPE,
        CONF_WORKSTATION,
        CONF_REMOTE_NUMBER,
        CONF_PERSISTENT,
        CONF_STATION_TAKEN,
    }
)


def station_type_key(setting: StationSetting) -> str:
    """Return the integration's name of a station type (``remote_number``)."""
    return setting.name.lower()


def station_type(data: Mapping[str, Any]) -> StationSetting:
    """Return the station type in options or action data; none chosen means no station.

    Raises ``ValueError`` for a name that is not a type a user can choose.
    """
    key = data.get(CONF_STATION_TYPE) or station_type_key(StationSetting.NONE)
    if key not in STATION_TYPES:
        raise ValueError(f"Unknown station type: {key}")
    return StationSetting[key.upper()]


def station_options(
    setting: StationSetting, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the options that store a station: its type and its fields, text trimmed."""
    options: dict[str, Any] = {CONF_STATION_TYPE: station_type_key(setting)}
    for key in STATION_FIELDS[setting]:
        value = values.get(key, False) if key == CONF_PERSISTENT else values[key]
        options[key] = value.strip() if isinstance(value, str) else value
    return options


def station_settings(data: Mapping[str, Any]) -> StationSettings | None:
    """Return what to connect the session to; ``None`` leaves the session without a station.

    Raises ``ValueError`` for an unknown type and ``KeyError`` for a missing required field.
    """
    setting = station_type(data)
    options = station_options(setting, data)
    match setting:
        case StationSetting.WORKSTATION:
            return WorkstationSettings(options[CONF_WORKSTATION])
        case StationSetting.REMOTE_WORKSTATION:
            return RemoteWorkstationSettings(
                options[CONF_WORKSTATION], options[CONF_REMOTE_NUMBER]
            )
        case StationSetting.REMOTE_NUMBER:
            return RemoteNumberSettings(
                options[CONF_REMOTE_NUMBER], persistent=options[CONF_PERSISTENT]
            )
    return None


class StationCoordinator(IcwsCoordinator[Station | None]):
    """The session's station: connects the user's choice, watches it, never fights.

    ``data`` is ``None`` while the session has no station. When the server takes the station
    away (another logon, an administrator), the reason is kept for the entities and the
    station is not connected again until the user chooses one again, not even after a
    reload or a restart: two logons fighting over one user's station would log each other
    off in turn.
    """

    subscriptions = frozenset({SubscriptionKind.STATION})

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: IcwsSession
    ) -> None:
        """Start without a station; the first full message brings it."""
        super().__init__(hass, entry, session, "station")
        self.data = None
        self.logged_off_reason: str | None = None
        self._reason: str | None = None
        self._connected_by_us = False
        # Whether a station is expected after a change the user asked for, until the
        # server reports it; the station's absence meanwhile is no logoff by the server.
        self._expecting: bool | None = None
        self._refused: StationSettings | None = None
        self._logoff: asyncio.Task[None] | None = None

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {
            StationMessage: self._station_message,
            ConnectionStateMessage: self._connection_message,
        }

    @property
    def taken(self) -> bool:
        """Whether the server gave the chosen station to another logon (kept in options)."""
        return bool(self.config_entry.options.get(CONF_STATION_TAKEN))

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        self._connected_by_us = False
        settings = station_settings(self.config_entry.options)
        if settings is None:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        elif not self.taken:
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

        Raises the client's error when the session is not live (``IcwsConnectionError``)
        or the server refuses (``IcwsStationError``, another ``IcwsError``); the station
        then stays as the server reports it, and the saved choice is unchanged.
        """
        client = self.session.live_client()
        settings = station_settings(options)
        self._expecting = settings is not None
        try:
            if settings is None:
                await client.disconnect_station()
            else:
                await client.connect_station(settings)
        except IcwsError:
            self._expecting = None
            raise
        self._connected_by_us = settings is not None
        self._refused = None
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        self._save_choice(options)

    @callback
    def _save_choice(self, station: Mapping[str, Any], *, taken: bool = False) -> None:
        """Save the station in ``station`` into the options, keeping the other options."""
        options = {
            key: value
            for key, value in self.config_entry.options.items()
            if key not in STATION_KEYS
        }
        options |= {
            key: value
            for key, value in station.items()
            if key in STATION_KEYS and key != CONF_STATION_TAKEN
        }
        if taken:
            options[CONF_STATION_TAKEN] = True
        self.hass.config_entries.async_update_entry(self.config_entry, options=options)

    @callback
    def _connection_message(self, message: ConnectionStateMessage) -> None:
        # A connection state that stays up but carries a reason explains a station logoff
        # (docs/icws-protocol.md §6); keep it for the station message that follows.
        if message.new_state is not ConnectionState.DOWN and message.reason:
            self._reason = message.reason

    @callback
    def _station_message(self, message: StationMessage) -> None:
        if self._logoff is not None:
            # A newer message supersedes a logoff still waiting for its reason.
            self._logoff.cancel()
            self._logoff = None
        station = message.apply(self.data)
        if self._expecting is not None:
            if (station is not None) == self._expecting:
                self._expecting = None
        elif station is None and self.data is not None:
            # Not asked for: another logon or an administrator took the station.
            self._station_taken()
            if self._reason is None:
                # The session's connection state carries the server's reason (§6, §7).
                # Show the logoff once the reason is known, in the same write: an
                # automation triggered by it reads the reason from that state.
                self._logoff = self.config_entry.async_create_background_task(
                    self.hass,
                    self._async_publish_logoff(),
                    f"{DOMAIN} station logoff of {self.config_entry.title}",
                )
                return
            self._logged_off(self._reason)
            return
        if station is not None:
            self.logged_off_reason = None
        self._reason = None
        self.async_publish(station)

    @callback
    def _station_taken(self) -> None:
        """Remember not to connect the station again until the user chooses one again."""
        if self._connected_by_us:
            self._connected_by_us = False
            self._save_choice(self.config_entry.options, taken=True)

    async def _async_publish_logoff(self) -> None:
        try:
            state = await self.session.client.check_session()
        except IcwsError:
            state = None
        self._logoff = None
        self._logged_off(state.reason if state is not None else None)

    @callback
    def _logged_off(self, reason: str | None) -> None:
        """Show the station gone, with why, in one write."""
        self.logged_off_reason = reason or ""
        self._reason = None
        LOGGER.info(
            "The server logged %s off the station: %s",
            self.config_entry.title,
            reason or "no reason given",
        )
        self.async_publish(None)

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
