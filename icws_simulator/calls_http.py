"""HTTP routes of the calls: the ICWS queue watch and the ``/_simulator/`` call controls.

The ICWS side is ``PUT``/``DELETE /icws/{sessionId}/messaging/subscriptions/queues/{id}``
(``docs/icws-protocol.md`` §10); the control side mirrors :class:`~.calls.CallCenter` for
the demo and the system tests, which run the simulator as a process.
"""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .calls import CALL, SimInteraction, wire_time
from .control import ControlApi
from .protocol import bad_request, read_json_object
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState


def _queue_ids(body: dict[str, Any]) -> list[tuple[int, str]]:
    """Read ``queueIds``: a list of ``{"queueType": int, "queueName": str}`` [doc]."""
    queue_ids = body.get("queueIds")
    if not isinstance(queue_ids, list) or not queue_ids:
        raise bad_request("The property 'queueIds' is required.")
    queues: list[tuple[int, str]] = []
    for item in queue_ids:
        if not isinstance(item, dict):
            raise bad_request("Each queueId must be an object.")
        queue_type, name = item.get("queueType"), item.get("queueName")
        if isinstance(queue_type, bool) or not isinstance(queue_type, int):
            raise bad_request("The property 'queueType' is required.")
        if not isinstance(name, str) or not name:
            raise bad_request("The property 'queueName' is required.")
        queues.append((queue_type, name))
    return queues


def _attribute_names(body: dict[str, Any]) -> list[str]:
    """Read ``attributeNames`` (a list of strings; missing: none) [guess]."""
    names = body.get("attributeNames", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise bad_request("The property 'attributeNames' must be a list of strings.")
    return names


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


def _seconds(value: object, key: str) -> float | None:
    """Read a delay: a number of seconds, or null for "until told"."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a number of seconds or null")
    return float(value)


def describe(interaction: SimInteraction) -> dict[str, Any]:
    """Describe an interaction for the control interface (a test's view, names included)."""
    return {
        "interactionId": interaction.interaction_id,
        "userId": interaction.user_id,
        "objectType": interaction.object_type,
        "direction": interaction.direction,
        "state": interaction.state,
        "remoteName": interaction.remote_name,
        "remoteNumber": interaction.remote_number,
        "initiationTime": wire_time(interaction.initiation_time),
        "answered": interaction.answered,
        "muted": interaction.muted,
        "workgroup": interaction.workgroup,
        "digits": interaction.digits,
    }


class CallsApi:
    """The queue watch (ICWS) and the call controls; the watch is 404 while ``queues`` is 0."""

    def __init__(self, state: SimulatorState) -> None:
        """Bind the routes to the state's call center."""
        self._state = state
        self._calls = state.calls

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register the ICWS routes and the control routes."""
        path = "/messaging/subscriptions/queues/{subscription_id}"
        icws.add_session("PUT", path, self.subscribe)
        icws.add_session("DELETE", path, self.unsubscribe)
        control.add("/interactions", self.list_interactions, method="GET")
        for route, handler in (
            ("/calls/ring", self.ring),
            ("/calls/place", self.place_call),
            ("/chats", self.start_chat),
            ("/emails", self.start_email),
            ("/calls/settings", self.settings),
            ("/interactions/{interaction_id}/{action}", self.act),
        ):
            control.add(route, handler)

    # ---- ICWS --------------------------------------------------------------------------

    def _check_feature(self) -> None:
        # [guess] A server without the feature does not know the route.
        if self._state.queues_version < 1:
            raise web.HTTPNotFound

    async def subscribe(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/queues/{id}``: 200, then the ``isDelta: false`` message."""
        self._check_feature()
        body = await read_json_object(request)
        queues = _queue_ids(body)
        names = _attribute_names(body)
        try:
            self._calls.subscribe(
                session, request.match_info["subscription_id"], queues, names
            )
        except ValueError as error:
            raise bad_request(str(error)) from None
        return web.Response(status=200)

    async def unsubscribe(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``DELETE .../subscriptions/queues/{id}``: 204 [guess, as for the station]."""
        self._check_feature()
        self._calls.unsubscribe(session, request.match_info["subscription_id"])
        return web.Response(status=204)

    # ---- control -----------------------------------------------------------------------

    def _user(self, body: dict[str, Any]) -> str:
        users = self._state.user_ids
        return _text(body, "user_id", users[0] if users else "")

    def _created(self, interaction_id: str) -> dict[str, Any]:
        return describe(self._calls.interactions[interaction_id])

    async def list_interactions(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``GET /_simulator/interactions``: every interaction on any queue."""
        return {
            "interactions": [describe(i) for i in self._calls.interactions.values()]
        }

    async def ring(self, _request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_simulator/calls/ring`` with name, number (optional object_type, state)."""
        return self._created(
            self._calls.ring(
                self._user(body),
                _text(body, "name", ""),
                _text(body, "number", ""),
                object_type=_text(body, "object_type", CALL),
                state=_text(body, "state", "A"),
            )
        )

    async def place_call(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/calls/place`` with number (optional name)."""
        return self._created(
            self._calls.place_call(
                self._user(body), _text(body, "number"), _text(body, "name", "")
            )
        )

    async def start_chat(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/chats`` with name and address."""
        return self._created(
            self._calls.start_chat(
                self._user(body), _text(body, "name", ""), _text(body, "address", "")
            )
        )

    async def start_email(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/emails`` with name and address."""
        return self._created(
            self._calls.start_email(
                self._user(body), _text(body, "name", ""), _text(body, "address", "")
            )
        )

    async def act(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_simulator/interactions/{id}/{action}``.

        Actions: answer, proceed, hold, resume, remove, disconnect (``by``: remote or
        local) and state (``state``: any letter, for tests).
        """
        interaction_id = request.match_info["interaction_id"]
        calls = self._calls
        if interaction_id not in calls.interactions:
            raise KeyError(interaction_id)
        simple: dict[str, Callable[[str], None]] = {
            "answer": calls.answer,
            "proceed": calls.proceed,
            "hold": calls.hold,
            "resume": calls.resume,
            "remove": calls.remove,
        }
        action = request.match_info["action"]
        if action in simple:
            simple[action](interaction_id)
        elif action == "disconnect":
            by = _text(body, "by", "remote")
            if by not in {"remote", "local"}:
                raise ValueError("by must be 'remote' or 'local'")
            calls.disconnect(interaction_id, by="remote" if by == "remote" else "local")
        elif action == "state":
            calls.set_state(interaction_id, _text(body, "state"))
        else:
            raise KeyError(action)
        interaction = calls.interactions.get(interaction_id)
        return {"interaction": None if interaction is None else describe(interaction)}

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/calls/settings``.

        queue_result_limit, removal_delay, proceed_delay, refuse_stationless.
        """
        calls = self._calls
        if "queue_result_limit" in body:
            limit = body["queue_result_limit"]
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError("queue_result_limit must be a whole number")
            calls.queue_result_limit = limit
        if "removal_delay" in body:
            calls.removal_delay = _seconds(body["removal_delay"], "removal_delay")
        if "proceed_delay" in body:
            calls.proceed_delay = _seconds(body["proceed_delay"], "proceed_delay")
        if "refuse_stationless" in body:
            refuse = body["refuse_stationless"]
            if not isinstance(refuse, bool):
                raise TypeError("refuse_stationless must be true or false")
            calls.refuse_stationless = refuse
        return {
            "queueResultLimit": calls.queue_result_limit,
            "removalDelay": calls.removal_delay,
            "proceedDelay": calls.proceed_delay,
            "refuseStationless": calls.refuse_stationless,
        }
