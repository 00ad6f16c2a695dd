"""The coordinator: owns the ICWS session, its station and the station subscription."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import aclosing, suppress
from datetime import UTC, datetime
import random
from typing import Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_USERNAME
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .connection import create_client
from .const import (
    CONF_REMOTE_NUMBER,
    CONF_RETRIEVAL_MODE,
    CONF_WORKSTATION,
    DOMAIN,
    LOGGER,
    POLL_INTERVAL,
)
from .icws import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsSessionLostError,
    IcwsStationError,
    Message,
    RetrievalMode,
    Station,
    StationMessage,
)
from .station import station_settings

type IcwsStationConfigEntry = ConfigEntry[IcwsStationCoordinator]

INITIAL_MESSAGE_TIMEOUT: Final = 15.0
BACKOFF_MIN: Final = 1.0
BACKOFF_MAX: Final = 300.0
SHUTDOWN_TIMEOUT: Final = 8.0
ERROR_HISTORY: Final = 5


class IcwsStationCoordinator(DataUpdateCoordinator[Station | None]):
    """Keeps the user's session logged in, on its station, and subscribed to it.

    Data is pushed: a background task of the entry reads the session's messages and
    publishes the station only when it changes. ``data`` is ``None`` while the session has
    no station.
    """

    config_entry: IcwsStationConfigEntry

    def __init__(self, hass: HomeAssistant, entry: IcwsStationConfigEntry) -> None:
        """Create the client; nothing is sent until the first refresh."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=DOMAIN, update_interval=None
        )
        self.client = create_client(hass, entry.data)
        self.retrieval_mode = RetrievalMode(
            entry.options.get(CONF_RETRIEVAL_MODE, RetrievalMode.AUTO)
        )
        self.poll_interval = POLL_INTERVAL
        self.connected = False
        self.errors: deque[tuple[datetime, str]] = deque(maxlen=ERROR_HISTORY)
        self._messages: AsyncGenerator[Message] | None = None
        self._station_connected_by_us = False
        self._listener: asyncio.Task[None] | None = None

    @property
    def effective_retrieval_mode(self) -> RetrievalMode:
        """The mode in use: ``auto`` resolved against the server's features."""
        if self.retrieval_mode is not RetrievalMode.AUTO:
            return self.retrieval_mode
        info = self.client.login_info
        return RetrievalMode.SSE if info and info.supports_sse else RetrievalMode.POLL

    @override
    async def _async_setup(self) -> None:
        """Log in, connect the station, subscribe and read the first station message."""
        try:
            self.data = await self._connect()
        except IcwsAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders=self._placeholders(),
            ) from err
        except IcwsError as err:
            await self._disconnect()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders=self._placeholders(error=str(err)),
            ) from err
        except TimeoutError as err:
            await self._disconnect()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="no_initial_station",
                translation_placeholders=self._placeholders(),
            ) from err

    @override
    async def _async_update_data(self) -> Station | None:
        """Return what the subscription reported last; data is pushed, never polled."""
        return self.data

    def start(self) -> None:
        """Start reading messages in a background task of the entry."""
        self._listener = self.config_entry.async_create_background_task(
            self.hass, self._listen(), f"{DOMAIN} messages of {self.config_entry.title}"
        )

    async def async_stop(self, _event: Event | None = None) -> None:
        """Stop reading, disconnect the station if this entry connected it, and log out."""
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._disconnect()

    @override
    async def async_shutdown(self) -> None:
        """Leave nothing behind on unload: no task, no session on the server."""
        await super().async_shutdown()
        await self.async_stop()

    async def _connect(self) -> Station | None:
        """Log in and subscribe; return the station from the subscription's first message."""
        self.connected = False
        self._station_connected_by_us = False
        await self.client.login()
        self.connected = True
        if (settings := station_settings(self.config_entry.options)) is not None:
            try:
                await self.client.connect_station(settings)
            except IcwsStationError as err:
                self._station_refused(err)
            else:
                self._station_connected_by_us = True
                ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        await self.client.subscribe_station()
        self._messages = self.client.messages(self.retrieval_mode, self.poll_interval)
        async with asyncio.timeout(INITIAL_MESSAGE_TIMEOUT):
            async for message in self._messages:
                if isinstance(message, StationMessage):
                    return message.apply(None)
        raise IcwsConnectionError(
            "The message stream ended before the station was reported"
        )

    async def _disconnect(self) -> None:
        """Close the message stream and end the session, bounded in time."""
        self.connected = False
        if self._messages is not None:
            messages, self._messages = self._messages, None
            async with aclosing(messages):
                pass
        try:
            async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                if self._station_connected_by_us and self.client.logged_in:
                    with suppress(IcwsError):
                        await self.client.disconnect_station()
                await self.client.logout()
        except TimeoutError:
            LOGGER.debug("Logging out of %s took too long", self.client.url.host)
        self._station_connected_by_us = False

    async def _listen(self) -> None:
        """Apply station messages; on a loss, reconnect with backoff until it works."""
        attempt = 0
        while True:
            try:
                if self._messages is None:
                    station = await self._connect()
                    LOGGER.info("Connection to %s restored", self.client.url.host)
                    attempt = 0
                    self.async_set_updated_data(station)
                await self._read_messages()
            except IcwsAuthenticationError as err:
                # Never retried: a loop of wrong-password logins can lock the account.
                await self._lost(err, log=False)
                LOGGER.warning(
                    "%s refused the password; Home Assistant asks you to sign in again",
                    self.client.url.host,
                )
                self.config_entry.async_start_reauth(self.hass)
                return
            except (IcwsError, TimeoutError) as err:
                await self._lost(err, log=attempt == 0)
            except Exception as err:  # noqa: BLE001
                # A bug must not end the listener for good and leave the entities stale:
                # log it with its traceback, then reconnect like after any loss.
                LOGGER.exception(
                    "Unexpected error while reading %s", self.client.url.host
                )
                await self._lost(err, log=False)
            attempt += 1
            delay = min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (attempt - 1))
            # Jitter spreads reconnects of many clients after a server restart; not cryptographic.
            await asyncio.sleep(random.uniform(delay / 2, delay))  # noqa: S311

    async def _read_messages(self) -> None:
        """Publish each change of the station; repeats write no state."""
        if (messages := self._messages) is None:
            raise IcwsSessionLostError("No message stream is open")
        async for message in messages:
            if not isinstance(message, StationMessage):
                continue
            station = message.apply(self.data)
            if station == self.data:
                continue
            if station is None and self._station_connected_by_us:
                LOGGER.info(
                    "The server disconnected the station of %s", self.config_entry.title
                )
                self._station_connected_by_us = False
            self.async_set_updated_data(station)
        raise IcwsSessionLostError("The message stream ended")

    async def _lost(self, err: Exception, *, log: bool) -> None:
        """Mark the entities unavailable and drop what is left of the session."""
        self.errors.append((datetime.now(UTC), str(err) or type(err).__name__))
        if log:
            LOGGER.info("Lost connection to %s: %s", self.client.url.host, err)
        await self._disconnect()
        self.last_update_success = False
        self.last_exception = err
        self.async_update_listeners()

    def _station_refused(self, err: IcwsStationError) -> None:
        """Keep the session without a station and tell the user why, once."""
        LOGGER.warning("%s refused the station: %s", self.client.url.host, err)
        self.errors.append((datetime.now(UTC), str(err)))
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="station_not_found"
            if err.not_found
            else "station_rejected",
            translation_placeholders=self._placeholders(error=str(err)),
        )

    @property
    def _issue_id(self) -> str:
        return f"station_{self.config_entry.entry_id}"

    def _placeholders(self, **extra: str) -> dict[str, str]:
        options = self.config_entry.options
        return {
            "host": self.client.url.host or "",
            "username": self.config_entry.data[CONF_USERNAME],
            "station": options.get(CONF_WORKSTATION)
            or options.get(CONF_REMOTE_NUMBER)
            or "-",
            **extra,
        }
