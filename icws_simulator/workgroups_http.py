"""The workgroup activation routes: ICWS calls of docs/icws-protocol.md §16 and their controls.

Each ICWS handler checks the request, then acts on :class:`WorkgroupState`. The control
routes under ``/_simulator/workgroups`` let the demo and the system tests change workgroups
and activations as an administrator or a supervisor would.
"""

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from . import protocol
from .control import ControlApi
from .protocol import (
    NOT_ALLOWED_ID,
    IcwsError,
    SessionHandler,
    bad_request,
    json_response,
    read_json_object,
)
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState
from .workgroups import ActivationRefusedError, WorkgroupState

# [guess] The docs give only the status codes of these refusals.
UNKNOWN_WORKGROUP_ID: Final = "error.request.activations.unknownWorkgroup"
UNKNOWN_USER_ID: Final = "error.request.activations.unknownUser"


def _filter(request: web.Request) -> frozenset[str] | None:
    """Read ``?filter=WG1,WG2`` [doc] (absent: every workgroup)."""
    text = request.query.get("filter")
    if text is None:
        return None
    return frozenset(
        name.strip().casefold() for name in text.split(",") if name.strip()
    )


def _activations(body: Mapping[str, Any]) -> dict[str, bool]:
    value = body.get("activations")
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(on, bool) for name, on in value.items()
    ):
        raise bad_request("The property 'activations' must map workgroups to booleans.")
    return value


class WorkgroupsApi:
    """The activation routes (404 while the feature is off) and the workgroup controls."""

    def __init__(self, state: SimulatorState) -> None:
        """Act on the state's :class:`WorkgroupState`."""
        self.workgroups = state.workgroups

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register the ICWS routes and the control routes."""
        watch = "/messaging/subscriptions/activations/users/{subscription_id}"
        for method, path, handler in (
            ("GET", "/activations/users", self.get_many),
            ("GET", "/activations/users/{user_id}", self.get),
            ("PUT", "/activations/users/{user_id}", self.put),
            ("PUT", watch, self.watch),
            ("DELETE", watch, self.unwatch),
        ):
            icws.add_session(method, path, self._gated(handler))
        WorkgroupsControl(self.workgroups).add_routes(control)

    def _gated(self, handler: SessionHandler) -> SessionHandler:
        """Answer 404 while the server has no activations feature [guess]."""

        async def run(request: web.Request, session: SimSession) -> web.StreamResponse:
            if self.workgroups.version < 1:
                raise IcwsError(404, "Not Found", protocol.NOT_FOUND_ID)
            return await handler(request, session)

        return run

    def _known(self, user_id: str, status: int) -> str:
        if not self.workgroups.knows_user(user_id):
            raise IcwsError(status, "The user could not be found.", UNKNOWN_USER_ID)
        return user_id

    async def get(
        self, request: web.Request, _session: SimSession
    ) -> web.StreamResponse:
        """``GET .../activations/users/{userId}``: the user's set (404: unknown user)."""
        user_id = self._known(request.match_info["user_id"], 404)
        return json_response(self.workgroups.activation_set(user_id, _filter(request)))

    async def get_many(
        self, request: web.Request, _session: SimSession
    ) -> web.StreamResponse:
        """``GET .../activations/users?select=u1,u2``: known users' sets [doc]."""
        select = request.query.get("select")
        if not select:
            raise bad_request("The query parameter 'select' is required.")
        workgroups = _filter(request)
        return json_response(
            {
                "userActivationSetList": [
                    self.workgroups.activation_set(user, workgroups)
                    for user in (name.strip() for name in select.split(","))
                    if user and self.workgroups.knows_user(user)
                ]
            }
        )

    async def put(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../activations/users/{userId}``: 200 with the full new set [guess].

        400 for a malformed body, an unknown user or a workgroup the user is not in; 403
        for another user's activations or a user without the right [guess].
        """
        user_id = self._known(request.match_info["user_id"], 400)
        changes = _activations(await read_json_object(request))
        try:
            answer = self.workgroups.request_activations(session, user_id, changes)
        except ActivationRefusedError:
            raise IcwsError(
                403, "The user may not change these activations.", NOT_ALLOWED_ID
            ) from None
        except KeyError as error:
            raise IcwsError(
                400,
                f"The user is not a member of the workgroup {error.args[0]}.",
                UNKNOWN_WORKGROUP_ID,
            ) from None
        if not self.workgroups.answer_with_set:
            return web.Response(status=204)
        return json_response(answer)

    async def watch(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/activations/users/{id}``: 200, then the full set."""
        body = await read_json_object(request)
        user_id = body.get("userId")
        workgroup_ids = body.get("workgroupIds")
        if not isinstance(user_id, str) or not user_id:
            raise bad_request("The property 'userId' is required.")
        if not isinstance(workgroup_ids, list) or not all(
            isinstance(name, str) for name in workgroup_ids
        ):
            raise bad_request("The property 'workgroupIds' must be a list of strings.")
        self._known(user_id, 400)
        self.workgroups.watch(
            session, request.match_info["subscription_id"], user_id, workgroup_ids
        )
        return web.Response(status=200)

    async def unwatch(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``DELETE .../subscriptions/activations/users/{id}``: 204 [guess]."""
        self.workgroups.unwatch(session, request.match_info["subscription_id"])
        return web.Response(status=204)


def _bool(body: Mapping[str, Any], key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise TypeError(f"{key} must be true or false")
    return value


def _members(value: object) -> dict[str, bool] | None:
    """Read ``members``: user ids (not activated) or an object of user id -> activated."""
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(user, str) for user in value):
        return dict.fromkeys(value, False)
    if isinstance(value, dict) and all(
        isinstance(user, str) and isinstance(on, bool) for user, on in value.items()
    ):
        return dict(value)
    raise TypeError("members must be a list of user ids or an object of booleans")


class WorkgroupsControl:
    """``/_simulator/workgroups`` and ``/_simulator/activations`` routes."""

    def __init__(self, workgroups: WorkgroupState) -> None:
        """Keep the state the routes act on."""
        self.workgroups = workgroups

    def add_routes(self, control: ControlApi) -> None:
        """Register the control routes; ``GET /_simulator/state`` counts workgroups too."""
        control.add("/workgroups", self.get_state, method="GET")
        for path, handler in (
            ("/workgroups/{workgroup}", self.put_workgroup),
            ("/workgroups/{workgroup}/remove", self.remove_workgroup),
            ("/workgroups/{workgroup}/members/{user_id}", self.set_member),
            ("/workgroups/{workgroup}/members/{user_id}/remove", self.remove_member),
            ("/activations/settings", self.settings),
        ):
            control.add(path, handler)
        control.add_snapshot(lambda: {"workgroups": sorted(self.workgroups.workgroups)})

    async def get_state(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``GET /_simulator/workgroups``: workgroups, members and their activations."""
        return self.workgroups.snapshot()

    async def put_workgroup(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/workgroups/{name}``: create it, or replace its members.

        ``members``: user ids (not activated), or an object of user id -> activated;
        default every user, not activated. ``description``: the query shows it.
        """
        members = _members(body.get("members"))
        for user in members or {}:
            if not self.workgroups.knows_user(user):
                raise KeyError(user)
        description = body.get("description", "")
        if not isinstance(description, str):
            raise TypeError("description must be a string")
        self.workgroups.add_workgroup(
            request.match_info["workgroup"], members, description
        )
        return self.workgroups.snapshot()

    async def remove_workgroup(
        self, request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/workgroups/{name}/remove``."""
        self.workgroups.remove_workgroup(request.match_info["workgroup"])
        return self.workgroups.snapshot()

    async def set_member(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/workgroups/{name}/members/{user}`` with ``activated``*."""
        self.workgroups.set_member(
            request.match_info["workgroup"],
            request.match_info["user_id"],
            _bool(body, "activated"),
        )
        return self.workgroups.snapshot()

    async def remove_member(
        self, request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/workgroups/{name}/members/{user}/remove``."""
        self.workgroups.remove_member(
            request.match_info["workgroup"], request.match_info["user_id"]
        )
        return self.workgroups.snapshot()

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/activations/settings``: version, refused_users (replaces)."""
        if "version" in body:
            version = body["version"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise TypeError("version must be a whole number")
            self.workgroups.version = version
        if "refused_users" in body:
            users = body["refused_users"]
            if not isinstance(users, list) or not all(
                isinstance(u, str) for u in users
            ):
                raise TypeError("refused_users must be a list of user ids")
            for user in self.workgroups.refused_users - {u.casefold() for u in users}:
                self.workgroups.refuse(user, refused=False)
            for user in users:
                self.workgroups.refuse(user)
        return self.workgroups.snapshot()
