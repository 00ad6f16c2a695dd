"""The simulator's aiohttp application: the parts of the API it serves, and the middlewares.

``APIS`` is the route table: each part of the API is a class in its ``*_http.py`` module,
built with the state, that registers its ICWS routes on
:class:`~icws_simulator.routing.IcwsRoutes` and its control routes on
:class:`~icws_simulator.control.ControlApi`. A new part is added here and nowhere else.
"""

import asyncio
from collections.abc import Callable
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from . import protocol
from .calls_http import CallsApi
from .connection_http import ConnectionApi
from .control import ControlApi
from .cors import add_cors_headers, answer_preflight
from .directory_http import DirectoryApi
from .interactions_http import InteractionsApi
from .outage import is_lost, outage_middleware
from .protocol import IcwsError, is_icws_path
from .routing import ABANDONED_KEY, Api, IcwsRoutes, session_check
from .state import SimulatorState
from .stations_http import StationsApi
from .statistics_http import StatisticsApi
from .status_http import StatusApi
from .voicemail_http import VoicemailApi
from .workgroups_http import WorkgroupsApi

# Logins in progress, each finished even if its client goes away; stopping waits for them.
UNANSWERED_LOGINS: Final = web.AppKey("unanswered_logins", set[asyncio.Task[Any]])

# The parts of the API this server serves.
APIS: Final[tuple[Callable[[SimulatorState], Api], ...]] = (
    ConnectionApi,
    StationsApi,
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
            await state.traffic.hold_request()
            return await handler(request)
        finally:
            state.traffic.request_finished()

    @web.middleware
    async def delay(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_icws_path(request.path):
            return await handler(request)
        state.traffic.request_started()
        if not _is_login(request):
            return await answer(request, handler)
        # In progress until this returns: the answer is then written without a pause.
        state.traffic.login_started()
        try:
            try:
                # Received whole, so that the body outlives the connection.
                await request.read()
            except BaseException:
                state.traffic.request_finished()
                raise
            login = asyncio.ensure_future(answer(request, handler))
            unanswered.add(login)
            login.add_done_callback(_finished(unanswered))
            try:
                return await asyncio.shield(login)
            except asyncio.CancelledError:
                request[ABANDONED_KEY] = True
                state.traffic.count_abandoned_login()
                raise
        finally:
            state.traffic.login_finished()

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
            session_check(state, icws),
        ]
    )

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        if not is_icws_path(request.path):
            return
        add_cors_headers(request, response)
        if not is_lost(request):
            state.traffic.record_request(request.method, request.path, response.status)

    app.on_response_prepare.append(on_prepare)
    control = ControlApi(state)
    for api in APIS:
        api(state).add_routes(icws, control)
    control.add_routes(app)
    return app
