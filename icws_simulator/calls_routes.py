"""HTTP routes of the calls: the ICWS queue watch and the ``/_simulator/`` call controls.

The ICWS side is ``PUT``/``DELETE /icws/{sessionId}/messaging/subscriptions/queues/{id}``
(``docs/icws-protocol.md`` §10); the control side mirrors :class:`~.calls.CallCenter` for
the demo and the system tests, which run the simulator as a process.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from aiohttp import web

from .calls import CALL, CallCenter, SimInteraction, wire_time
from .protocol import bad_request
from .sessions import SimSession

QUEUES_FEATURE: Final = "queues"

type Authorize = Callable[[web.Request], SimSession]
type ReadBody = Callable[[web.Request], Awaitable[dict[str, Any]]]
type ControlHandler = Callable[[web.Request, dict[str, Any]], Awaitable[dict[str, Any]]]
type Wrap = Callable[[ControlHandler], Callable[[web.Request], Awaitable[web.Response]]]


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


class QueueApi:
    """The ICWS queue-watch routes; absent (404) while the ``queues`` feature is 0."""

    def __init__(
        self,
        calls: CallCenter,
        authorize: Authorize,
        read_body: ReadBody,
        version: Callable[[], int],
    ) -> None:
        """Bind the routes to the call center and the server's session check."""
        self._calls = calls
        self._authorize = authorize
        self._read_body = read_body
        self._version = version

    def add_routes(self, app: web.Application, prefixes: Sequence[str]) -> None:
        """Register the routes under each ICWS path prefix."""
        for prefix in prefixes:
            path = (
                f"{prefix}/{{session_id}}/messaging/subscriptions/queues/"
                "{subscription_id}"
            )
            app.router.add_put(path, self.subscribe)
            app.router.add_delete(path, self.unsubscribe)

    def _check_feature(self) -> None:
        # [guess] A server without the feature does not know the route.
        if self._version() < 1:
            raise web.HTTPNotFound

    async def subscribe(self, request: web.Request) -> web.StreamResponse:
        """``PUT .../subscriptions/queues/{id}``: 200, then the ``isDelta: false`` message."""
        self._check_feature()
        session = self._authorize(request)
        body = await self._read_body(request)
        queues = _queue_ids(body)
        names = _attribute_names(body)
        try:
            self._calls.subscribe(
                session, request.match_info["subscription_id"], queues, names
            )
        except ValueError as error:
            raise bad_request(str(error)) from None
        return web.Response(status=200)

    async def unsubscribe(self, request: web.Request) -> web.StreamResponse:
        """``DELETE .../subscriptions/queues/{id}``: 204 [guess, as for the station]."""
        self._check_feature()
        session = self._authorize(request)
        self._calls.unsubscribe(session, request.match_info["subscription_id"])
        return web.Response(status=204)


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


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
    }


class CallControlApi:
    """Control routes: ring, answer, hold, resume, disconnect, dial out, chats, e-mails.

    ``user_id`` in a body defaults to the first user of the directory.
    """

    def __init__(
        self, calls: CallCenter, user_ids: Callable[[], Sequence[str]]
    ) -> None:
        """Bind the routes to the call center."""
        self._calls = calls
        self._user_ids = user_ids

    def add_routes(self, app: web.Application, prefix: str, wrap: Wrap) -> None:
        """Register the control routes; ``wrap`` parses bodies and maps errors."""
        app.router.add_get(f"{prefix}/interactions", self.list_interactions)
        for path, handler in (
            ("/calls/ring", self.ring),
            ("/calls/place", self.place_call),
            ("/chats", self.start_chat),
            ("/emails", self.start_email),
            ("/calls/settings", self.settings),
            ("/interactions/{interaction_id}/{action}", self.act),
        ):
            app.router.add_post(f"{prefix}{path}", wrap(handler))

    def _user(self, body: dict[str, Any]) -> str:
        users = self._user_ids()
        return _text(body, "user_id", users[0] if users else "")

    def _created(self, interaction_id: str) -> dict[str, Any]:
        return describe(self._calls.interactions[interaction_id])

    async def list_interactions(self, _request: web.Request) -> web.Response:
        """``GET /_simulator/interactions``: every interaction on any queue."""
        return web.json_response(
            {"interactions": [describe(i) for i in self._calls.interactions.values()]}
        )

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
        """``POST /_simulator/calls/settings``: queue_result_limit, removal_delay."""
        calls = self._calls
        if "queue_result_limit" in body:
            limit = body["queue_result_limit"]
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError("queue_result_limit must be a whole number")
            calls.queue_result_limit = limit
        if "removal_delay" in body:
            delay = body["removal_delay"]
            if delay is not None and (
                isinstance(delay, bool)
                or not isinstance(delay, int | float)
                or delay < 0
            ):
                raise ValueError("removal_delay must be a number of seconds or null")
            calls.removal_delay = None if delay is None else float(delay)
        return {
            "queueResultLimit": calls.queue_result_limit,
            "removalDelay": calls.removal_delay,
        }
