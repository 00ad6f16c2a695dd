"""The ICWS client: a session on one CIC server, its station and its messages."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Collection, Mapping
from contextlib import suppress
import logging
from typing import Any, Final

import aiohttp
from yarl import URL

from .errors import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsStationError,
)
from .messages import (
    ConnectionStateMessage,
    Message,
    StationMessage,
    complain,
    decode_json,
    parse_message,
)
from .models import (
    ConnectionState,
    LoginInfo,
    RetrievalMode,
    Secret,
    ServerVersion,
    Station,
    StationSettings,
)
from .sse import SseDecoder
from .transport import Response, Transport, error_for

_LOGGER = logging.getLogger(__name__)

CSRF_HEADER: Final = "ININ-ICWS-CSRF-Token"
SESSION_HEADER: Final = "ININ-ICWS-Session-ID"
AUTHENTICATION_FAILURE: Final = "error.request.connection.authenticationFailure"
# Seen on a real server as the errorId of "station not found"; also matched as errorCode.
STATION_NOT_FOUND: Final = "-2147221496"
MAX_STREAM_RETRY: Final = 10.0


class _Credentials:
    """What proves the session: never shown in ``repr``."""

    __slots__ = ("cookie", "csrf_token", "session_id")

    def __init__(self, session_id: str, csrf_token: str, cookie: str) -> None:
        self.session_id = session_id
        self.csrf_token = csrf_token
        self.cookie = cookie

    def __repr__(self) -> str:
        return "<ICWS session credentials>"


class IcwsClient:
    """One user's ICWS session on one CIC server.

    The caller owns the ``aiohttp.ClientSession``; the client keeps the session cookie itself
    and sends it explicitly, whatever the session's cookie jar does. Not safe for concurrent
    logins; one consumer of :meth:`messages` at a time.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: URL,
        username: str,
        password: str,
        *,
        application_name: str = "Home Assistant",
        language: str = "en-US",
        verify_ssl: bool = True,
        request_timeout: float = 10.0,
        max_switchover_hops: int = 5,
        stream_idle_timeout: float = 90.0,
        logout_timeout: float = 5.0,
    ) -> None:
        """Prepare a client for ``url`` (see :func:`server_url`); nothing is sent yet."""
        self._transport = Transport(
            session, request_timeout=request_timeout, verify_ssl=verify_ssl
        )
        self._url = url
        self._username = username
        self._password = Secret(password)
        self._application_name = application_name
        self._language = language
        self._max_hops = max_switchover_hops
        self._stream_idle_timeout = stream_idle_timeout
        self._logout_timeout = logout_timeout
        self._credentials: _Credentials | None = None
        self._login_info: LoginInfo | None = None
        self._subscribed = False
        self._closed = asyncio.Event()
        self._stream: aiohttp.ClientResponse | None = None

    def __repr__(self) -> str:
        """Name the server and user only."""
        return f"<IcwsClient {self._username}@{self._url.host}>"

    @property
    def url(self) -> URL:
        """The server in use: after a switchover, the alternate that answered."""
        return self._url

    @property
    def login_info(self) -> LoginInfo | None:
        """What the last successful login reported."""
        return self._login_info

    @property
    def logged_in(self) -> bool:
        """Whether the client holds a session it has not seen end."""
        return self._credentials is not None

    async def login(self) -> LoginInfo:
        """Log in, following the server's switchover to alternate hosts (bounded).

        Raises :class:`IcwsAuthenticationError` on bad credentials (never retried here),
        :class:`IcwsConnectionError` when no host accepts the session.
        """
        self._credentials = None
        self._subscribed = False
        candidates = deque([self._url.host or ""])
        if self._login_info is not None:
            candidates.extend(self._login_info.alternate_hosts)
        tried: set[str] = set()
        last_error: IcwsError | None = None
        while candidates and len(tried) <= self._max_hops:
            host = candidates.popleft()
            if host in tried:
                continue
            tried.add(host)
            try:
                url = self._url.with_host(host)
            except ValueError:
                # The server's alternateHostList is not ours to trust: "cic02:8019" or
                # "cic 02" is no host name, and must not end the login with a ValueError.
                _LOGGER.debug("Ignoring alternate %.100r: not a host name", host)
                continue
            try:
                response = await self._transport.request(
                    "POST",
                    url.joinpath("icws", "connection").with_query(
                        include="features,version"
                    ),
                    what="Login",
                    headers={"Accept-Language": self._language},
                    body={
                        "__type": "urn:inin.com:connection:icAuthConnectionRequestSettings",
                        "applicationName": self._application_name,
                        "userID": self._username,
                        "password": self._password.reveal(),
                    },
                )
            except IcwsConnectionError as err:
                last_error = err
                continue
            if response.status == 201:
                return self._accept_login(url, response)
            if response.status == 503:
                alternates = _strings(_get(response.body, "alternateHostList"))
                _LOGGER.info(
                    "Server %s is not accepting connections; alternates: %s",
                    host,
                    ", ".join(alternates) or "none",
                )
                candidates.extendleft(
                    reversed([alt for alt in alternates if alt not in tried])
                )
                last_error = error_for("Login", response)
                continue
            error = error_for("Login", response)
            if response.status == 400 and error.error_id == AUTHENTICATION_FAILURE:
                raise IcwsAuthenticationError(
                    str(error), status=400, error_id=error.error_id
                )
            raise error
        raise last_error or IcwsConnectionError("Login failed: no host to try")

    def _accept_login(self, url: URL, response: Response) -> LoginInfo:
        body = response.body if isinstance(response.body, dict) else {}
        session_id = response.headers.get(SESSION_HEADER) or body.get("sessionId")
        csrf_token = response.headers.get(CSRF_HEADER) or body.get("csrfToken")
        cookie = next(
            (
                f"{name}={value}"
                for name, value in response.cookies.items()
                if name.lower().startswith("icws")
            ),
            None,
        )
        # The id goes into every path and the token into a header: one that cannot (a "/",
        # a control character) would make every later call fail outside IcwsError.
        if (
            not isinstance(session_id, str)
            or session_id in {"", ".", ".."}
            or "/" in session_id
            or not isinstance(csrf_token, str)
            or not csrf_token.isprintable()
            or not cookie
        ):
            raise IcwsResponseError(
                "Login failed: the answer lacks the session's credentials"
            )
        self._credentials = _Credentials(session_id, csrf_token, cookie)
        self._url = url
        features: dict[str, int] = {}
        raw_features = _get(body, "features")
        for feature in raw_features if isinstance(raw_features, list) else ():
            feature_id, version = _get(feature, "featureId"), _get(feature, "version")
            if isinstance(feature_id, str) and isinstance(version, int):
                features[feature_id] = version
        version_raw = _get(body, "version")
        version = (
            ServerVersion(
                major=_text(version_raw.get("majorVersion")),
                minor=_text(version_raw.get("minorVersion")),
                su=_text(version_raw.get("su")),
                build=_text(version_raw.get("build")),
                product_id=_text(version_raw.get("productId")),
                display=_text(version_raw.get("productReleaseDisplayString")),
            )
            if isinstance(version_raw, dict)
            else None
        )
        user_id = _text(body.get("userID")) or self._username
        self._login_info = LoginInfo(
            user_id=user_id,
            user_display_name=_text(body.get("userDisplayName")) or user_id,
            server_name=_text(body.get("icServer")) or url.host or "",
            host=url.host or "",
            features=features,
            version=version,
            alternate_hosts=_strings(body.get("alternateHostList")),
        )
        _LOGGER.debug("Logged in to %s", url.host)
        return self._login_info

    async def connect_station(self, settings: StationSettings) -> None:
        """Connect the session to a station; :class:`IcwsStationError` if refused."""
        what = "Station connection"
        response = await self._send(
            "PUT", "connection/station", what=what, body=settings.to_wire()
        )
        if response.status in (200, 204):
            return
        error = error_for(what, response)
        if isinstance(error, IcwsResponseError):
            error_code = str(_get(response.body, "errorCode"))
            raise IcwsStationError(
                str(error),
                status=error.status,
                error_id=error.error_id,
                not_found=STATION_NOT_FOUND in (error.error_id, error_code),
            )
        raise error

    async def get_station(self) -> Station | None:
        """Return the session's station, or ``None`` when it has none."""
        what = "Station query"
        try:
            response = await self._call("GET", "connection/station", what=what)
        except IcwsResponseError as err:
            if err.status in (400, 404):
                return None
            raise
        if not isinstance(response.body, dict):
            raise IcwsResponseError(f"{what} failed: malformed answer", status=200)
        message = parse_message(
            {
                "__type": "urn:inin.com:connection:stationConnectionStateChangeMessage",
                "isDelta": False,
                "newStationInfo": response.body,
            }
        )
        return message.apply(None) if isinstance(message, StationMessage) else None

    async def disconnect_station(self) -> None:
        """Disconnect the session from its station."""
        await self._call(
            "DELETE",
            "connection/station",
            what="Station disconnection",
            expected=(200, 204),
        )

    async def subscribe_station(self) -> None:
        """Watch the session's station; the next message is a full (not delta) one."""
        await self._call(
            "PUT",
            "messaging/subscriptions/connection/station",
            what="Station subscription",
            expected=(200, 204),
        )
        self._subscribed = True

    async def unsubscribe_station(self) -> None:
        """Stop watching the session's station."""
        self._subscribed = False
        await self._call(
            "DELETE",
            "messaging/subscriptions/connection/station",
            what="Station unsubscription",
            expected=(200, 204),
        )

    async def messages(
        self, mode: RetrievalMode = RetrievalMode.AUTO, poll_interval: float = 1.0
    ) -> AsyncGenerator[Message]:
        """Yield the session's messages until the session ends or the client closes.

        ``AUTO`` streams server-sent events when the server offers them (messaging 2) and
        polls every ``poll_interval`` seconds otherwise. Unknown and malformed messages are
        skipped. Ends by raising :class:`IcwsSessionLostError` when the server ends the
        session, or :class:`IcwsConnectionError` when it cannot be reached.
        """
        if mode is RetrievalMode.AUTO:
            info = self._login_info
            mode = (
                RetrievalMode.SSE if info and info.supports_sse else RetrievalMode.POLL
            )
        source = (
            self._stream_messages()
            if mode is RetrievalMode.SSE
            else self._poll(poll_interval)
        )
        async for message in source:
            yield message

    async def logout(self) -> None:
        """End the session: unsubscribe, then log out; best effort, bounded in time."""
        if self._credentials is None:
            return
        try:
            async with asyncio.timeout(self._logout_timeout):
                if self._subscribed:
                    with suppress(IcwsError):
                        await self.unsubscribe_station()
                with suppress(IcwsError):
                    await self._call(
                        "DELETE", "connection", what="Logout", expected=range(200, 300)
                    )
        except TimeoutError:
            _LOGGER.debug("Logout did not finish within %s s", self._logout_timeout)
        finally:
            self._credentials = None
            self._subscribed = False

    async def close(self) -> None:
        """Stop any message retrieval and log out."""
        self._closed.set()
        if self._stream is not None:
            self._stream.close()
        await self.logout()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
        expected: Collection[int] = (200,),
        csrf: bool = True,
    ) -> Response:
        response = await self._send(method, path, what=what, body=body, csrf=csrf)
        if response.status not in expected:
            raise error_for(what, response)
        return response

    async def _send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
        csrf: bool = True,
    ) -> Response:
        """Send a call inside the session; a 401 ends it."""
        credentials = self._require_credentials(what)
        headers = {"Cookie": credentials.cookie}
        if csrf:
            headers[CSRF_HEADER] = credentials.csrf_token
        response = await self._transport.request(
            method,
            self._url.joinpath("icws", credentials.session_id, *path.split("/")),
            what=what,
            headers=headers,
            body=body,
        )
        if response.status == 401:
            self._session_ended()
            raise error_for(what, response)
        return response

    def _require_credentials(self, what: str) -> _Credentials:
        if self._credentials is None:
            raise IcwsSessionLostError(f"{what} failed: not logged in")
        return self._credentials

    def _session_ended(self) -> None:
        self._credentials = None
        self._subscribed = False

    def _handle(self, raw: object) -> Message | None:
        """Parse one message; raise when it says the session went down."""
        message = parse_message(raw)
        if (
            isinstance(message, ConnectionStateMessage)
            and message.new_state is ConnectionState.DOWN
        ):
            self._session_ended()
            raise IcwsSessionLostError(
                f"The server ended the session: {message.reason or 'no reason given'}",
                reason=message.reason,
                should_reconnect=message.should_reconnect,
            )
        return message

    async def _resync(self) -> None:
        """Ask for a full station message again after messages may have been lost.

        Renewing a subscription makes the server send a full (``isDelta: false``) message,
        as on the first subscription [guess, borne out by the subscription semantics].
        """
        if self._subscribed:
            _LOGGER.debug("Resubscribing to recover messages that may have been lost")
            await self.subscribe_station()

    async def _poll(self, interval: float) -> AsyncGenerator[Message]:
        failures = 0
        while not self._closed.is_set():
            try:
                response = await self._call(
                    "GET", "messaging/messages", what="Message poll", csrf=False
                )
            except IcwsConnectionError:
                failures += 1
                if failures > 1:
                    raise
                _LOGGER.debug("Message poll failed; trying once more")
            else:
                failures = 0
                if isinstance(response.body, list):
                    for raw in response.body:
                        if (message := self._handle(raw)) is not None:
                            yield message
                else:
                    complain("batch", "Ignoring a malformed batch of messages")
                    await self._resync()
            with suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._closed.wait()

    async def _stream_messages(self) -> AsyncGenerator[Message]:
        failures = 0
        gap = False
        delay = 0.0
        while not self._closed.is_set():
            if gap and delay:
                with suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._closed.wait()
                if self._closed.is_set():
                    return
            credentials = self._require_credentials("Message stream")
            decoder = SseDecoder()
            try:
                async with self._transport.stream(
                    self._url.joinpath(
                        "icws", credentials.session_id, "messaging", "messages"
                    ),
                    what="Message stream",
                    headers={"Cookie": credentials.cookie},
                    read_timeout=self._stream_idle_timeout,
                ) as response:
                    self._stream = response
                    if gap:
                        await self._resync()
                    async for chunk in response.content.iter_any():
                        failures = 0
                        for data in decoder.feed(chunk):
                            try:
                                raw = decode_json(data)
                            except ValueError:
                                complain("json", "Ignoring a message that is not JSON")
                                continue
                            for item in raw if isinstance(raw, list) else (raw,):
                                if (message := self._handle(item)) is not None:
                                    yield message
                problem = "closed by the server"
            except IcwsSessionLostError:
                self._session_ended()
                raise
            except TimeoutError:
                # Silence, not necessarily a fault: ask whether the session is still alive.
                await self._call("GET", "connection", what="Session check")
                gap, delay = True, 0.0
                continue
            except (IcwsError, aiohttp.ClientError) as err:
                problem = f"{type(err).__name__}"
            finally:
                self._stream = None
            if self._closed.is_set():
                return
            failures += 1
            if failures > 1:
                self._session_ended()
                raise IcwsSessionLostError(
                    f"The message stream was lost twice ({problem})"
                )
            _LOGGER.debug("Message stream %s; reopening it once", problem)
            gap = True
            delay = min(decoder.retry or 0.0, MAX_STREAM_RETRY)


def _get(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _text(value: object) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str) and item)
