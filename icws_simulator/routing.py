"""Where every part of the API registers its ICWS routes, and the session check they share.

Each ``*_http.py`` module holds one part of the API (:class:`Api`): it registers its ICWS
routes on :class:`IcwsRoutes` and its control routes on
:class:`~icws_simulator.control.ControlApi`. ``app.py`` lists the parts and builds the
application; this module knows none of them.
"""

from typing import Final, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_urldispatcher import AbstractRoute

from . import protocol
from .control import ControlApi
from .protocol import SessionHandler, is_icws_path, unauthorized
from .state import SimulatorState

# The WWW-Authenticate header names "/ICWS/connection" [doc]: serve both spellings.
PREFIXES: Final = ("/icws", "/ICWS")
# Set on a login request whose client went away before its answer.
ABANDONED_KEY: Final = "icws_simulator.abandoned"
_SESSION_KEY: Final = "icws_simulator.session"
# The paths under /icws that need no session start with this segment.
_SESSIONLESS: Final = "connection"


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


def session_id_in_path(path: str) -> str | None:
    """Return the session id a /icws path names (None: a path outside any session)."""
    parts = path.split("/", 3)
    if len(parts) < 3 or parts[2].lower() == _SESSIONLESS:
        return None
    return parts[2]


class IcwsRoutes:
    """Where the ICWS routes are registered, under both path prefixes.

    Session routes (``add_session``) are answered only for a live session with the right
    cookie and CSRF token: that check runs before routing (:func:`session_check`), so an
    ended or unknown session answers 401 on any path, implemented or not. Their handlers
    get the session.
    """

    def __init__(self, app: web.Application) -> None:
        """Register on ``app``."""
        self._app = app
        self._without_csrf: set[AbstractRoute] = set()

    def add(self, method: str, path: str, handler: Handler) -> None:
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


def session_check(state: SimulatorState, routes: IcwsRoutes) -> Middleware:
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
        session = state.sessions.get(session_id)
        if session is None:
            raise unauthorized()
        if request_cookie(request, session.cookie_name) != session.cookie_value:
            raise unauthorized()
        if (
            routes.needs_csrf(request)
            and request.headers.get(protocol.CSRF_HEADER) != session.csrf_token
        ):
            raise unauthorized()
        state.sessions.touch(session)
        request[_SESSION_KEY] = session
        return await handler(request)

    return check
