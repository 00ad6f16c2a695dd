"""The ICWS client: a user's session on one CIC server, its station, statuses and calls.

The client keeps the session's life (login with switchover, check, logout) and the public
calls; :mod:`.session` makes each call inside the session, :mod:`.retrieval` fetches the
messages, and the concern modules (:mod:`.station`, :mod:`.status`, :mod:`.queues`,
:mod:`.interactions`, :mod:`.voicemail`, :mod:`.activations`, :mod:`.statistics`) make their
requests and read what the server says.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
import logging
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
from yarl import URL

from .activations import (
    ALL_WORKGROUPS,
    UserActivations,
    activation_delta,
    user_activations,
)
from .errors import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsNotAllowedError,
    IcwsResponseError,
    IcwsStationError,
    IcwsStatusError,
    IcwsTimeoutError,
)
from .fields import InvalidFieldError, compact_timestamp, nonempty_strings
from .interactions import InteractionAction, act, create_call
from .messages import Message
from .models import LoginInfo, Secret, SessionState
from .queues import DEFAULT_QUEUE_ATTRIBUTES, USER_QUEUE
from .retrieval import Retrieval, RetrievalMode
from .session import Session, require
from .station import Station, StationSettings, station
from .statistics import (
    WORKGROUP_PARAMETER,
    ParameterValues,
    StatisticKey,
    parameter_values,
    statistic_keys_body,
)
from .status import StatusDefinition, UserStatus, status_definitions, user_status
from .subscriptions import Subscription, SubscriptionKind
from .transport import Response, Transport, error_for
from .users import (
    PAGE_SIZE,
    USERS_PATH,
    VIEW_RIGHTS,
    DirectoryUser,
    directory_users,
    next_page,
    range_header,
)
from .voicemail import MWI_COUNT_REFRESH, MWI_SUBSCRIPTION

_LOGGER = logging.getLogger(__name__)

AUTHENTICATION_FAILURE: Final = "error.request.connection.authenticationFailure"
# Seen on a real server as the errorId of "station not found"; also matched as errorCode.
STATION_NOT_FOUND: Final = "-2147221496"
QUEUE_SUBSCRIPTION_ID: Final = "icws-station-user-queue"
ACTIVATIONS_SUBSCRIPTION_ID: Final = "icws-station-activations"
STATISTICS_PATH: Final = "messaging/subscriptions/statistics/statistic-values"
_STATUS_REFUSALS: Final = {400: "unknown_status", 403: "not_allowed"}
# A login answered after the request timeout has still created a session on the server.
# Its request is kept this long instead of being dropped, so that the session it brings is
# taken by the next login or logged out, never left behind.
LATE_LOGIN_TIMEOUT: Final = 60.0
DISCONNECT_FIRST_WORDS: Final = ("disconnect", "already connected", "alreadyconnected")


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
        self._logout_timeout = logout_timeout
        self._request_timeout = request_timeout
        self._session: Session | None = None
        # A login whose answer did not come within the request timeout, still running.
        self._late_login: tuple[URL, asyncio.Task[Response]] | None = None
        # A session whose logout did not reach the server (see ``logout_pending``).
        self._pending_logout: Session | None = None
        self._login_info: LoginInfo | None = None
        self._retrieval = Retrieval(stream_idle_timeout=stream_idle_timeout)

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
        return self._session is not None and self._session.live

    async def login(self) -> LoginInfo:
        """Log in, following the server's switchover to alternate hosts (bounded).

        Raises :class:`IcwsAuthenticationError` on bad credentials (never retried here),
        :class:`IcwsConnectionError` when no host accepts the session.

        At most one login is in flight: while an earlier one that timed out is still
        unanswered, this waits for it (within the request timeout) and takes the session
        it brings, instead of asking the server for a second one.
        """
        self._drop_session()
        # Best effort: a server it cannot reach refuses the login below too.
        with suppress(TimeoutError):
            async with asyncio.timeout(self._request_timeout):
                await self._end_pending_logout()
        if (late := await self._late_answer(self._request_timeout)) is not None:
            url, response = late
            if response.status == 201:
                return self._accept_login(url, response)
            if _refuses_credentials(response):
                raise _authentication_error(response)
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
                response = await self._post_login(url)
            except IcwsConnectionError as err:
                # A server's own answer (a 503) says more than an alternate that cannot
                # be reached, and tells the caller that a server is there to spare.
                if last_error is None or last_error.status is None:
                    last_error = err
                continue
            if response.status == 201:
                return self._accept_login(url, response)
            if response.status == 503:
                alternates = nonempty_strings(_get(response.body, "alternateHostList"))
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
            if _refuses_credentials(response):
                raise _authentication_error(response)
            raise error_for("Login", response)
        raise last_error or IcwsConnectionError("Login failed: no host to try")

    async def _post_login(self, url: URL) -> Response:
        """Ask ``url`` for a session; an answer later than the request timeout is kept.

        The request goes on after the timeout (and after a cancellation), bounded by
        ``LATE_LOGIN_TIMEOUT``: the next login or the logout takes what it brings.
        """
        request = asyncio.ensure_future(
            self._transport.request(
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
                answer_within=LATE_LOGIN_TIMEOUT,
            )
        )
        # Its outcome may reach nobody (a login given up for good): retrieve it anyway.
        request.add_done_callback(_retrieve)
        try:
            # Waited for, not awaited: a cancellation of this call leaves it running.
            done, _ = await asyncio.wait({request}, timeout=self._request_timeout)
        except asyncio.CancelledError:
            self._late_login = (url, request)
            raise
        if not done:
            self._late_login = (url, request)
            raise IcwsTimeoutError("Login timed out")
        return request.result()

    async def _late_answer(self, within: float) -> tuple[URL, Response] | None:
        """Return a late login's answer, waiting up to ``within``; None when it failed.

        Raises :class:`IcwsTimeoutError` while it is still unanswered.
        """
        if self._late_login is None:
            return None
        url, request = self._late_login
        done, _ = await asyncio.wait({request}, timeout=within)
        if not done:
            raise IcwsTimeoutError(
                "Login timed out: the server has not answered the previous one"
            )
        self._late_login = None
        try:
            return url, request.result()
        except IcwsError:
            return None

    def _accept_login(self, url: URL, response: Response) -> LoginInfo:
        self._session = Session.from_login_answer(self._transport, url, response)
        self._url = url
        self._login_info = LoginInfo.from_answer(
            response.body, host=url.host or "", username=self._username
        )
        _LOGGER.debug("Logged in to %s", url.host)
        return self._login_info

    async def check_session(self) -> SessionState:
        """Ask the server whether the session is still up.

        Raises :class:`IcwsSessionLostError` when the server answers 401 or reports the
        session down, :class:`IcwsConnectionError` when it cannot be reached.
        """
        return await self._live("Session check").check()

    async def connect_station(self, settings: StationSettings) -> None:
        """Connect the session to a station, replacing any it has.

        ``docs/icws-protocol.md`` §11: a PUT while a station is connected replaces it; a
        server that instead answers 400 asking to disconnect first gets a DELETE and the PUT
        again. Raises :class:`IcwsStationError` if the server refuses the station.
        """
        what = "Station connection"
        session = self._live(what)
        body = settings.to_wire()
        response = await session.send("PUT", "connection/station", what=what, body=body)
        if response.status == 400 and _asks_to_disconnect_first(response):
            _LOGGER.debug("The server asks to disconnect the station before switching")
            await self.disconnect_station()
            response = await session.send(
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
            response = await self._live(what).call(
                "GET", "connection/station", what=what
            )
        except IcwsResponseError as err:
            if err.status in (400, 404):
                return None
            raise
        if isinstance(response.body, dict):
            with suppress(InvalidFieldError):
                return station(response.body)
        raise IcwsResponseError(f"{what} failed: malformed answer", status=200)

    async def disconnect_station(self) -> None:
        """Disconnect the session from its station."""
        what = "Station disconnection"
        await self._live(what).call(
            "DELETE", "connection/station", what=what, expected=(200, 204)
        )

    async def subscribe_station(self) -> None:
        """Watch the session's station; the next message is a full (not delta) one."""
        await self._subscribe(
            SubscriptionKind.STATION,
            "messaging/subscriptions/connection/station",
            what="Station subscription",
        )

    async def subscribe_user_statuses(
        self, user_ids: Sequence[str] | None = None
    ) -> None:
        """Watch users' statuses (``None``: the session's user); a PUT replaces the set.

        The next user status message is a full one (``docs/icws-protocol.md`` §9).
        """
        await self._subscribe(
            SubscriptionKind.USER_STATUSES,
            "messaging/subscriptions/status/user-statuses",
            what="User status subscription",
            body={"userIds": self._user_ids(user_ids)},
        )

    async def subscribe_status_catalogue(self) -> None:
        """Watch the server's status catalogue."""
        await self._subscribe(
            SubscriptionKind.STATUS_CATALOGUE,
            "messaging/subscriptions/status/status-messages",
            what="Status catalogue subscription",
        )

    async def subscribe_user_status_access(
        self, user_ids: Sequence[str] | None = None
    ) -> None:
        """Watch which statuses users may pick (``None``: the session's user)."""
        await self._subscribe(
            SubscriptionKind.STATUS_ACCESS,
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
            SubscriptionKind.QUEUE,
            f"messaging/subscriptions/queues/{QUEUE_SUBSCRIPTION_ID}",
            what="Queue subscription",
            body={
                "queueIds": [{"queueType": USER_QUEUE, "queueName": self._own_user()}],
                "attributeNames": list(attributes),
            },
        )
        return QUEUE_SUBSCRIPTION_ID

    async def pickup_interaction(self, interaction_id: str) -> None:
        """Answer one of the user's ringing calls, or take a held one back (§12).

        The server's station for the user carries it (§14). Every call action raises
        :class:`IcwsInteractionError` when the server refuses (``not_found``: the call is
        gone), and ``ValueError`` for an id that is no path segment (nothing is sent).
        """
        await self._act(interaction_id, InteractionAction.PICKUP)

    async def disconnect_interaction(self, interaction_id: str) -> None:
        """Hang up one of the user's calls (or reject one that rings)."""
        await self._act(interaction_id, InteractionAction.DISCONNECT)

    async def hold_interaction(self, interaction_id: str, on: bool = True) -> None:
        """Put one of the user's calls on hold, or (``on=False``) take it off hold."""
        await self._act(interaction_id, InteractionAction.HOLD, {"on": on})

    async def mute_interaction(self, interaction_id: str, on: bool = True) -> None:
        """Mute the user's side of a call, or (``on=False``) unmute it."""
        await self._act(interaction_id, InteractionAction.MUTE, {"on": on})

    async def transfer_interaction(self, interaction_id: str, target: str) -> None:
        """Transfer one of the user's calls to ``target`` (a number or an extension), blind."""
        await self._act(
            interaction_id, InteractionAction.BLIND_TRANSFER, {"target": target}
        )

    async def send_digits(self, interaction_id: str, digits: str) -> None:
        """Send DTMF ``digits`` on one of the user's calls (an IVR's menu, a door opener)."""
        await self._act(
            interaction_id, InteractionAction.SEND_DIGITS, {"dtmfDigits": digits}
        )

    async def make_call(self, target: str, *, workgroup: str | None = None) -> str:
        """Place a call from the user to ``target``; return the new interaction's id.

        ``workgroup`` places it on the workgroup's behalf. The call then shows in the queue
        watch (§13), possibly before this returns. Raises :class:`IcwsInteractionError`
        when the server refuses (with no station to carry the call, expect a 400, §14).
        """
        return await create_call(self._live("Call creation"), target, workgroup)

    async def subscribe_messages_waiting(self) -> None:
        """Watch how many voicemails wait (§18); the count then comes as a message.

        A server that does not offer it refuses with :class:`IcwsResponseError` (a 4xx).
        """
        await self._subscribe(
            SubscriptionKind.MESSAGES_WAITING,
            MWI_SUBSCRIPTION,
            what="Voicemail subscription",
        )

    async def refresh_messages_waiting(self) -> None:
        """Ask the server to count the voicemails again; the count comes as a message."""
        what = "Voicemail recount"
        await self._live(what).call(
            "PUT", MWI_COUNT_REFRESH, what=what, expected=range(200, 300)
        )

    async def get_status_catalogue(self) -> tuple[StatusDefinition, ...]:
        """Return every status defined on the server, with texts in the session's language."""
        what = "Status catalogue query"
        response = await self._live(what).call(
            "GET", "status/status-messages", what=what
        )
        items = _get(response.body, "statusMessageList")
        if not isinstance(items, list):
            raise IcwsResponseError(f"{what} failed: malformed answer", status=200)
        return status_definitions(items)

    async def get_user_status_access(
        self, user_id: str | None = None
    ) -> frozenset[str]:
        """Return the ids of the statuses a user may pick (``None``: the session's user).

        Compare them with :func:`id_key`; offer only the selectable ones.
        """
        what = "Status access query"
        response = await self._live(what).call(
            "GET",
            ("status", "status-messages-user-access", user_id or self._own_user()),
            what=what,
        )
        items = _get(response.body, "statusMessages")
        if not isinstance(items, list):
            raise IcwsResponseError(f"{what} failed: malformed answer", status=200)
        return frozenset(nonempty_strings(items))

    async def get_user_status(self, user_id: str | None = None) -> UserStatus:
        """Return a user's status now (``None``: the session's user).

        Raises ``ValueError`` for a ``user_id`` that is no path segment (nothing is sent).
        """
        what = "User status query"
        response = await self._live(what).call(
            "GET",
            ("status", "user-statuses", user_id or self._own_user()),
            what=what,
        )
        return _read(what, response, user_status)

    async def get_users(
        self,
        *,
        where: str | None = None,
        limit: int | None = None,
        page_size: int = PAGE_SIZE,
    ) -> tuple[DirectoryUser, ...]:
        """Return the users the session's user may view, page by page (``Range``).

        ``where`` filters on the server (``configurationId.id sw St``,
        ``docs/icws-protocol.md`` §15); ``limit`` stops after that many users.
        """
        what = "User list query"
        session = self._live(what)
        query = {"select": "configurationId", "rightsFilter": VIEW_RIGHTS}
        if where is not None:
            query["where"] = where
        users: list[DirectoryUser] = []
        first: int | None = 0
        while first is not None and (limit is None or len(users) < limit):
            count = page_size if limit is None else min(page_size, limit - len(users))
            response = await session.call(
                "GET",
                USERS_PATH,
                what=what,
                query=query,
                headers=range_header(first, count),
                expected=(200, 206),
            )
            page = _read(what, response, directory_users)
            users.extend(page)
            after = next_page(response.headers.get("Content-Range"))
            # A page that is empty or does not move on ends the list: a server that
            # repeats itself must not keep the caller asking.
            first = after if page and after is not None and after > first else None
        return tuple(users if limit is None else users[:limit])

    async def set_user_status(
        self,
        status_id: str,
        *,
        notes: str | None = None,
        forward_number: str | None = None,
        until: datetime | None = None,
        user_id: str | None = None,
    ) -> None:
        """Set a user's status (``None``: the session's user); it then comes as a message.

        Another user's status needs the right to change it (a supervisor's).
        Raises :class:`IcwsStatusError` with ``reason`` ``unknown_status`` (400) or
        ``not_allowed`` (403), and ``ValueError`` for a ``user_id`` that is no path
        segment (nothing is sent).
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
        response = await self._live(what).send(
            "PUT",
            ("status", "user-statuses", user_id or self._own_user()),
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

    async def get_user_activations(
        self, user_id: str | None = None, workgroups: Sequence[str] | None = None
    ) -> UserActivations:
        """Return a user's activation in each of their workgroups (None: the session's).

        ``workgroups`` narrows the answer to those (``docs/icws-protocol.md`` §16). Raises
        :class:`IcwsNotAllowedError` when the user may not read them (403).
        """
        what = "Activation query"
        response = await self._live(what).send(
            "GET",
            ("activations", "users", user_id or self._own_user()),
            what=what,
            query={"filter": ",".join(workgroups)} if workgroups else None,
        )
        _raise_unless(what, response, 200)
        return _read(what, response, user_activations)

    async def set_user_activations(
        self, activations: Mapping[str, bool], user_id: str | None = None
    ) -> UserActivations | None:
        """Activate or deactivate a user (None: the session's) in the workgroups given.

        Only the listed workgroups change. Returns the full new set the server answers
        with, or None when its answer holds none [guess: the docs name the answer's type
        only]; the change also arrives in an activation watch. Raises
        :class:`IcwsNotAllowedError` without the right (403), :class:`IcwsResponseError`
        for a workgroup the user is not in (400).
        """
        what = "Activation change"
        response = await self._live(what).send(
            "PUT",
            ("activations", "users", user_id or self._own_user()),
            what=what,
            body=activation_delta(activations),
        )
        _raise_unless(what, response, 200, 204)
        with suppress(InvalidFieldError):
            return user_activations(response.body)
        return None

    async def subscribe_user_activations(
        self,
        user_id: str | None = None,
        workgroups: Sequence[str] = (ALL_WORKGROUPS,),
    ) -> str:
        """Watch a user's activations (None: the session's); return the subscription id.

        ``workgroups`` defaults to every workgroup the user belongs to. The first message
        is a full one [guess], as after every renewal.
        """
        await self._subscribe(
            SubscriptionKind.ACTIVATIONS,
            f"messaging/subscriptions/activations/users/{ACTIVATIONS_SUBSCRIPTION_ID}",
            what="Activation subscription",
            body={
                "userId": user_id or self._own_user(),
                "workgroupIds": list(workgroups),
            },
        )
        return ACTIVATIONS_SUBSCRIPTION_ID

    async def subscribe_statistics(self, keys: Iterable[StatisticKey]) -> None:
        """Watch the values of ``keys``: the session's one statistic-values subscription.

        A PUT replaces the whole set [guess], so give every key the session wants; no
        keys ends the subscription (``docs/icws-protocol.md`` §17). Values come as
        :class:`StatisticValueMessage`; an error value says why one key has none.
        """
        what = "Statistics subscription"
        session = self._live(what)
        body = statistic_keys_body(keys)
        if body["statisticKeys"]:
            await session.subscribe(
                SubscriptionKind.STATISTICS, STATISTICS_PATH, what=what, body=body
            )
        elif any(s.path == STATISTICS_PATH for s in session.subscriptions):
            await session.unsubscribe(
                Subscription(SubscriptionKind.STATISTICS, STATISTICS_PATH)
            )

    async def get_statistic_parameter_values(
        self,
        parameter_type_id: str = WORKGROUP_PARAMETER,
        *,
        text_filter: str | None = None,
        max_to_return: int | None = None,
    ) -> ParameterValues:
        """List the values a statistic parameter may take: by default, the workgroups.

        [guess] Only those the user may see. ``text_filter`` and ``max_to_return`` are the
        query's ``filter`` and ``maxToReturn``; ``total`` of the answer counts them all.
        Raises :class:`IcwsNotAllowedError` when the user may not list them (403).
        """
        what = "Statistic parameter query"
        body: dict[str, Any] = {"parameterTypeId": parameter_type_id}
        if text_filter is not None:
            body["filter"] = text_filter
        if max_to_return is not None:
            body["maxToReturn"] = max_to_return
        response = await self._live(what).send(
            "POST",
            "statistics/statistic-parameter-values/queries",
            what=what,
            body=body,
        )
        _raise_unless(what, response, 200)
        return _read(what, response, parameter_values)

    def messages(
        self, mode: RetrievalMode = RetrievalMode.AUTO, poll_interval: float = 1.0
    ) -> AsyncGenerator[Message]:
        """Return the session's messages as an async generator; close it when done.

        ``AUTO`` streams server-sent events when the server offers them (messaging 2) and
        polls every ``poll_interval`` seconds otherwise. Unknown and malformed messages are
        skipped. A broken stream is reopened in the same session and every subscription is
        renewed, so full messages follow; so is a new call after an earlier one ended.

        A renewal the server refuses (4xx other than 401) comes as a
        :class:`SubscriptionRefusedMessage`: what that subscription feeds gets no messages
        until a later renewal is granted and a full message follows.

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
            return self._retrieval.events(self._session)
        return self._retrieval.poll(self._session, poll_interval)

    @property
    def logout_pending(self) -> bool:
        """Whether a session's logout did not reach the server, which may still hold it.

        :meth:`logout` tries again (so does :meth:`login`, before asking for a new
        session); a caller that drops the client would leave that session on the server.
        """
        return self._pending_logout is not None

    async def logout(self) -> None:
        """End the session: unsubscribe, then log out; best effort, bounded in time.

        A login still waiting for its answer is waited for (within the same bound), and the
        session it brings is logged out too. A logout that cannot reach the server (an
        outage) is kept: :attr:`logout_pending` says so, and the next ``logout`` or
        ``login`` tries it again.
        """
        try:
            async with asyncio.timeout(self._logout_timeout):
                await self._end_late_login()
        except TimeoutError:
            _LOGGER.debug(
                "No answer to the last login within %s s", self._logout_timeout
            )
        session = self._session
        if session is None or not session.live:
            await self._end_pending_logout()
            return
        self._session = None
        self._pending_logout = session
        try:
            async with asyncio.timeout(self._logout_timeout):
                for subscription in session.subscriptions:
                    with suppress(IcwsError):
                        await session.unsubscribe(subscription)
                await self._end_pending_logout()
        except TimeoutError:
            _LOGGER.debug("Logout did not finish within %s s", self._logout_timeout)

    async def _end_pending_logout(self) -> None:
        """Log out the session whose logout did not reach the server yet, if any."""
        session = self._pending_logout
        if session is None:
            return
        try:
            await session.logout()
        except IcwsConnectionError:
            _LOGGER.debug("The logout did not reach the server; kept for later")
            return
        except IcwsError:
            pass  # refused or unknown (401): the server holds no such session
        session.end()
        self._pending_logout = None

    async def close(self) -> None:
        """Stop any message retrieval and log out."""
        self._retrieval.close()
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
        self,
        kind: SubscriptionKind,
        path: str,
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        await self._live(what).subscribe(kind, path, what=what, body=body)

    async def _act(
        self,
        interaction_id: str,
        action: InteractionAction,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        await act(self._live("Call control"), interaction_id, action, body)

    def _own_user(self) -> str:
        """The session's user id, as the server spelled it at login."""
        return self._login_info.user_id if self._login_info else self._username

    def _user_ids(self, user_ids: Sequence[str] | None) -> list[str]:
        return [self._own_user()] if user_ids is None else list(user_ids)

    def _live(self, what: str) -> Session:
        return require(self._session, what)

    async def _end_late_login(self) -> None:
        """Take the session a late login brings, to log it out; or give the login up."""
        if self._late_login is None:
            return
        _, request = self._late_login
        try:
            late = await self._late_answer(self._logout_timeout)
        except IcwsTimeoutError:
            request.cancel()
            self._late_login = None
            raise TimeoutError from None
        if late is not None and late[1].status == 201 and self._session is None:
            self._accept_login(*late)

    def _drop_session(self) -> None:
        """Forget the session without logging out (a new login replaces it)."""
        if self._session is not None:
            self._session.end()
        self._session = None


def _retrieve(request: asyncio.Future[Response]) -> None:
    if not request.cancelled():
        request.exception()


def _refuses_credentials(response: Response) -> bool:
    error_id, _ = response.error_fields()
    return response.status == 400 and error_id == AUTHENTICATION_FAILURE


def _authentication_error(response: Response) -> IcwsAuthenticationError:
    error = error_for("Login", response)
    return IcwsAuthenticationError(str(error), status=400, error_id=error.error_id)


def _read[T](what: str, response: Response, reader: Callable[[Any], T]) -> T:
    """Read an answer's body with ``reader``; a malformed one fails as the server's."""
    try:
        return reader(response.body)
    except InvalidFieldError:
        raise IcwsResponseError(
            f"{what} failed: malformed answer", status=response.status
        ) from None


def _raise_unless(what: str, response: Response, *expected: int) -> None:
    """Raise the error for an unexpected answer; a 403 as :class:`IcwsNotAllowedError`."""
    if response.status in expected:
        return
    error = error_for(what, response)
    if response.status == 403:
        raise IcwsNotAllowedError(str(error), status=403, error_id=error.error_id)
    raise error


def _get(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


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
