"""The user's ICWS session: one live session per entry, shared by every coordinator.

Why one session owner and one coordinator per concern: CIC allows one message stream per
session, so one reader must take every message; but a station message must not rewrite the
status entities, nor a status message the station's. So the session reads and routes each
message type to the coordinator that takes it, and each coordinator notifies only
its own entities. The session alone decides when to log in, reopen the stream or log out,
so no coordinator can leave a second session on the server.

Faults, in this order (docs/icws-protocol.md §2, §4, §7):

1. The stream breaks or the server cannot be reached: the entities go unavailable at once,
   the session is kept, and ``messages()`` is called again after a backoff; it reopens the
   stream in the same session and renews every subscription (full messages again). The
   station is never logged off for this.
2. The server says the session is gone (401, a "down" message, a failed session check): log
   in again and let every coordinator set its part up again (station, subscriptions).
3. The server says not to reconnect (``shouldReconnect: false``): stop, and raise a fixable
   repair issue that names the server's reason.
4. The server refuses the password: stop and ask the user to sign in again; never retried
   (a loop of wrong-password logins can lock the account).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing, suppress
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.util.hass_dict import HassKey

from .account import is_entry_account
from .backoff import Backoff
from .const import APPLICATION_NAME, CONF_RETRIEVAL_MODE, DOMAIN, LOGGER, POLL_INTERVAL
from .icws import (
    IcwsAuthenticationError,
    IcwsClient,
    IcwsConnectionError,
    IcwsError,
    IcwsPlainHttpError,
    IcwsSessionLostError,
    Message,
    RetrievalMode,
    SubscriptionRefusedMessage,
    server_url,
)
from .repairs import session_issue_id

# Sessions of an entry whose logout did not reach the server (an unload, a reload or a
# failed setup during an outage), by entry: the next setup logs them out before it logs in,
# so that the server never holds two sessions of the entry.
PENDING_LOGOUTS: HassKey[dict[str, tuple[IcwsClient, aiohttp.ClientSession]]] = HassKey(
    f"{DOMAIN}_pending_logouts"
)
INITIAL_MESSAGE_TIMEOUT: Final = 15.0
SHUTDOWN_TIMEOUT: Final = 8.0
ERROR_HISTORY: Final = 5
# Failed reconnects, each refused by the server's address, before a server that has a
# switchover partner is taken for gone.
SWITCHOVER_AFTER: Final = 3


def _refused(err: BaseException) -> bool:
    """Whether the address refused the connection: no request reached a server."""
    cause = err.__cause__
    return isinstance(cause, aiohttp.ClientConnectorError) and isinstance(
        cause.os_error, ConnectionRefusedError
    )


class SessionPart(Protocol):
    """What a coordinator gives the session that runs it (see ``IcwsCoordinator``)."""

    @property
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        """The message types this part takes, each with its handler."""

    @property
    def ready(self) -> bool:
        """Whether the part has had its first full message since it was set up."""

    async def async_session_started(self, client: IcwsClient) -> None:
        """Set the part up in a new session (connect a station, subscribe)."""

    async def async_session_ending(self, client: IcwsClient) -> None:
        """Undo what the part set up, before the session logs out on unload."""

    @callback
    def async_subscription_refused(self, message: SubscriptionRefusedMessage) -> None:
        """Hear that the server refused to renew a subscription (perhaps the part's)."""

    @callback
    def async_session_changed(self) -> None:
        """Tell the part's entities that the session went live or was lost."""


def create_http_session(hass: HomeAssistant, verify_ssl: bool) -> aiohttp.ClientSession:
    """Return an HTTP session of the integration's own, with a jar that keeps nothing.

    ICWS authenticates with a session cookie; the client sends it itself, so nothing needs
    keeping, and nothing of this user's session lands in Home Assistant's shared jar.
    It shares Home Assistant's connection pool, so the caller detaches it when done
    (not automatically on unload: the logout still needs it then).
    """
    return async_create_clientsession(
        hass,
        verify_ssl=verify_ssl,
        auto_cleanup=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def create_client(
    hass: HomeAssistant, data: Mapping[str, Any], http: aiohttp.ClientSession
) -> IcwsClient:
    """Return a client for the server and user in an entry's ``data``."""
    return IcwsClient(
        http,
        server_url(data[CONF_URL]),
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        application_name=APPLICATION_NAME,
        language=hass.config.language,
        verify_ssl=data[CONF_VERIFY_SSL],
    )


def _retrieval_mode(entry: ConfigEntry) -> RetrievalMode:
    return RetrievalMode(entry.options.get(CONF_RETRIEVAL_MODE, RetrievalMode.AUTO))


class IcwsSession:
    """Owns the client, the login, the message loop and the fault handling of one entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Create the HTTP session and the client; nothing is sent yet."""
        self.hass = hass
        self.entry = entry
        self._http = create_http_session(hass, entry.data[CONF_VERIFY_SSL])
        self.client = create_client(hass, entry.data, self._http)
        self._data = dict(entry.data)
        self.retrieval_mode = _retrieval_mode(entry)
        self.live = False
        # The kind of each recent error, never its text: the server's texts can quote
        # personal data, and the kind is what a maintainer acts on.
        self.errors: deque[tuple[datetime, str]] = deque(maxlen=ERROR_HISTORY)
        # The last failure itself: how long to wait before the next attempt depends on it.
        self.last_error: BaseException | None = None
        self.outages = 0
        self.logins = 0
        self._parts: tuple[SessionPart, ...] = ()
        self._handlers: dict[type[Message], list[Callable[[Any], None]]] = {}
        self._features: Mapping[str, int] | None = None
        self._messages: AsyncGenerator[Message] | None = None
        self._prepared = False
        self._outage_began = False
        self._backoff = Backoff()
        self._task: asyncio.Task[None] | None = None

    @property
    def effective_retrieval_mode(self) -> RetrievalMode:
        """The mode in use: ``auto`` resolved against the server's features."""
        if self.retrieval_mode is not RetrievalMode.AUTO:
            return self.retrieval_mode
        info = self.client.login_info
        return RetrievalMode.SSE if info and info.supports_sse else RetrievalMode.POLL

    def outdated(self) -> bool:
        """Whether the entry changed in a way only a new session can follow."""
        return (
            dict(self.entry.data) != self._data
            or _retrieval_mode(self.entry) is not self.retrieval_mode
        )

    def live_client(self) -> IcwsClient:
        """Return the client while the session is live, for a request a user asked for.

        Raises :class:`IcwsConnectionError` during an outage: a request then would either
        fail or, worse, be the first of a second session.
        """
        if not self.live:
            raise IcwsConnectionError("No live session")
        return self.client

    async def async_start(self, parts: Sequence[SessionPart]) -> None:
        """Log in, set the parts up in this order, and wait for each one's first message.

        The order matters where a part decides from another's state (the calls follow the
        status when the server has no queue watch), so the caller states it here. Raises
        what ``async_setup_entry`` should: not ready (retried by Home Assistant), auth
        failed (reauth) or an error (a different account). On every way out but success
        the session is logged out and the HTTP session detached, so a failed setup leaves
        nothing on the server, cancellation included.
        """
        self._parts = tuple(parts)
        self._handlers = {}
        for part in self._parts:
            for message_type, handler in part.message_handlers.items():
                self._handlers.setdefault(message_type, []).append(handler)
            self._handlers.setdefault(SubscriptionRefusedMessage, []).append(
                part.async_subscription_refused
            )
        try:
            await self._end_previous_session()
            await self._login()
            await self._prepare()
            async with asyncio.timeout(INITIAL_MESSAGE_TIMEOUT):
                await self._read(until_ready=True)
        except BaseException as err:
            await self._close()
            if (error := self._setup_error(err)) is err:
                raise
            raise error from err
        self._set_live(True)
        ir.async_delete_issue(self.hass, DOMAIN, self.ended_issue_id)
        self._task = self.entry.async_create_background_task(
            self.hass, self._run(), f"{DOMAIN} messages of {self.entry.title}"
        )

    async def _end_previous_session(self) -> None:
        """Log out the entry's previous session if its logout did not reach the server.

        Raises :class:`IcwsConnectionError` while it still cannot: a login now would be a
        second session of the entry on the server.
        """
        pending = self.hass.data.get(PENDING_LOGOUTS, {})
        if (previous := pending.pop(self.entry.entry_id, None)) is None:
            return
        client, http = previous
        await client.logout()
        if client.logout_pending:
            pending[self.entry.entry_id] = previous
            raise IcwsConnectionError("The previous session is not logged out yet")
        http.detach()

    def _setup_error(self, err: BaseException) -> BaseException:
        """Return what setup raises for ``err``: Home Assistant's kinds, or ``err`` itself."""
        if isinstance(err, IcwsAuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders=self.placeholders(),
            )
        if isinstance(err, IcwsPlainHttpError):
            # Retried like any setup error, in case the server's TLS comes back; the
            # message tells the user what to change meanwhile.
            return ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="plain_http",
                translation_placeholders=self.placeholders(),
            )
        if isinstance(err, IcwsError):
            return ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders=self.placeholders(error=str(err)),
            )
        if isinstance(err, TimeoutError):
            return ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="no_initial_message",
                translation_placeholders=self.placeholders(),
            )
        return err

    async def async_stop(self) -> None:
        """Stop reading, let the parts undo their setup, log out and close, bounded."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._set_live(False)
        await self._close()

    async def _close(self) -> None:
        """Close the stream, end the session on the server and close the HTTP session.

        Shielded: a setup or unload that is cancelled still logs out, bounded by the
        shutdown timeout, rather than leave the session (and its station) on the server.
        """
        closing = asyncio.ensure_future(self._async_close())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing
            raise

    async def _async_close(self) -> None:
        await self._close_messages()
        try:
            async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                if self.client.logged_in and self._prepared:
                    for part in reversed(self._parts):
                        with suppress(IcwsError):
                            await part.async_session_ending(self.client)
                await self.client.logout()
        except TimeoutError:
            LOGGER.debug("Logging out of %s took too long", self.client.url.host)
        self._prepared = False
        if self.client.logout_pending:
            # The server holds the session still: the next setup logs it out first.
            self.hass.data.setdefault(PENDING_LOGOUTS, {})[self.entry.entry_id] = (
                self.client,
                self._http,
            )
        else:
            self._http.detach()

    async def _close_messages(self) -> None:
        if self._messages is not None:
            messages, self._messages = self._messages, None
            async with aclosing(messages):
                pass

    async def _login(self) -> None:
        """Log in and check that the server still knows the user as the same account.

        A later login that finds other features (a switchover partner on another release)
        reloads the entry, so that the entities follow what the server offers now.
        """
        self._prepared = False
        info = await self.client.login()
        self.logins += 1
        if not is_entry_account(self.entry, info):
            # The address now serves another account: never show its station as ours.
            await self.client.logout()
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="account_mismatch",
                translation_placeholders=self.placeholders(),
            )
        if self._features is None:
            self._features = dict(info.features)
        elif info.features != self._features:
            LOGGER.info(
                "%s offers other features than before; reloading %s",
                self.client.url.host,
                self.entry.title,
            )
            self.hass.config_entries.async_schedule_reload(self.entry.entry_id)

    async def _prepare(self) -> None:
        """Let every part set itself up in the new session, in the order given."""
        for part in self._parts:
            await part.async_session_started(self.client)
        self._prepared = True

    async def _read(self, *, until_ready: bool = False) -> None:
        """Route messages to the parts; with ``until_ready``, return once all are ready."""
        if self._messages is None:
            self._messages = self.client.messages(self.retrieval_mode, POLL_INTERVAL)
        if until_ready and all(part.ready for part in self._parts):
            return
        async for message in self._messages:
            for handler in self._handlers.get(type(message), ()):
                handler(message)
            if until_ready:
                if all(part.ready for part in self._parts):
                    return
            elif not self.live:
                self._set_live(True)
                LOGGER.info("Connection to %s restored", self.client.url.host)
        raise IcwsConnectionError("The message stream ended")

    async def _run(self) -> None:
        """Read messages until stopped; recover from each fault as the module says."""
        refusals = 0
        while True:
            try:
                if not self.client.logged_in:
                    await self._close_messages()
                    await self._login()
                if not self._prepared:
                    await self._prepare()
                await self._read()
            except IcwsAuthenticationError as err:
                self._lost(err)
                LOGGER.warning(
                    "%s refused the password; Home Assistant asks you to sign in again",
                    self.client.url.host,
                )
                self.entry.async_start_reauth(self.hass)
                return
            except ConfigEntryError as err:
                self._lost(err)
                LOGGER.error("%s", err)
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    self.ended_issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="account_mismatch",
                    translation_placeholders=self.placeholders(),
                )
                return
            except IcwsSessionLostError as err:
                await self._close_messages()
                self._lost(err)
                if not err.should_reconnect:
                    LOGGER.warning(
                        "%s ended the session and asks not to reconnect: %s",
                        self.client.url.host,
                        err.reason or "no reason given",
                    )
                    ir.async_create_issue(
                        self.hass,
                        DOMAIN,
                        self.ended_issue_id,
                        is_fixable=True,
                        severity=ir.IssueSeverity.ERROR,
                        translation_key="session_ended",
                        translation_placeholders=self.placeholders(
                            reason=err.reason or "-"
                        ),
                        data={"entry_id": self.entry.entry_id},
                    )
                    return
            except IcwsError as err:
                # Transient: the session may well be alive. Keep it; the next messages()
                # reopens the stream in it and renews every subscription.
                await self._close_messages()
                self._lost(err)
                refusals = refusals + 1 if _refused(err) else 0
                if refusals >= SWITCHOVER_AFTER and self._has_partner():
                    # Nothing listens at the server any more and it has a switchover
                    # partner: its sessions went with it. Log in again; the login walks
                    # to the partner. A refused connection reached no server, so this
                    # leaves no session behind.
                    LOGGER.info(
                        "%s refuses connections; signing in again to reach its partner",
                        self.client.url.host,
                    )
                    refusals = 0
                    await self.client.logout()
            except Exception as err:  # noqa: BLE001
                # A bug must not end the loop for good and leave the entities stale.
                LOGGER.exception(
                    "Unexpected error while reading %s", self.client.url.host
                )
                await self._close_messages()
                self._lost(err)
            # The backoff grows while the outage lasts and starts over after a recovery.
            if self._outage_began:
                self._backoff.reset()
            self._outage_began = False
            await self._backoff.wait(self.last_error)

    def _has_partner(self) -> bool:
        info = self.client.login_info
        return info is not None and bool(info.alternate_hosts)

    @callback
    def _lost(self, err: Exception) -> None:
        """Mark every entity unavailable at once, and log the first loss of an outage."""
        self.errors.append((datetime.now(UTC), type(err).__name__))
        self.last_error = err
        if self.live:
            self._outage_began = True
            self.outages += 1
            LOGGER.info("Lost connection to %s: %s", self.client.url.host, err)
        self._set_live(False)

    @callback
    def _set_live(self, live: bool) -> None:
        if live == self.live:
            return
        self.live = live
        for part in self._parts:
            part.async_session_changed()

    @property
    def ended_issue_id(self) -> str:
        """The repair issue raised when the session stopped for good."""
        return session_issue_id(self.entry.entry_id)

    def placeholders(self, **extra: str) -> dict[str, str]:
        """Placeholders for translated errors and issues: host and user, no secret."""
        return {
            "host": self.client.url.host or "",
            "username": self.entry.data[CONF_USERNAME],
            **extra,
        }
