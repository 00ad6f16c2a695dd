"""The connection and messaging routes: login, features, the session, its messages.

Each handler turns one documented call (docs/icws-protocol.md §1 to §4, §14) into an operation
on :class:`SimulatorState`.
"""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from . import protocol
from .control import ControlApi
from .protocol import IcwsError, bad_request, json_response, read_json_object
from .routing import ABANDONED_KEY, IcwsRoutes
from .sessions import SimSession
from .sse import EventStream, event_stream_response
from .state import SimulatorState
from .station_data import SimulatedStation


def _station_id(station: SimulatedStation, session: SimSession) -> dict[str, str]:
    """Return a station's configuration id (§14): id, name and [guess] its URI."""
    return {
        "id": station.id,
        "displayName": station.id,
        "uri": f"/icws/{session.session_id}/configuration/stations/{station.id}",
    }


class ConnectionApi:
    """Handlers of the connection and messaging routes, bound to one state."""

    def __init__(self, state: SimulatorState) -> None:
        """Keep the state the handlers act on."""
        self.state = state

    def add_routes(self, icws: IcwsRoutes, _control: ControlApi) -> None:
        """Register the connection and messaging routes."""
        icws.add("POST", "/connection", self.login)
        icws.add("GET", "/connection/features", self.features)
        icws.add("GET", "/connection/version", self.version)
        icws.add_session("GET", "/connection", self.connection_state)
        icws.add_session("DELETE", "/connection", self.logout)
        icws.add_session("GET", "/messaging/messages", self.messages, csrf=False)
        icws.add_session("POST", "/messaging/heartbeat", self.heartbeat)

    # ---- no session --------------------------------------------------------------------

    async def login(self, request: web.Request) -> web.StreamResponse:
        """``POST /icws/connection``: create a session (201) or say why not.

        A login the server received is finished even when its client has gone (see
        ``app.py``); one still waiting when the server stops is dropped.
        """
        state = self.state
        if state.stopping.is_set():
            raise IcwsError(
                503, "The server is shutting down.", protocol.NOT_ACCEPTING_ID
            )
        state.traffic.count_login()
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
        typed = protocol.required_string(body, "userID")
        password = body.get("password")
        protocol.required_string(body, "applicationName")
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
        session = state.sessions.create(
            user_id, language, login_abandoned=bool(request.get(ABANDONED_KEY))
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
                (s.station for s in state.sessions.of(user_id) if s.station), None
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
        self.state.sessions.forget(session, logged_out=True)
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
            self.state.sessions.forget(session)
        return json_response(text=text)

    async def _stream(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        state = self.state
        response = event_stream_response()
        await response.prepare(request)
        stream = EventStream(session, request, response, state.sse_separator)
        state.sessions.open_stream(stream)
        try:
            await stream.run(
                retry_ms=state.sse_retry_ms,
                ping_interval=lambda: state.sse_ping_interval,
                chunk_size=lambda: state.sse_chunk_size,
                on_session_end=state.sessions.forget,
            )
        finally:
            state.sessions.close_stream(stream)
        return response
