"""The ICWS client: a session on one CIC server, its station and its messages."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Collection, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
import logging
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
from yarl import URL

from .codec import decode_json
from .errors import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsStationError,
    IcwsStatusError,
)
from .fields import InvalidFieldError, compact_timestamp, connection_state
from .messages import (
    Complaints,
    ConnectionStateMessage,
    Message,
    StationMessage,
    parse_message,
)
from .models import (
    ConnectionState,
    LoginInfo,
    RetrievalMode,
    Secret,
    ServerVersion,
    SessionState,
    Station,
    StationSettings,
)
from .presence import StatusMessage, UserStatus, status_messages, user_status
from .queues import DEFAULT_QUEUE_ATTRIBUTES, USER_QUEUE
from .sse import SseDecoder
from .transport import Response, Transport, error_for

_LOGGER = logging.getLogger(__name__)

CSRF_HEADER: Final = "ININ-ICWS-CSRF-Token"
SESSION_HEADER: Final = "ININ-ICWS-Session-ID"
AUTHENTICATION_FAILURE: Final = "error.request.connection.authenticationFailure"
# Seen on a real server as the errorId of "station not found"; also matched as errorCode.
STATION_NOT_FOUND: Final = "-2147221496"
MAX_STREAM_RETRY: Final = 10.0
QUEUE_SUBSCRIPTION_ID: Final = "icws-station-user-queue"
_STATUS_REFUSALS: Final = {400: "unknown_status", 403: "not_allowed"}
DISCONNECT_FIRST_WORDS: Final = ("disconnect", "already connected", "alreadyconnected")


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
        application_name: str,
        language: str = "en-US",
        verify_ssl: bool = True,
        request_timeout: float = 10.0,
        max_switchover_hops: int = 5,
        stream_idle_timeout: float = 32.0,
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
        # Subscription path -> request body, renewed after any gap in the messages.
        self._subscriptions: dict[str, Mapping[str, Any] | None] = {}
        self._retrieved = False
        self._closed = asyncio.Event()
        self._complain = Complaints()
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
        self._session_ended()
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
                # A server's own answer (a 503) says more than an alternate that cannot
                # be reached, and tells the caller that a server is there to spare.
                if last_error is None or last_error.status is None:
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

    async def check_session(self) -> SessionState:
        """Ask the server whether the session is still up.

        Raises :class:`IcwsSessionLostError` when the server answers 401 or reports the
        session down, :class:`IcwsConnectionError` when it cannot be reached.
        """
        what = "Session check"
        response = await self._call("GET", "connection", what=what)
        body = response.body if isinstance(response.body, dict) else {}
        reason = _text(body.get("reason"))
        should_reconnect = body.get("shouldReconnect", True)
        state = SessionState(
            # A 200 names a session the server still holds: up unless it says otherwise.
            state=connection_state(body.get("connectionState")) or ConnectionState.UP,
            reason=reason,
            should_reconnect=should_reconnect
            if isinstance(should_reconnect, bool)
            else True,
        )
        if state.state is ConnectionState.DOWN:
            self._session_ended()
            raise IcwsSessionLostError(
                f"{what}: the server ended the session: {reason or 'no reason given'}",
                reason=reason,
                should_reconnect=state.should_reconnect,
            )
        return state

    async def connect_station(self, settings: StationSettings) -> None:
        """Connect the session to a station, replacing any it has.

        ``docs/icws-protocol.md`` §11: a PUT while a station is connected replaces it; a
        server that instead answers 400 asking to disconnect first gets a DELETE and the PUT
        again. Raises :class:`IcwsStationError` if the server refuses the station.
        """
        what = "Station connection"
        body = settings.to_wire()
        response = await self._send("PUT", "connection/station", what=what, body=body)
        if response.status == 400 and _asks_to_disconnect_first(response):
            _LOGGER.debug("The server asks to disconnect the station before switching")
            await self.disconnect_station()
            response = await self._send(
                "PUT", "connection/station", what=what, body=body
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
        await self._subscribe(
            "messaging/subscriptions/connection/station", what="Station subscription"
        )

    async def unsubscribe_station(self) -> None:
        """Stop watching the session's station."""
        await self._unsubscribe(
            "messaging/subscriptions/connection/station",
            what="Station unsubscription",
        )

    async def subscribe_user_statuses(
        self, user_ids: Sequence[str] | None = None
    ) -> None:
        """Watch users' statuses (``None``: the session's user); a PUT replaces the set.

        The next user status message is a full one (``docs/icws-protocol.md`` §9).
        """
        await self._subscribe(
            "messaging/subscriptions/status/user-statuses",
            what="User status subscription",
            body={"userIds": self._user_ids(user_ids)},
        )

    async def subscribe_status_messages(self) -> None:
        """Watch the server's status catalogue."""
        await self._subscribe(
            "messaging/subscriptions/status/status-messages",
            what="Status catalogue subscription",
        )

    async def subscribe_user_status_access(
        self, user_ids: Sequence[str] | None = None
    ) -> None:
        """Watch which statuses users may pick (``None``: the session's user)."""
        await self._subscribe(
            "messaging/subscriptions/status/status-messages-user-access",
            what="Status access subscription",
            body={"userIds": self._user_ids(user_ids)},
        )

    async def subscribe_queue(
        self, attributes: Sequence[str] = DEFAULT_QUEUE_ATTRIBUTES
    ) -> str:
        """Watch the session user's queue (queueType 1); return the subscription id.

        The first message is a full one listing what is in the queue now
        (``docs/icws-protocol.md`` §10).
        """
        await self._subscribe(
            f"messaging/subscriptions/queues/{QUEUE_SUBSCRIPTION_ID}",
            what="Queue subscription",
            body={
                "queueIds": [{"queueType": USER_QUEUE, "queueName": self._own_user()}],
                "attributeNames": list(attributes),
            },
        )
        return QUEUE_SUBSCRIPTION_ID

    async def get_status_messages(self) -> tuple[StatusMessage, ...]:
        """Return every status defined on the server, with texts in the session's language."""
        what = "Status catalogue query"
        response = await self._call("GET", "status/status-messages", what=what)
        items = _get(response.body, "statusMessageList")
        if not isinstance(items, list):
            raise IcwsResponseError(f"{what} failed: malformed answer", status=200)
        return status_messages(items)

    async def get_user_status_access(
        self, user_id: str | None = None
    ) -> frozenset[str]:
        """Return the ids of the statuses a user may pick (``None``: the session's user).

        Compare them with :func:`status_key`; offer only the selectable ones.
        """
        what = "Status access query"
        response = await self._call(
            "GET",
            ("status", "status-messages-user-access", user_id or self._own_user()),
            what=what,
        )
        items = _get(response.body, "statusMessages")
        if not isinstance(items, list):
            raise IcwsResponseError(f"{what} failed: malformed answer", status=200)
        return frozenset(_strings(items))

    async def get_user_status(self, user_id: str | None = None) -> UserStatus:
        """Return a user's status now (``None``: the session's user)."""
        what = "User status query"
        response = await self._call(
            "GET",
            ("status", "user-statuses", user_id or self._own_user()),
            what=what,
        )
        try:
            return user_status(response.body)
        except InvalidFieldError:
            raise IcwsResponseError(
                f"{what} failed: malformed answer", status=200
            ) from None

    async def set_user_status(
        self,
        status_id: str,
        *,
        notes: str | None = None,
        forward_number: str | None = None,
        until: datetime | None = None,
    ) -> None:
        """Set the session user's status; the change then arrives as a message.

        Raises :class:`IcwsStatusError` with ``reason`` ``unknown_status`` (400) or
        ``not_allowed`` (403).
        """
        what = "Status change"
        body: dict[str, Any] = {"statusId": status_id}
        if notes is not None:
            body["notes"] = notes
        if forward_number is not None:
            body["forwardNumber"] = forward_number
        if until is not None:
            body["until"] = {
                "untilDateTime": compact_timestamp(until),
                "hasDate": True,
                "hasTime": True,
            }
        response = await self._send(
            "PUT",
            ("status", "user-statuses", self._own_user()),
            what=what,
            body=body,
        )
        if response.status in (200, 202, 204):
            return
        error = error_for(what, response)
        reason = _STATUS_REFUSALS.get(response.status)
        if reason is None:
            raise error
        raise IcwsStatusError(
            str(error), reason=reason, status=error.status, error_id=error.error_id
        )

    def messages(
        self, mode: RetrievalMode = RetrievalMode.AUTO, poll_interval: float = 1.0
    ) -> AsyncGenerator[Message]:
        """Return the session's messages as an async generator; close it when done.

        ``AUTO`` streams server-sent events when the server offers them (messaging 2) and
        polls every ``poll_interval`` seconds otherwise. Unknown and malformed messages are
        skipped. A broken stream is reopened in the same session and every subscription is
        renewed, so full messages follow; so is a new call after an earlier one ended.

        The generator ends by raising :class:`IcwsSessionLostError` when the server says
        the session is gone (log in again), or :class:`IcwsConnectionError` when the server
        cannot be reached for now (the session may live on: wait, then call this again).
        Closing it closes the HTTP stream at once.
        """
        if mode is RetrievalMode.AUTO:
            info = self._login_info
            mode = (
                RetrievalMode.SSE if info and info.supports_sse else RetrievalMode.POLL
            )
        if mode is RetrievalMode.SSE:
            return self._stream_messages()
        return self._poll(poll_interval)

    async def logout(self) -> None:
        """End the session: unsubscribe, then log out; best effort, bounded in time."""
        if self._credentials is None:
            return
        try:
            async with asyncio.timeout(self._logout_timeout):
                for path in list(self._subscriptions):
                    with suppress(IcwsError):
                        await self._unsubscribe(path, what="Unsubscription")
                with suppress(IcwsError):
                    await self._call(
                        "DELETE", "connection", what="Logout", expected=range(200, 300)
                    )
        except TimeoutError:
            _LOGGER.debug("Logout did not finish within %s s", self._logout_timeout)
        finally:
            self._session_ended()

    async def close(self) -> None:
        """Stop any message retrieval and log out."""
        self._closed.set()
        if self._stream is not None:
            self._stream.close()
        await self.logout()

    async def __aenter__(self) -> Self:
        """Use the client in ``async with``; it closes (and logs out) on exit."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.close()

    async def _subscribe(
        self, path: str, *, what: str, body: Mapping[str, Any] | None = None
    ) -> None:
        """Start (or replace) a subscription and remember it, to renew it after a gap."""
        await self._call("PUT", path, what=what, body=body, expected=(200, 204))
        self._subscriptions[path] = body

    async def _unsubscribe(self, path: str, *, what: str) -> None:
        self._subscriptions.pop(path, None)
        await self._call("DELETE", path, what=what, expected=(200, 204))

    async def _renew_subscriptions(self) -> None:
        """Renew every subscription after messages may have been lost.

        Renewing makes the server send a full (``isDelta: false``) message, as on the first
        subscription (``docs/icws-protocol.md`` §5, §9, §10). A refusal of one is logged and
        the others go on; a 401 or an unreachable server ends the retrieval.
        """
        _LOGGER.debug("Renewing %s subscriptions", len(self._subscriptions))
        for path, body in list(self._subscriptions.items()):
            try:
                await self._call(
                    "PUT",
                    path,
                    what="Subscription renewal",
                    body=body,
                    expected=(200, 204),
                )
            except IcwsResponseError as err:
                _LOGGER.warning("The server refused to renew a subscription: %s", err)

    def _begin_retrieval(self) -> bool:
        """Note that messages are being retrieved; return whether to renew first.

        Only the first retrieval of a session follows its subscriptions directly; any later
        one comes after a gap in which messages may have been lost.
        """
        renew = self._retrieved
        self._retrieved = True
        return renew

    async def _call(
        self,
        method: str,
        path: str | tuple[str, ...],
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
        path: str | tuple[str, ...],
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
        segments = path if isinstance(path, tuple) else tuple(path.split("/"))
        response = await self._transport.request(
            method,
            self._url.joinpath("icws", credentials.session_id, *segments),
            what=what,
            headers=headers,
            body=body,
        )
        if response.status == 401:
            self._session_ended()
            raise error_for(what, response)
        return response

    def _own_user(self) -> str:
        """The session's user id, as the server spelled it at login."""
        return self._login_info.user_id if self._login_info else self._username

    def _user_ids(self, user_ids: Sequence[str] | None) -> list[str]:
        return [self._own_user()] if user_ids is None else list(user_ids)

    def _require_credentials(self, what: str) -> _Credentials:
        if self._credentials is None:
            raise IcwsSessionLostError(f"{what} failed: not logged in")
        return self._credentials

    def _session_ended(self) -> None:
        self._credentials = None
        self._subscriptions.clear()
        self._retrieved = False

    def _handle(self, raw: object) -> Message | None:
        """Parse one message; raise when it says the session went down."""
        message = parse_message(raw, self._complain)
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

    async def _poll(self, interval: float) -> AsyncGenerator[Message]:
        renew = self._begin_retrieval()
        failures = 0
        while not self._closed.is_set():
            try:
                if renew:
                    await self._renew_subscriptions()
                    renew = False
                response = await self._call(
                    "GET", "messaging/messages", what="Message poll", csrf=False
                )
            except IcwsConnectionError:
                # The answer may have been lost after the server drained the queue.
                renew = True
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
                    self._complain("batch", "Ignoring a malformed batch of messages")
                    renew = True
            with suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._closed.wait()

    async def _stream_messages(self) -> AsyncGenerator[Message]:
        renew = self._begin_retrieval()
        # Streams in a row that ended without delivering anything (no event, no keep-alive).
        empty_streams = 0
        delay = 0.0
        while not self._closed.is_set():
            if delay:
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
                ) as response:
                    self._stream = response
                    if renew:
                        await self._renew_subscriptions()
                    renew = True
                    while True:
                        try:
                            async with asyncio.timeout(self._stream_idle_timeout):
                                chunk = await response.content.readany()
                        except TimeoutError:
                            if await self._stream_is_dead(decoder):
                                problem = "silent"
                                break
                            continue
                        if not chunk:
                            problem = "closed by the server"
                            break
                        for data in decoder.feed(chunk):
                            try:
                                raw = decode_json(data)
                            except ValueError:
                                self._complain(
                                    "json", "Ignoring a message that is not JSON"
                                )
                                continue
                            for item in raw if isinstance(raw, list) else (raw,):
                                if (message := self._handle(item)) is not None:
                                    yield message
            except IcwsSessionLostError:
                self._session_ended()
                raise
            except IcwsResponseError as err:
                # The server answers, but not with an event stream: not for now.
                raise IcwsConnectionError(str(err), status=err.status) from err
            except (aiohttp.ClientError, OSError) as err:
                problem = type(err).__name__
            finally:
                self._stream = None
            if self._closed.is_set():
                return
            if decoder.events or decoder.comments:
                empty_streams, delay = 0, 0.0
            else:
                empty_streams += 1
                if empty_streams > 1:
                    await self.check_session()
                    raise IcwsConnectionError(
                        f"The message stream keeps ending ({problem})"
                    )
                # Pace reopening as the server asks, within reason.
                delay = min(decoder.retry or 0.0, MAX_STREAM_RETRY)
            _LOGGER.debug("Message stream %s; reopening it", problem)

    async def _stream_is_dead(self, decoder: SseDecoder) -> bool:
        """Decide what a stream silent for ``stream_idle_timeout`` means.

        The server's keep-alive comments (``docs/icws-protocol.md`` §4) count as traffic,
        so a stream that has carried them and then falls silent is dead even if the TCP
        connection looks open. One session check tells a lost session (raises
        :class:`IcwsSessionLostError`) and an unreachable server (raises
        :class:`IcwsConnectionError`) from a stream to reopen. A server that never sent a
        keep-alive is simply quiet: the stream is kept and the check repeated each idle
        period. With the default 32 s this costs nothing while keep-alives flow and at most
        one check per 32 s (under 2 requests a minute) without them, and a silent loss is
        detected within 32 s plus one request timeout (10 s): under 45 s.
        """
        await self.check_session()
        return decoder.comments > 0


def _get(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _text(value: object) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return None


def _asks_to_disconnect_first(response: Response) -> bool:
    """Whether a refused station switch asks for the station to be disconnected first.

    [guess] No server's wording is recorded (``docs/icws-protocol.md`` §11); match the
    words such an answer would use, but never a "station not found".
    """
    error_id, message = response.error_fields()
    if STATION_NOT_FOUND in (error_id, str(_get(response.body, "errorCode"))):
        return False
    text = f"{error_id or ''} {message or ''}".casefold()
    return any(word in text for word in DISCONNECT_FIRST_WORDS)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str) and item)
