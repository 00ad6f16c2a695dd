"""The statistics routes: ICWS calls of docs/icws-protocol.md §17 and their controls.

The ICWS side is the one statistic-values subscription of a session and the
parameter-values query; the control routes under ``/_simulator/statistics`` move calls
through a workgroup's queue, set agents, and give statistics values or errors outright.
"""

from typing import Any

from aiohttp import web

from . import protocol
from .control import ControlApi
from .protocol import (
    IcwsError,
    SessionHandler,
    bad_request,
    ends_subscription,
    json_response,
    read_json_object,
)
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState
from .statistics import (
    MalformedKeysError,
    StatisticsState,
    identifiers,
    parse_keys,
    queue_fields,
)


class StatisticsApi:
    """The statistics routes (404 while the feature is off) and the queue controls."""

    def __init__(self, state: SimulatorState) -> None:
        """Act on the state's :class:`StatisticsState`."""
        self.statistics = state.statistics

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register the ICWS routes and the control routes."""
        path = "/messaging/subscriptions/statistics/statistic-values"
        for method, route, handler in (
            ("PUT", path, self.watch),
            ("DELETE", path, ends_subscription(self.statistics.unwatch)),
            (
                "POST",
                "/statistics/statistic-parameter-values/queries",
                self.query,
            ),
        ):
            icws.add_session(method, route, self._gated(handler))
        StatisticsControl(self.statistics).add_routes(control)

    def _gated(self, handler: SessionHandler) -> SessionHandler:
        """Answer 404 while the server has no statistics feature [guess]."""

        async def run(request: web.Request, session: SimSession) -> web.StreamResponse:
            if self.statistics.version < 1:
                raise IcwsError(404, "Not Found", protocol.NOT_FOUND_ID)
            return await handler(request, session)

        return run

    async def watch(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/statistics/statistic-values``: 200, then the values.

        [guess] The success code is undocumented; a PUT replaces the whole key set.
        """
        body = await read_json_object(request)
        try:
            keys = parse_keys(body.get("statisticKeys"))
        except MalformedKeysError as error:
            raise bad_request(str(error)) from None
        self.statistics.watch(session, keys)
        return web.Response(status=200)

    async def query(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``POST .../statistics/statistic-parameter-values/queries``: 200 [doc]."""
        body = await read_json_object(request)
        parameter_type = body.get("parameterTypeId")
        text_filter = body.get("filter")
        limit = body.get("maxToReturn")
        if not isinstance(parameter_type, str) or not parameter_type:
            raise bad_request("The property 'parameterTypeId' is required.")
        if text_filter is not None and not isinstance(text_filter, str):
            raise bad_request("The property 'filter' must be a string.")
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise bad_request("The property 'maxToReturn' must be a whole number.")
        try:
            answer = self.statistics.parameter_values(
                session, parameter_type, text_filter, limit
            )
        except ValueError as error:
            raise bad_request(str(error)) from None
        return json_response(answer)


class StatisticsControl:
    """``/_simulator/statistics`` routes: the workgroups' queues over HTTP."""

    def __init__(self, statistics: StatisticsState) -> None:
        """Keep the state the routes act on."""
        self.statistics = statistics

    def add_routes(self, control: ControlApi) -> None:
        """Register the control routes."""
        control.add("/statistics", self.get_state, method="GET")
        for path, handler in (
            ("/statistics/workgroups/{workgroup}", self.change),
            ("/statistics/workgroups/{workgroup}/calls/{action}", self.calls),
            ("/statistics/settings", self.settings),
        ):
            control.add(path, handler)

    async def get_state(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``GET /_simulator/statistics``: each workgroup's queue and the subscriptions."""
        return self.statistics.snapshot()

    async def change(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/statistics/workgroups/{name}``.

        ``agents_total``, ``agents_logged_in``, ``agents_activated``,
        ``agents_available``; ``values`` (identifier -> value, null: no value) and
        ``errors`` (identifier -> error code) set statistics outright; ``reset`` drops
        those first.
        """
        workgroup = request.match_info["workgroup"]
        statistics = self.statistics
        statistics.queue(workgroup)  # KeyError -> 404 before anything changes
        if body.get("reset") is True:
            statistics.reset(workgroup)
        if fields := queue_fields(body):
            statistics.change(workgroup, **fields)
        for identifier, value in identifiers(body.get("values"), "values"):
            statistics.set_value(workgroup, identifier, value)
        for identifier, code in identifiers(body.get("errors"), "errors"):
            if not isinstance(code, int) or isinstance(code, bool):
                raise TypeError("an error code must be a whole number")
            statistics.set_error(workgroup, identifier, code)
        return statistics.snapshot()

    async def calls(self, request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /_simulator/statistics/workgroups/{name}/calls/{action}`` (``count``)."""
        count = body.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise TypeError("count must be a whole number from 1")
        self.statistics.calls(
            request.match_info["workgroup"], request.match_info["action"], count
        )
        return self.statistics.snapshot()

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/statistics/settings``: version, denied_users, max_results."""
        statistics = self.statistics
        if "version" in body:
            version = body["version"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise TypeError("version must be a whole number")
            statistics.version = version
        if "max_results" in body:
            limit = body["max_results"]
            if limit is not None and (
                not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
            ):
                raise TypeError("max_results must be a whole number or null")
            statistics.max_results = limit
        if "denied_users" in body:
            users = body["denied_users"]
            if not isinstance(users, list) or not all(
                isinstance(u, str) for u in users
            ):
                raise TypeError("denied_users must be a list of user ids")
            for user in statistics.denied_users - {u.casefold() for u in users}:
                statistics.deny(user, denied=False)
            for user in users:
                statistics.deny(user)
        return statistics.snapshot()
