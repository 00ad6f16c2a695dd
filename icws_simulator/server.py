"""The ICWS HTTP surface: routes, session checks, error answers and the response delay.

Each handler turns one documented call into an operation on :class:`SimulatorState`.
Protocol facts and guesses are marked as in ``docs/icws-protocol.md``.
"""

import asyncio
from dataclasses import replace
import json
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_sse import EventSourceResponse

from . import protocol
from .control import ControlApi
from .protocol import (
    IcwsError,
    bad_request,
    json_response,
    station_not_found,
    unauthorized,
)
from .sessions import SimSession
from .sse import EventStream
from .state import SimulatorState
from .stations import (
    STATION_SETTING_REMOTE_NUMBER,
    STATION_SETTING_REMOTE_WORKSTATION,
    STATION_SETTING_WORKSTATION,
    SimulatedStation,
    station_info,
)
from .status_http import StatusApi, StatusControlApi

# The WWW-Authenticate header names "/ICWS/connection" [doc]: serve both spellings.
PREFIXES: Final = ("/icws", "/ICWS")


def is_icws_path(path: str) -> bool:
    """Return whether a path belongs to the ICWS API (not to the control interface)."""
    return path.lower() == "/icws" or path.lower().startswith("/icws/")


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


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """Read a JSON object body; any ``*json*`` content type is accepted [doc][seen]."""
    text = await request.text()
    if not text.strip():
        raise bad_request("The request body is missing.")
    if "json" not in request.content_type.lower():
        raise bad_request("The request body must be JSON.")
    try:
        body = json.loads(text)
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _required_string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise bad_request(f"The property '{key}' is required.")
    return value


class IcwsApi:
    """Handlers of the ICWS routes, bound to one simulator state."""

    def __init__(self, state: SimulatorState) -> None:
        """Keep the state the handlers act on."""
        self.state = state

    def add_routes(self, app: web.Application) -> None:
        """Register every route under both path prefixes (fixed paths first)."""
        for prefix in PREFIXES:
            session = f"{prefix}/{{session_id}}"
            app.router.add_routes(
                [
                    web.post(f"{prefix}/connection", self.login),
                    web.get(f"{prefix}/connection/features", self.features),
                    web.get(f"{prefix}/connection/version", self.version),
                    web.get(f"{session}/connection", self.connection_state),
                    web.delete(f"{session}/connection", self.logout),
                    web.get(f"{session}/messaging/messages", self.messages),
                    web.post(f"{session}/messaging/heartbeat", self.heartbeat),
                    web.put(
                        f"{session}/messaging/subscriptions/connection/station",
                        self.subscribe,
                    ),
                    web.delete(
                        f"{session}/messaging/subscriptions/connection/station",
                        self.unsubscribe,
                    ),
                    web.put(f"{session}/connection/station", self.put_station),
                    web.get(f"{session}/connection/station", self.get_station),
                    web.delete(f"{session}/connection/station", self.delete_station),
                ]
            )

    # ---- no session --------------------------------------------------------------------

    async def login(self, request: web.Request) -> web.StreamResponse:
        """``POST /icws/connection``: create a session (201) or say why not."""
        state = self.state
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
        user_id = _required_string(body, "userID")
        password = body.get("password")
        _required_string(body, "applicationName")
        if not isinstance(password, str):
            raise bad_request("The property 'password' is required.")
        if not state.check_credentials(user_id, password):
            raise IcwsError(
                400,
                "The authentication process failed.",
                protocol.AUTH_FAILURE_ID,
                protocol.AUTH_FAILURE_CODE,
            )
        language = accept_language.split(",")[0].split(";")[0].strip().lower()
        session = state.create_session(user_id, language)
        include = {
            part.strip().lower() for part in request.query.get("include", "").split(",")
        }
        answer: dict[str, Any] = {
            "csrfToken": session.csrf_token,
            "sessionId": session.session_id,
            "alternateHostList": list(state.alternate_hosts),
            "userID": user_id,
            "userDisplayName": state.display_name(user_id),
            "icServer": state.server_name,
        }
        if "features" in include:
            answer["features"] = protocol.features(
                state.connection_version,
                state.messaging_version,
                status=state.status.version,
            )
        if "version" in include:
            answer["version"] = protocol.server_version()
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
        state = self.state
        features = protocol.features(
            state.connection_version,
            state.messaging_version,
            status=state.status.version,
        )
        return json_response({"featureInfoList": features})

    async def version(self, _request: web.Request) -> web.StreamResponse:
        """``GET /icws/connection/version``."""
        return json_response(protocol.server_version())

    # ---- session checks ----------------------------------------------------------------

    def authorize(self, request: web.Request, *, csrf: bool = True) -> SimSession:
        """Return the request's session, or raise the documented 401.

        Every session call needs the session cookie and (but for reading messages) the
        CSRF token [doc].
        """
        session = self.state.find_session(request.match_info["session_id"])
        if session is None:
            raise unauthorized()
        if request_cookie(request, session.cookie_name) != session.cookie_value:
            raise unauthorized()
        if csrf and request.headers.get(protocol.CSRF_HEADER) != session.csrf_token:
            raise unauthorized()
        return session

    # ---- connection --------------------------------------------------------------------

    async def connection_state(self, request: web.Request) -> web.StreamResponse:
        """``GET /icws/{id}/connection``: the session is up."""
        self.authorize(request)
        return json_response(
            {
                "connectionState": protocol.CONNECTION_UP,
                "reason": "",
                "shouldReconnect": True,
            }
        )

    async def logout(self, request: web.Request) -> web.StreamResponse:
        """``DELETE /icws/{id}/connection``: end the session (and its station connection)."""
        self.state.forget(self.authorize(request))
        return web.Response(status=204)

    async def heartbeat(self, request: web.Request) -> web.StreamResponse:
        """``POST /icws/{id}/messaging/heartbeat``.

        [guess] The call exists [doc]; its status is not recorded: 204, like other calls with
        nothing to say.
        """
        self.authorize(request)
        return web.Response(status=204)

    # ---- messages ----------------------------------------------------------------------

    async def messages(self, request: web.Request) -> web.StreamResponse:
        """``GET /icws/{id}/messaging/messages``: an event stream or one short poll.

        [guess] A server without messaging 2 answers a stream request with a poll answer.
        """
        session = self.authorize(request, csrf=False)
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
        response = EventSourceResponse(
            ping_interval=state.sse_ping_interval, sep=state.sse_separator
        )
        await response.prepare(request)
        stream = EventStream(session, request, response, state.sse_separator)
        state.open_stream(stream)
        try:
            await stream.run(
                retry_ms=state.sse_retry_ms,
                chunk_size=lambda: state.sse_chunk_size,
                on_session_end=state.forget,
            )
        finally:
            state.close_stream(stream)
            response.stop_streaming()
            await response.wait()
        return response

    # ---- station subscription ----------------------------------------------------------

    async def subscribe(self, request: web.Request) -> web.StreamResponse:
        """``PUT .../subscriptions/connection/station``: 200, then the initial message.

        [guess] No body: the docs list none for the 200.
        """
        self.state.subscribe(self.authorize(request))
        return web.Response(status=200)

    async def unsubscribe(self, request: web.Request) -> web.StreamResponse:
        """``DELETE .../subscriptions/connection/station``: 204 [seed]."""
        self.state.unsubscribe(self.authorize(request))
        return web.Response(status=204)

    # ---- station connection ------------------------------------------------------------

    async def put_station(self, request: web.Request) -> web.StreamResponse:
        """``PUT /icws/{id}/connection/station``: log the session on to a station (200)."""
        session = self.authorize(request)
        body = await read_json_object(request)
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

    async def get_station(self, request: web.Request) -> web.StreamResponse:
        """``GET /icws/{id}/connection/station``: 200 with the station's fields.

        [guess] With no station connection: the same 400 as an unknown station.
        """
        session = self.authorize(request)
        if session.station is None:
            raise station_not_found()
        return json_response(
            station_info(session.station, self.state.connection_version)
        )

    async def delete_station(self, request: web.Request) -> web.StreamResponse:
        """``DELETE /icws/{id}/connection/station``: 200, station disconnected [doc].

        [guess] Also 200 when there was no station connection.
        """
        self.state.connect_station(self.authorize(request), None)
        return web.Response(status=200)


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


def _icws_middleware(state: SimulatorState) -> Middleware:
    @web.middleware
    async def delay(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_icws_path(request.path):
            return await handler(request)
        state.request_started()
        try:
            if state.response_delay > 0:
                # Ends early when the server stops, so stopping never waits on a delay.
                try:
                    async with asyncio.timeout(state.response_delay):
                        await state.stopping.wait()
                except TimeoutError:
                    pass
            return await handler(request)
        finally:
            state.request_finished()

    return delay


def build_app(state: SimulatorState) -> web.Application:
    """Build the aiohttp application of the simulator: ICWS routes and control routes."""
    app = web.Application(middlewares=[_icws_middleware(state), _error_middleware])

    async def record(request: web.Request, response: web.StreamResponse) -> None:
        if is_icws_path(request.path):
            state.record_request(request.method, request.path, response.status)

    app.on_response_prepare.append(record)
    api = IcwsApi(state)
    api.add_routes(app)
    StatusApi(state.status, api.authorize).add_routes(app, PREFIXES)
    ControlApi(state).add_routes(app)
    StatusControlApi(state.status).add_routes(app)
    return app
