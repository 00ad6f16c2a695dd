"""The ICWS HTTP surface: routes, session checks, error answers and the response delay.

Each handler turns one documented call into an operation on :class:`SimulatorState`.
Protocol facts and guesses are marked as in ``docs/icws-protocol.md``.

Parts of the API kept in modules of their own (user statuses, calls) are classes built
with the state that register their ICWS routes on :class:`IcwsRoutes` and their control
routes on :class:`~icws_simulator.control.ControlApi`; they are listed in ``APIS``.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_urldispatcher import AbstractRoute

from . import protocol
from .calls_http import CallsApi
from .control import ControlApi
from .cors import add_cors_headers, answer_preflight
from .directory_http import DirectoryApi
from .interactions_http import InteractionsApi
from .outage import is_lost, outage_middleware
from .protocol import (
    IcwsError,
    SessionHandler,
    bad_request,
    ends_subscription,
    is_icws_path,
    json_response,
    read_json_object,
    station_not_found,
    unauthorized,
)
from .sessions import SimSession
from .sse import EventStream, event_stream_response
from .state import SimulatorState
from .stations import (
    STATION_SETTING_REMOTE_NUMBER,
    STATION_SETTING_REMOTE_WORKSTATION,
    STATION_SETTING_WORKSTATION,
    SimulatedStation,
    station_info,
)
from .statistics_http import StatisticsApi
from .status_http import StatusApi
from .voicemail_http import VoicemailApi
from .workgroups_http import WorkgroupsApi

# The WWW-Authenticate header names "/ICWS/connection" [doc]: serve both spellings.
PREFIXES: Final = ("/icws", "/ICWS")


def request_cookie(request: web.Request, name: str) -> str | None:
    """Return a cookie's raw value from the Cookie header(s), byte for byte.

    Parsed by hand: the value holds "|" and "=" and must be compared exactly as sent.
    """
    for header in request.headers.getall("Cookie", []):
        for part in header.split(";"):
            key, sep, value = part.strip().partition("=")
            if sep and key == name:
                return value
    return None


def _station_id(station: SimulatedStation, session: SimSession) -> dict[str, str]:
    """Return a station's configuration id (§14): id, name and [guess] its URI."""
    return {
        "id": station.id,
        "displayName": station.id,
        "uri": f"/icws/{session.session_id}/configuration/stations/{station.id}",
    }


def _required_string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise bad_request(f"The property '{key}' is required.")
    return value


type Handler0 = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SESSION_KEY: Final = "icws_simulator.session"
# Set on a login request whose client went away before its answer.
_ABANDONED_KEY: Final = "icws_simulator.abandoned"
# Logins in progress, each finished even if its client goes away; stopping waits for them.
UNANSWERED_LOGINS: Final = web.AppKey("unanswered_logins", set[asyncio.Task[Any]])
# The paths under /icws that need no session start with this segment.
_SESSIONLESS: Final = "connection"


def session_id_in_path(path: str) -> str | None:
    """Return the session id a /icws path names (None: a path outside any session)."""
    parts = path.split("/", 3)
    if len(parts) < 3 or parts[2].lower() == _SESSIONLESS:
        return None
    return parts[2]


class IcwsRoutes:
    """Where the ICWS routes are registered, under both path prefixes.

    Session routes (``add_session``) are answered only for a live session with the right
    cookie and CSRF token: that check runs before routing (see :func:`build_app`), so an
    ended or unknown session answers 401 on any path, implemented or not. Their handlers
    get the session.
    """

    def __init__(self, app: web.Application) -> None:
        """Register on ``app``."""
        self._app = app
        self._without_csrf: set[AbstractRoute] = set()

    def add(self, method: str, path: str, handler: Handler0) -> None:
        """Add a route outside any session; ``path`` follows ``/icws`` (``/connection``)."""
        for prefix in PREFIXES:
            self._app.router.add_route(method, f"{prefix}{path}", handler)

    def add_session(
        self,
        method: str,
        path: str,
        handler: SessionHandler,
        *,
        csrf: bool = True,
    ) -> None:
        """Add a session route; ``path`` follows ``/icws/{sessionId}`` (``/connection``).

        ``csrf=False``: the cookie alone authorises it (reading messages [doc]).
        """

        async def run(request: web.Request) -> web.StreamResponse:
            return await handler(request, request[_SESSION_KEY])

        for prefix in PREFIXES:
            route = self._app.router.add_route(
                method, f"{prefix}/{{session_id}}{path}", run
            )
            if not csrf:
                self._without_csrf.add(route)

    def needs_csrf(self, request: web.Request) -> bool:
        """Return whether the request's route needs the CSRF token (unknown ones do)."""
        return request.match_info.route not in self._without_csrf


class Api(Protocol):
    """A part of the ICWS API: its ICWS routes and its control routes."""

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register the routes."""


class IcwsApi:
    """Handlers of the connection, messaging and station routes, bound to one state."""

    def __init__(self, state: SimulatorState) -> None:
        """Keep the state the handlers act on."""
        self.state = state

    def add_routes(self, icws: IcwsRoutes, _control: ControlApi) -> None:
        """Register the connection, messaging and station routes."""
        icws.add("POST", "/connection", self.login)
        icws.add("GET", "/connection/features", self.features)
        icws.add("GET", "/connection/version", self.version)
        icws.add_session("GET", "/connection", self.connection_state)
        icws.add_session("DELETE", "/connection", self.logout)
        icws.add_session("GET", "/messaging/messages", self.messages, csrf=False)
        icws.add_session("POST", "/messaging/heartbeat", self.heartbeat)
        subscription = "/messaging/subscriptions/connection/station"
        icws.add_session("PUT", subscription, self.subscribe)
        # docs/icws-protocol.md §5
        icws.add_session(
            "DELETE", subscription, ends_subscription(self.state.unsubscribe)
        )
        icws.add_session("PUT", "/connection/station", self.put_station)
        icws.add_session("GET", "/connection/station", self.get_station)
        icws.add_session("DELETE", "/connection/station", self.delete_station)

    # ---- no session --------------------------------------------------------------------

    async def login(self, request: web.Request) -> web.StreamResponse:
        """``POST /icws/connection``: create a session (201) or say why not.

        A login the server received is finished even when its client has gone (see
        :func:`_activity_middleware`); one still waiting when the server stops is dropped.
        """
        state = self.state
        if state.stopping.is_set():
            raise IcwsError(
                503, "The server is shutting down.", protocol.NOT_ACCEPTING_ID
            )
        state.count_login()
        refusal = state.refusal
        if refusal is not None:
            raise IcwsError(
                503,
                refusal.message,
                refusal.error_id,
                extra={"alternateHostList": list(refusal.alternates)},
            )
        accept_language = request.headers.get("Accept-Language", "").strip()
        if not accept_language:
            raise bad_request(
                "The Accept-Language header is required.", protocol.MISSING_HEADER_ID
            )
        body = await read_json_object(request)
        if body.get("__type") != protocol.TYPE_LOGIN:
            raise bad_request("Unsupported connection request type.")
        typed = _required_string(body, "userID")
        password = body.get("password")
        _required_string(body, "applicationName")
        if not isinstance(password, str):
            raise bad_request("The property 'password' is required.")
        user_id = state.directory_user(typed)
        if user_id is None or not state.check_credentials(user_id, password):
            raise IcwsError(
                400,
                "The authentication process failed.",
                protocol.AUTH_FAILURE_ID,
                protocol.AUTH_FAILURE_CODE,
            )
        language = accept_language.split(",")[0].split(";")[0].strip().lower()
        session = state.create_session(
            user_id, language, login_abandoned=bool(request.get(_ABANDONED_KEY))
        )
        include = {
            part.strip().lower() for part in request.query.get("include", "").split(",")
        }
        answer: dict[str, Any] = {
            "csrfToken": session.csrf_token,
            "sessionId": session.session_id,
            "alternateHostList": list(state.alternate_hosts),
            "userID": user_id,  # the directory's spelling, whatever the user typed
            "userDisplayName": state.display_name(user_id),
            "icServer": state.server_name,
        }
        if "features" in include:
            answer["features"] = self._features()
        if "version" in include:
            answer["version"] = protocol.server_version()
        # §14 [doc]: the station the user is logged on to (a user holds one, whichever
        # session logged on) as a station *id*, or null; the server's clock; the user's
        # configured default workstation (nullable).
        if "effective-station" in include:
            held = next(
                (s.station for s in state.sessions_of(user_id) if s.station), None
            )
            answer["effectiveStation"] = (
                None if held is None else {"stationId": _station_id(held, session)}
            )
        if "server-time" in include:
            answer["serverTimeInfo"] = {
                "serverUtcTime": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            }
        if "default-workstation" in include:
            answer["defaultWorkstationId"] = state.default_workstations.get(user_id)
        response = json_response(
            answer,
            status=201,
            headers={
                protocol.CSRF_HEADER: session.csrf_token,
                protocol.SESSION_HEADER: session.session_id,
                "Location": f"/icws/{session.session_id}/connection",
            },
        )
        secure = "; Secure" if request.secure else ""
        response.headers.add(
            "Set-Cookie",
            f"{session.cookie_name}={session.cookie_value}; "
            f"Path=/icws/{session.session_id}{secure}; HttpOnly",
        )
        return response

    async def features(self, _request: web.Request) -> web.StreamResponse:
        """``GET /icws/connection/features``."""
        return json_response({"featureInfoList": self._features()})

    def _features(self) -> list[dict[str, Any]]:
        state = self.state
        return protocol.features(
            state.connection_version,
            state.messaging_version,
            interactions=state.interactions_version,
            status=state.status.version,
            queues=state.queues_version,
            activations=state.workgroups.version,
            statistics=state.statistics.version,
        )

    async def version(self, _request: web.Request) -> web.StreamResponse:
        """``GET /icws/connection/version``."""
        return json_response(protocol.server_version())

    # ---- connection --------------------------------------------------------------------

    async def connection_state(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET /icws/{id}/connection``: the session's state [doc].

        Up, with the reason of the last station loss if any [guess]; once the server ends
        the session and until the client reads that, down with the reason and
        ``shouldReconnect`` of the message.
        """
        if session.ending:
            return json_response(
                {
                    "connectionState": protocol.CONNECTION_DOWN,
                    "reason": session.end_reason,
                    "shouldReconnect": session.end_should_reconnect,
                }
            )
        return json_response(
            {
                "connectionState": protocol.CONNECTION_UP,
                "reason": session.reason,
                "shouldReconnect": True,
            }
        )

    async def logout(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``DELETE /icws/{id}/connection``: end the session and its station (200) [seen].

        Clients written against real servers check for 200.
        """
        self.state.forget(session, cause="logged_out")
        return web.Response(status=200)

    async def heartbeat(
        self, _request: web.Request, _session: SimSession
    ) -> web.StreamResponse:
        """``POST /icws/{id}/messaging/heartbeat``.

        [guess] The call exists [doc]; its status is not recorded: 204, like other calls with
        nothing to say.
        """
        return web.Response(status=204)

    # ---- messages ----------------------------------------------------------------------

    async def messages(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET /icws/{id}/messaging/messages``: an event stream or one short poll.

        [guess] A server without messaging 2 answers a stream request with a poll answer.
        """
        wants_stream = "text/event-stream" in request.headers.get("Accept", "")
        if wants_stream and self.state.messaging_version >= 2:
            return await self._stream(request, session)
        items = session.take_all()
        # Joining the raw texts means a broken injected message breaks the whole array,
        # as a broken message would on a real server.
        text = "[" + ",".join(item.text for item in items) + "]"
        if any(item.ends_session for item in items):
            self.state.forget(session)
        return json_response(text=text)

    async def _stream(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        state = self.state
        response = event_stream_response()
        await response.prepare(request)
        stream = EventStream(session, request, response, state.sse_separator)
        state.open_stream(stream)
        try:
            await stream.run(
                retry_ms=state.sse_retry_ms,
                ping_interval=lambda: state.sse_ping_interval,
                chunk_size=lambda: state.sse_chunk_size,
                on_session_end=state.forget,
            )
        finally:
            state.close_stream(stream)
        return response

    # ---- station subscription ----------------------------------------------------------

    async def subscribe(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/connection/station``: 200, then the initial message.

        [guess] No body: the docs list none for the 200.
        """
        self.state.subscribe(session)
        return web.Response(status=200)

    # ---- station connection ------------------------------------------------------------

    async def put_station(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT /icws/{id}/connection/station``: log the session on to a station (200).

        A session already on a station switches to the new one (§11, see
        :meth:`SimulatorState.connect_station`).
        """
        body = await read_json_object(request)
        self.state.record_station_request(body)
        station = self._station_from_settings(body)
        mode = body.get("stationConnectionMode", 0)
        if not isinstance(mode, int) or mode not in {0, 1, 2}:
            raise bad_request("Invalid stationConnectionMode.")
        session.station_connection_mode = mode
        self.state.connect_station(session, station)
        return web.Response(status=200)

    def _station_from_settings(self, body: dict[str, Any]) -> SimulatedStation | None:
        kind = body.get("__type")
        station: SimulatedStation | None
        if kind == protocol.TYPE_STATIONLESS:
            return None
        if kind in {protocol.TYPE_WORKSTATION, protocol.TYPE_REMOTE_WORKSTATION}:
            found = self.state.find_station(_required_string(body, "workstation"))
            if found is None:
                raise station_not_found()
            station = replace(found, station_setting=STATION_SETTING_WORKSTATION)
            if kind == protocol.TYPE_REMOTE_WORKSTATION:
                station = replace(
                    station,
                    station_setting=STATION_SETTING_REMOTE_WORKSTATION,
                    remote_number=_required_string(body, "remoteNumber"),
                )
        elif kind == protocol.TYPE_REMOTE_NUMBER:
            number = _required_string(body, "remoteNumber")
            # [guess] A remote number station is named after its number.
            station = SimulatedStation(
                id=number,
                extension=number,
                station_setting=STATION_SETTING_REMOTE_NUMBER,
                remote_number=number,
                allowed_media_types=(1,),
            )
        else:
            raise bad_request("Unknown station settings type.")
        supported = body.get("supportedMediaTypes")
        if supported is not None:
            if not isinstance(supported, list) or not all(
                isinstance(media, int) for media in supported
            ):
                raise bad_request("Invalid supportedMediaTypes.")
            # [guess] The station offers the media types both it and the client support.
            station = replace(
                station,
                allowed_media_types=tuple(
                    media for media in station.allowed_media_types if media in supported
                ),
            )
        return station

    async def get_station(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET /icws/{id}/connection/station``: 200 with the station's fields.

        [guess] With no station connection: the same 400 as an unknown station.
        """
        if session.station is None:
            raise station_not_found()
        return json_response(
            station_info(session.station, self.state.connection_version)
        )

    async def delete_station(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``DELETE /icws/{id}/connection/station``: 200, station disconnected [doc].

        [guess] Also 200 when there was no station connection.
        """
        self.state.connect_station(session, None)
        return web.Response(status=200)


# The parts of the API this server serves.
APIS: Final[tuple[Callable[[SimulatorState], Api], ...]] = (
    IcwsApi,
    StatusApi,
    CallsApi,
    InteractionsApi,
    VoicemailApi,
    DirectoryApi,
    WorkgroupsApi,
    StatisticsApi,
)


@web.middleware
async def _error_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Answer ICWS errors (and unknown /icws routes) with the ICWS error body."""
    try:
        return await handler(request)
    except IcwsError as error:
        return error.response()
    except web.HTTPException as error:
        if not is_icws_path(request.path) or error.status < 400:
            raise
        return IcwsError(error.status, error.reason, protocol.NOT_FOUND_ID).response()


def _session_middleware(state: SimulatorState, routes: IcwsRoutes) -> Middleware:
    """Check the session of every path under ``/icws/{sessionId}`` before routing.

    An ended or unknown session answers 401 whatever the path, as real servers do; so
    does a call without the session cookie or (but for reading messages) without the
    CSRF token [doc]. Every authorised call keeps the session from going idle.
    """

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_icws_path(request.path):
            return await handler(request)
        session_id = session_id_in_path(request.path)
        if session_id is None:
            return await handler(request)
        session = state.find_session(session_id)
        if session is None:
            raise unauthorized()
        if request_cookie(request, session.cookie_name) != session.cookie_value:
            raise unauthorized()
        if (
            routes.needs_csrf(request)
            and request.headers.get(protocol.CSRF_HEADER) != session.csrf_token
        ):
            raise unauthorized()
        state.touch(session)
        request[_SESSION_KEY] = session
        return await handler(request)

    return check


def _is_login(request: web.Request) -> bool:
    return request.method == "POST" and request.path.lower() == "/icws/connection"


def _finished(
    unanswered: set[asyncio.Task[Any]],
) -> Callable[[asyncio.Task[Any]], None]:
    def finished(task: asyncio.Task[Any]) -> None:
        unanswered.discard(task)
        if not task.cancelled():
            task.exception()  # an abandoned login's failure has nobody to go to

    return finished


def _activity_middleware(
    state: SimulatorState, unanswered: set[asyncio.Task[Any]]
) -> Middleware:
    """Count /icws requests in progress and hold each for ``response_delay``.

    The hold ends early when the server stops, so stopping never waits on a delay. A login
    is finished even if its client goes away meanwhile, as a real server finishes the login
    it received: the session it creates is one nobody can end (``login_abandoned``). Other
    requests are dropped with their client.
    """

    async def answer(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            await state.hold_request()
            return await handler(request)
        finally:
            state.request_finished()

    @web.middleware
    async def delay(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_icws_path(request.path):
            return await handler(request)
        state.request_started()
        if not _is_login(request):
            return await answer(request, handler)
        try:
            await request.read()  # received whole, so the body outlives the connection
        except BaseException:
            state.request_finished()
            raise
        login = asyncio.ensure_future(answer(request, handler))
        unanswered.add(login)
        login.add_done_callback(_finished(unanswered))
        try:
            return await asyncio.shield(login)
        except asyncio.CancelledError:
            request[_ABANDONED_KEY] = True
            state.count_abandoned_login()
            raise

    return delay


@web.middleware
async def _cors_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Answer CORS preflights on /icws paths before any session check."""
    if request.method == "OPTIONS" and is_icws_path(request.path):
        return answer_preflight(request)
    return await handler(request)


def build_app(state: SimulatorState) -> web.Application:
    """Build the aiohttp application of the simulator: ICWS routes and control routes.

    Middlewares, outermost first: the network outage (requests lost before or after the
    server), CORS preflights, the count of requests in progress and the response delay,
    ICWS error bodies, and the session check (before routing).
    """
    app = web.Application()
    app[UNANSWERED_LOGINS] = set()
    icws = IcwsRoutes(app)
    app.middlewares.extend(
        [
            outage_middleware(state),
            _cors_middleware,
            _activity_middleware(state, app[UNANSWERED_LOGINS]),
            _error_middleware,
            _session_middleware(state, icws),
        ]
    )

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        if not is_icws_path(request.path):
            return
        add_cors_headers(request, response)
        if not is_lost(request):
            state.record_request(request.method, request.path, response.status)

    app.on_response_prepare.append(on_prepare)
    control = ControlApi(state)
    for api in APIS:
        api(state).add_routes(icws, control)
    control.add_routes(app)
    return app
