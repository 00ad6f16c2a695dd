"""A failing network in front of the server: requests lost before or after it answers.

The server and its sessions live on through an outage, as a real server's do; only what
travels between the client and the server is lost (see ``SimulatorState.set_outage``).
The control interface is not behind that network.
"""

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .protocol import is_icws_path
from .state import SimulatorState

_LOST_KEY = "icws_simulator.lost"


def is_lost(request: web.Request) -> bool:
    """Return whether the request's answer never reaches the client."""
    return bool(request.get(_LOST_KEY, False))


def _lose(request: web.Request) -> web.Response:
    """Reset the request's connection; the returned answer is never sent."""
    request[_LOST_KEY] = True
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=503)


def _wants_stream(request: web.Request) -> bool:
    return request.method == "GET" and "text/event-stream" in request.headers.get(
        "Accept", ""
    )


def outage_middleware(state: SimulatorState) -> Middleware:
    """Lose /icws requests as the current outage mode says."""

    @web.middleware
    async def outage(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_icws_path(request.path):
            return await handler(request)
        mode = state.outage
        # An event stream is lost in every mode before it takes a message, so queued
        # messages wait for the next reader. While the server is unreachable, a request
        # received just before the network reset its connection is lost with it.
        if (
            mode == "refuse"
            or (mode is not None and _wants_stream(request))
            or state.unreachable
        ):
            return _lose(request)
        response = await handler(request)
        if state.outage in {"refuse", "cut"} and not response.prepared:
            return _lose(request)  # processed by the server, the answer is lost
        return response

    return outage
