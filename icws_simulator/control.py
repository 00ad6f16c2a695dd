"""The HTTP control interface under ``/_simulator/``.

The demo and system tests run the simulator as a separate process; these routes mirror the
Python control API for them: the ones below act on the server itself and on its
``sessions``, ``stations`` and ``traffic``. Bodies are JSON with snake_case keys; answers never hold
secrets (passwords, CSRF tokens, cookies, SIP passwords). Unless said otherwise a POST
answers with the state below.

``GET  /_simulator/state``                      sessions, streams, outage, station PUTs, ...
``GET  /_simulator/users/{user}/sessions``      ``{"userId", "liveSessions", "sessionIds"}``
``POST /_simulator/outage``                     ``mode``: refuse, cut, drop_streams or null
``POST /_simulator/sessions/end``               session_id, user, notify, reason,
                                                should_reconnect, states_as_strings
``POST /_simulator/users/{user}/station/take``  ``reason``: another logon takes the station
``POST /_simulator/station/remove``             session_id (default: every session)
``POST /_simulator/stations/{station_id}``      the station fields to change
``POST /_simulator/logins/refuse``              alternates, error_id, message (503)
``POST /_simulator/logins/accept``
``POST /_simulator/users/{user}/password``      password
``POST /_simulator/messages``                   raw (text) or message (object)
``POST /_simulator/sse/drop``                   cut the next event of every stream
``POST /_simulator/sse/close``                  end every stream cleanly; sessions live on
``POST /_simulator/settings``                   response_delay, sse_chunk_size,
                                                flat_messages, session_idle_timeout,
                                                station_switch (replace, disconnect_first)

Each part of the API listed in ``app.APIS`` adds its own control routes with
:meth:`ControlApi.add` and its part of the state with :meth:`ControlApi.add_snapshot`: the
calls in :mod:`.calls_http`, the statuses in :mod:`.status_http`, the voicemail in
:mod:`.voicemail_http` (``POST /_simulator/voicemail/users/{user}`` with ``count``, ``POST
/_simulator/voicemail/settings`` with ``offered``, ``state`` and ``error``), the user list
and its rights in :mod:`.directory_http`, workgroups and activations in
:mod:`.workgroups_http` under ``/_simulator/workgroups`` and ``/_simulator/activations``,
the queues' statistics in :mod:`.statistics_http` under ``/_simulator/statistics``.
``python -m icws_simulator --help`` and the README list
every route; a test keeps both lists complete.
"""

from collections.abc import Awaitable, Callable
import json
from types import UnionType
from typing import Any, Final

from aiohttp import web

from .session_table import DEFAULT_END_REASON
from .state import OUTAGES, SimulatorState
from .station_data import coerce_changes
from .stations import DEFAULT_TAKE_REASON, STATION_SWITCHES

PREFIX: Final = "/_simulator"

type ControlHandler = Callable[[web.Request, dict[str, Any]], Awaitable[dict[str, Any]]]


def _fail(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def optional(
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
        self._routes: list[tuple[str, str, ControlHandler]] = []
        self._snapshots: list[Callable[[], dict[str, Any]]] = []
        for path, handler in (
            ("/stations/{station_id}", self.update_station),
            ("/station/remove", self.remove_station),
            ("/sessions/end", self.end_session),
            ("/logins/refuse", self.refuse_logins),
            ("/logins/accept", self.accept_logins),
            ("/users/{user_id}/password", self.set_password),
            ("/users/{user_id}/station/take", self.take_station),
            ("/messages", self.inject),
            ("/sse/drop", self.drop_sse),
            ("/sse/close", self.close_sse),
            ("/outage", self.outage),
            ("/settings", self.settings),
        ):
            self.add(path, handler)
        self.add("/users/{user_id}/sessions", self.user_sessions, method="GET")

    def add(self, path: str, handler: ControlHandler, *, method: str = "POST") -> None:
        """Add a control route: ``path`` follows ``/_simulator``; the body is JSON.

        The handler gets the request and the body (``{}`` if none) and returns the answer;
        KeyError answers 404, ValueError and TypeError 400.
        """
        self._routes.append((method, path, handler))

    def add_snapshot(self, part: Callable[[], dict[str, Any]]) -> None:
        """Merge ``part()`` into every description of the state."""
        self._snapshots.append(part)

    def add_routes(self, app: web.Application) -> None:
        """Register the control routes on ``app``."""
        app.router.add_get(f"{PREFIX}/state", self.get_state)
        for method, path, handler in self._routes:
            app.router.add_route(method, f"{PREFIX}{path}", self._wrap(handler))

    def _wrap(
        self, handler: ControlHandler
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
        snapshot: dict[str, Any] = {
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
                    "subscriptions": sorted(session.subscriptions),
                    "pending": session.pending,
                    "ending": session.ending,
                }
                for session in state.sessions.values()
            ],
            "openStreams": state.sessions.open_streams,
            "outage": state.outage,
            "stationRequests": state.traffic.station_requests,
            "loginAttempts": state.traffic.login_attempts,
            "refusingLogins": state.refusal is not None,
            "users": list(state.user_ids),
            "stations": [
                {"id": station.id, "extension": station.extension}
                for station in state.stations.values()
            ],
            "messagingVersion": state.messaging_version,
            "connectionVersion": state.connection_version,
            "responseDelay": state.traffic.response_delay,
            "sessionIdleTimeout": state.sessions.idle_timeout,
            "stationSwitch": state.stations.switch,
        }
        for part in self._snapshots:
            snapshot |= part()
        return snapshot

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
        self.state.stations.change(station_id, **coerce_changes(body))
        return self.snapshot()

    async def remove_station(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/station/remove`` (optional ``session_id``)."""
        self.state.stations.remove(optional(body, "session_id", str, None))
        return self.snapshot()

    async def end_session(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/sessions/end`` (optional session_id, user, notify, ...)."""
        self.state.sessions.end(
            optional(body, "session_id", str, None),
            user=optional(body, "user", str, None),
            notify=optional(body, "notify", bool, True),
            reason=optional(body, "reason", str, DEFAULT_END_REASON),
            should_reconnect=optional(body, "should_reconnect", bool, True),
            states_as_strings=optional(body, "states_as_strings", bool, False),
        )
        return self.snapshot()

    async def take_station(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/users/{user}/station/take`` (optional ``reason``)."""
        self.state.stations.take(
            request.match_info["user_id"],
            reason=optional(body, "reason", str, DEFAULT_TAKE_REASON),
        )
        return self.snapshot()

    async def user_sessions(
        self, request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``GET /_simulator/users/{user}/sessions``: the sessions the server holds."""
        user_id = request.match_info["user_id"]
        if user_id not in self.state.user_ids:
            raise KeyError(user_id)
        return {
            "userId": user_id,
            "liveSessions": self.state.sessions.count_of(user_id),
            "sessionIds": self.state.sessions.ids_of(user_id),
        }

    async def outage(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/outage`` with ``mode`` (refuse, cut, drop_streams, null)."""
        if "mode" not in body:
            raise ValueError(f"mode is required: one of {', '.join(OUTAGES)} or null")
        mode = optional(body, "mode", str, None, nullable=True)
        self.state.set_outage(mode)
        return self.snapshot()

    async def refuse_logins(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/logins/refuse`` (optional alternates, error_id, message)."""
        alternates = optional(body, "alternates", list, [])
        if not all(isinstance(host, str) for host in alternates):
            raise ValueError("alternates must be a list of strings")
        kwargs: dict[str, str] = {}
        for key in ("error_id", "message"):
            if key in body:
                kwargs[key] = optional(body, key, str, None)
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
            self.state.sessions.inject_raw(body["raw"])
        elif isinstance(body.get("message"), dict):
            self.state.sessions.inject_message(body["message"])
        else:
            raise TypeError("give raw (a string) or message (an object)")
        return self.snapshot()

    async def drop_sse(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/sse/drop``: cut the next event of every open stream."""
        self.state.sessions.drop_sse_mid_event()
        return self.snapshot()

    async def close_sse(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/sse/close``: end every open stream cleanly."""
        self.state.sessions.close_streams()
        return self.snapshot()

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/settings``: delay, chunks, shapes, idle timeout, switching."""
        state = self.state
        delay = optional(
            body, "response_delay", int | float, state.traffic.response_delay
        )
        chunk = optional(
            body, "sse_chunk_size", int, state.sse_chunk_size, nullable=True
        )
        flat = optional(body, "flat_messages", bool, state.stations.flat_messages)
        idle = optional(
            body,
            "session_idle_timeout",
            int | float,
            state.sessions.idle_timeout,
            nullable=True,
        )
        switch = optional(body, "station_switch", str, state.stations.switch)
        if switch not in STATION_SWITCHES:
            raise ValueError(f"station_switch must be one of {STATION_SWITCHES}")
        state.sessions.idle_timeout = None if idle is None else float(idle)
        state.traffic.response_delay = float(delay)
        state.sse_chunk_size = chunk
        state.stations.flat_messages = flat
        state.stations.switch = switch
        return self.snapshot()
