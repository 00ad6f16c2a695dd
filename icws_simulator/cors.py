"""CORS for browser clients: preflight answers and the headers of actual answers.

Real servers serve browser clients from other origins with credentials (the session cookie),
so they echo the request's origin rather than ``*`` [seen]. Which headers they list is not
recorded [guess]: the ones ICWS calls send, and those a client must read.
"""

from typing import Final

from aiohttp import web

from .protocol import CSRF_HEADER, SESSION_HEADER

METHODS: Final = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
ALLOWED_HEADERS: Final = (
    "Accept",
    "Accept-Language",
    "Content-Type",
    CSRF_HEADER,
    SESSION_HEADER,
)
EXPOSED_HEADERS: Final = (CSRF_HEADER, SESSION_HEADER, "Location", "WWW-Authenticate")
MAX_AGE_SECONDS: Final = 600


def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Let the request's origin read the answer, cookie included."""
    origin = request.headers.get("Origin")
    if not origin:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    response.headers["Vary"] = "Origin"


def _allowed_methods(request: web.Request) -> list[str]:
    """Return the methods the path answers; all ICWS methods for a path not routed."""
    error = request.match_info.http_exception
    if isinstance(error, web.HTTPMethodNotAllowed):
        methods = set(error.allowed_methods) | {"OPTIONS"}
        return sorted(methods)
    return list(METHODS)


def answer_preflight(request: web.Request) -> web.Response:
    """Answer ``OPTIONS`` (200) with ``Allow`` and, for an origin, the CORS grants.

    No session is needed: browsers send preflights without cookies.
    """
    methods = ", ".join(_allowed_methods(request))
    headers = {"Allow": methods}
    if request.headers.get("Origin"):
        requested = [
            name.strip()
            for name in request.headers.get("Access-Control-Request-Headers", "").split(
                ","
            )
            if name.strip()
        ]
        listed = {name.casefold() for name in ALLOWED_HEADERS}
        extra = [name for name in requested if name.casefold() not in listed]
        headers |= {
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ", ".join([*ALLOWED_HEADERS, *extra]),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
        }
    return web.Response(status=200, headers=headers)
