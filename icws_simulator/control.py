"""The HTTP control interface under ``/_simulator/``.

The demo and system tests run the simulator as a separate process; these routes mirror the
Python control API for them. Bodies are JSON with snake_case keys; answers never hold
secrets (passwords, CSRF tokens, cookies, SIP passwords).
"""

from collections.abc import Awaitable, Callable
import json
from types import UnionType
from typing import Any, Final

from aiohttp import web

from .calls_routes import CallControlApi
from .state import DEFAULT_END_REASON, SimulatorState
from .stations import coerce_changes

PREFIX: Final = "/_simulator"

type _ControlHandler = Callable[
    [web.Request, dict[str, Any]], Awaitable[dict[str, Any]]
]


def _fail(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _optional(
    body: dict[str, Any],
    key: str,
    kind: type | UnionType,
    default: Any,
    *,
    nullable: bool = False,
) -> Any:
    """Return ``body[key]`` checked against ``kind`` (None allowed if ``nullable``)."""
    value = body.get(key, default)
    if value is default or (value is None and nullable):
        return value
    if not isinstance(value, kind) or (
        isinstance(value, bool) and kind in {int, int | float}
    ):
        raise ValueError(f"{key} has the wrong type")
    return value


class ControlApi:
    """Handlers of the control routes, bound to one simulator state."""

    def __init__(self, state: SimulatorState) -> None:
        """Keep the state the routes act on."""
        self.state = state

    def add_routes(self, app: web.Application) -> None:
        """Register the control routes."""
        app.router.add_get(f"{PREFIX}/state", self.get_state)
        for path, handler in (
            ("/stations/{station_id}", self.update_station),
            ("/station/remove", self.remove_station),
            ("/sessions/end", self.end_session),
            ("/logins/refuse", self.refuse_logins),
            ("/logins/accept", self.accept_logins),
            ("/users/{user_id}/password", self.set_password),
            ("/messages", self.inject),
            ("/sse/drop", self.drop_sse),
            ("/settings", self.settings),
        ):
            app.router.add_post(f"{PREFIX}{path}", self._wrap(handler))
        state = self.state
        CallControlApi(state.calls, lambda: state.user_ids).add_routes(
            app, PREFIX, self._wrap
        )

    def _wrap(
        self, handler: _ControlHandler
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Parse the JSON body, run the handler, and map errors to 400/404."""

        async def run(request: web.Request) -> web.Response:
            text = await request.text()
            try:
                body = json.loads(text) if text.strip() else {}
            except ValueError:
                return _fail(400, "The body is not valid JSON.")
            if not isinstance(body, dict):
                return _fail(400, "The body must be a JSON object.")
            try:
                answer = await handler(request, body)
            except KeyError as error:
                return _fail(404, f"Not found: {error.args[0]}")
            except (ValueError, TypeError) as error:
                return _fail(400, str(error))
            return web.json_response(answer)

        return run

    def snapshot(self) -> dict[str, Any]:
        """Describe the simulator's state, without secrets."""
        state = self.state
        return {
            "sessionCount": len(state.sessions),
            "sessions": [
                {
                    "sessionId": session.session_id,
                    "userId": session.user_id,
                    "stationId": None
                    if session.station is None
                    else session.station.id,
                    "stationSetting": (
                        0
                        if session.station is None
                        else session.station.station_setting
                    ),
                    "subscribed": session.subscribed,
                    "pending": session.pending,
                    "ending": session.ending,
                }
                for session in state.sessions.values()
            ],
            "openStreams": state.open_streams,
            "loginAttempts": state.login_attempts,
            "refusingLogins": state.refusal is not None,
            "users": list(state.user_ids),
            "stations": [
                {"id": station.id, "extension": station.extension}
                for station in state.stations.values()
            ],
            "messagingVersion": state.messaging_version,
            "connectionVersion": state.connection_version,
            "responseDelay": state.response_delay,
        }

    async def get_state(self, _request: web.Request) -> web.Response:
        """``GET /_simulator/state``."""
        return web.json_response(self.snapshot())

    async def update_station(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/stations/{id}`` with the changed fields."""
        station_id = request.match_info["station_id"]
        if station_id not in self.state.stations:
            raise KeyError(station_id)
        self.state.update_station(station_id, **coerce_changes(body))
        return self.snapshot()

    async def remove_station(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/station/remove`` (optional ``session_id``)."""
        self.state.remove_station(_optional(body, "session_id", str, None))
        return self.snapshot()

    async def end_session(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/sessions/end`` (optional session_id, notify, reason, ...)."""
        self.state.end_session(
            _optional(body, "session_id", str, None),
            notify=_optional(body, "notify", bool, True),
            reason=_optional(body, "reason", str, DEFAULT_END_REASON),
            should_reconnect=_optional(body, "should_reconnect", bool, True),
            states_as_strings=_optional(body, "states_as_strings", bool, False),
        )
        return self.snapshot()

    async def refuse_logins(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/logins/refuse`` (optional alternates, error_id, message)."""
        alternates = _optional(body, "alternates", list, [])
        if not all(isinstance(host, str) for host in alternates):
            raise ValueError("alternates must be a list of strings")
        kwargs: dict[str, str] = {}
        for key in ("error_id", "message"):
            if key in body:
                kwargs[key] = _optional(body, key, str, None)
        self.state.refuse_logins(alternates, **kwargs)
        return self.snapshot()

    async def accept_logins(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/logins/accept``."""
        self.state.accept_logins()
        return self.snapshot()

    async def set_password(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/users/{user_id}/password`` with ``password``."""
        password = body.get("password")
        if not isinstance(password, str):
            raise TypeError("password must be a string")
        self.state.set_password(request.match_info["user_id"], password)
        return self.snapshot()

    async def inject(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/messages`` with ``raw`` (text) or ``message`` (object)."""
        if isinstance(body.get("raw"), str):
            self.state.inject_raw(body["raw"])
        elif isinstance(body.get("message"), dict):
            self.state.inject_message(body["message"])
        else:
            raise TypeError("give raw (a string) or message (an object)")
        return self.snapshot()

    async def drop_sse(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/sse/drop``: cut the next event of every open stream."""
        self.state.drop_sse_mid_event()
        return self.snapshot()

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/settings``: response_delay, sse_chunk_size, flat_messages."""
        state = self.state
        delay = _optional(body, "response_delay", int | float, state.response_delay)
        chunk = _optional(
            body, "sse_chunk_size", int, state.sse_chunk_size, nullable=True
        )
        flat = _optional(body, "flat_messages", bool, state.flat_messages)
        state.response_delay = float(delay)
        state.sse_chunk_size = chunk
        state.flat_messages = flat
        return self.snapshot()
