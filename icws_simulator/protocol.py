"""What an ICWS server puts on the wire: media type, message types, error bodies, headers.

One place for the wire vocabulary so the HTTP handlers only decide *which* answer to give.
Marks follow ``docs/icws-protocol.md``: [doc], [seen], [guess].
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
import json
from typing import Any, Final

from aiohttp import web

from .sessions import SimSession

CONTENT_TYPE: Final = "application/vnd.inin.icws+JSON"  # with charset=utf-8 [doc][seen]
CSRF_HEADER: Final = "ININ-ICWS-CSRF-Token"
SESSION_HEADER: Final = "ININ-ICWS-Session-ID"
WWW_AUTHENTICATE: Final = 'ICWS realm="ICWS" location="/ICWS/connection"'  # [doc]

TYPE_LOGIN: Final = "urn:inin.com:connection:icAuthConnectionRequestSettings"
TYPE_CONNECTION_STATE: Final = "urn:inin.com:connection:connectionStateChangeMessage"
TYPE_STATION_STATE: Final = (
    "urn:inin.com:connection:stationConnectionStateChangeMessage"
)
TYPE_WORKSTATION: Final = "urn:inin.com:connection:workstationSettings"
TYPE_REMOTE_WORKSTATION: Final = "urn:inin.com:connection:remoteWorkstationSettings"
TYPE_REMOTE_NUMBER: Final = "urn:inin.com:connection:remoteNumberSettings"
TYPE_STATIONLESS: Final = "urn:inin.com:connection:stationlessSettings"

CONNECTION_UP: Final = 1
CONNECTION_DOWN: Final = 2

AUTH_FAILURE_ID: Final = "error.request.connection.authenticationFailure"
AUTH_FAILURE_CODE: Final = -2147221503  # bad credentials at login [seen]
SESSION_INVALID_CODE: Final = -2147221499  # 401 inside a session [seen]
STATION_NOT_FOUND_ID: Final = "-2147221496"  # [seen]
# [guess] The 400 that asks a client to disconnect its station before switching (§11).
STATION_CONNECTED_ID: Final = "error.request.connection.station.alreadyConnected"
NOT_ACCEPTING_ID: Final = "error.server.notAcceptingConnections"  # [doc][seen]
# [guess] ids for malformed requests; the docs only say "400".
INVALID_REQUEST_ID: Final = "error.request.invalidRepresentation"
MISSING_HEADER_ID: Final = "error.request.missingHeader"
NOT_FOUND_ID: Final = "error.request.notFound"
# [guess] The id of a refusal for want of rights; the docs give only the 403.
NOT_ALLOWED_ID: Final = "error.request.accessDenied"

type SessionHandler = Callable[[web.Request, SimSession], Awaitable[web.StreamResponse]]


def is_icws_path(path: str) -> bool:
    """Return whether a path belongs to the ICWS API (not to the control interface)."""
    return path.lower() == "/icws" or path.lower().startswith("/icws/")


def dumps(message: Mapping[str, Any] | Sequence[Any]) -> str:
    """Serialise compactly, as a server would (and with no newlines, one SSE data line)."""
    return json.dumps(message, separators=(",", ":"))


def json_response(
    body: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    status: int = 200,
    text: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Answer with the vendor media type; ``text`` is sent as is (already JSON text)."""
    if text is None and body is not None:
        text = dumps(body)
    return web.Response(
        status=status,
        text=text,
        content_type=CONTENT_TYPE,
        charset="utf-8",
        headers=headers,
    )


def error_body(
    message: str, error_id: str | None = None, error_code: int | None = None
) -> dict[str, Any]:
    """Build the error object: only ``message`` is required [doc]."""
    body: dict[str, Any] = {}
    if error_id is not None:
        body["errorId"] = error_id
    if error_code is not None:
        body["errorCode"] = error_code
    body["message"] = message
    return body


class IcwsError(Exception):
    """Raised by handlers to answer with an ICWS error; turned into a response by middleware."""

    def __init__(
        self,
        status: int,
        message: str,
        error_id: str | None = None,
        error_code: int | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Keep what the response needs."""
        super().__init__(message)
        self.status = status
        self.body = dict(extra or {}) | error_body(message, error_id, error_code)
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        """Return the HTTP answer for this error."""
        return json_response(self.body, status=self.status, headers=self.headers)


def unauthorized(
    message: str = "The session token is missing, invalid or has expired.",
) -> IcwsError:
    """Build the 401 every session call answers when its session is not valid [doc][seen]."""
    return IcwsError(
        401,
        message,
        AUTH_FAILURE_ID,
        SESSION_INVALID_CODE,
        headers={"WWW-Authenticate": WWW_AUTHENTICATE},
    )


def bad_request(message: str, error_id: str = INVALID_REQUEST_ID) -> IcwsError:
    """Build a 400 for a malformed request."""
    return IcwsError(400, message, error_id)


def required_string(body: Mapping[str, Any], key: str) -> str:
    """Return ``body[key]``, a string that must not be empty (else 400)."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise bad_request(f"The property '{key}' is required.")
    return value


def station_not_found() -> IcwsError:
    """Build the 400 a server answers for an unknown station [seen]."""
    return IcwsError(400, "The station could not be found.", STATION_NOT_FOUND_ID)


def station_switch_refused() -> IcwsError:
    """Build the 400 of a server that switches stations only after a disconnect [guess]."""
    return IcwsError(
        400,
        "The session is already connected to a station; disconnect it first.",
        STATION_CONNECTED_ID,
    )


def connection_state_message(
    *,
    previous: int,
    new: int,
    reason: str,
    should_reconnect: bool,
    states_as_strings: bool = False,
) -> dict[str, Any]:
    """Build a connectionStateChangeMessage.

    The schema says integers; the vendor's example compares with strings ('up'/'down'), so
    ``states_as_strings`` lets tests send those too [doc].
    """
    names = {0: "none", CONNECTION_UP: "up", CONNECTION_DOWN: "down"}
    return {
        "__type": TYPE_CONNECTION_STATE,
        "isDelta": False,
        "previousConnectionState": names[previous] if states_as_strings else previous,
        "newConnectionState": names[new] if states_as_strings else new,
        "reason": reason,
        "shouldReconnect": should_reconnect,
    }


def station_message(
    info: Mapping[str, Any] | None,
    *,
    is_delta: bool,
    previous: Mapping[str, Any] | None = None,
    flat: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Build a stationConnectionStateChangeMessage.

    Nested (``newStationInfo``, optional ``previousStationInfo``) is the SDK schema [doc];
    ``flat`` puts the station fields beside ``isDelta`` as the vendor's page shows them
    (docs/icws-protocol.md §5 [doc]).
    ``info`` None sends ``newStationInfo: null`` (nested only), another "no station" shape
    clients should tolerate [guess]. ``reason`` says why the server changed the station
    (e.g. another logon took it) [guess: the field is not in the SDK schema].
    """
    message: dict[str, Any] = {"__type": TYPE_STATION_STATE, "isDelta": is_delta}
    if reason is not None:
        message["reason"] = reason
    if flat:
        return message | dict(info or {})
    if previous is not None:
        message["previousStationInfo"] = dict(previous)
    message["newStationInfo"] = None if info is None else dict(info)
    return message


def features(
    connection_version: int,
    messaging_version: int,
    *,
    interactions: int = 14,
    **others: int,
) -> list[dict[str, Any]]:
    """Return the feature list, ``interactions`` between the two every client reads.

    ``interactions`` (call control, §12 and §13) and ``others`` (features by id, e.g.
    ``status=1``) below 1 are left out, as a server without the feature would.
    """
    listed = [{"featureId": "connection", "version": connection_version}]
    if interactions >= 1:
        listed.append({"featureId": "interactions", "version": interactions})
    listed.append({"featureId": "messaging", "version": messaging_version})
    listed += [
        {"featureId": name, "version": version}
        for name, version in others.items()
        if version >= 1
    ]
    return listed


def server_version() -> dict[str, str]:
    """Return the version object of a CIC 2018 R5 server (values are strings [doc])."""
    return {
        "majorVersion": "18",
        "minorVersion": "5",
        "su": "0",
        "build": "18.5.0.25",
        "productId": "CIC",
        "codebaseId": "icws-sim",
        "productReleaseDisplayString": "2018 R5",
    }


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """Read a JSON object body.

    Any ``*json*`` content type is accepted [doc][seen], and so is a body sent without a
    Content-Type: real servers read it as JSON [seen]. [guess] Another declared type is
    refused.
    """
    text = await request.text()
    if not text.strip():
        raise bad_request("The request body is missing.")
    declared = "Content-Type" in request.headers
    if declared and "json" not in request.content_type.lower():
        raise bad_request("The request body must be JSON.")
    return parse_json_object(text)


def parse_json_object(text: str) -> dict[str, Any]:
    """Parse a request body that must be a JSON object (else 400)."""
    try:
        body = json.loads(text)
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def ends_subscription(unwatch: Callable[[SimSession], object]) -> SessionHandler:
    """Build a ``DELETE .../messaging/subscriptions/...`` handler: ``unwatch``, then 204 (§5)."""

    async def handle(_request: web.Request, session: SimSession) -> web.StreamResponse:
        unwatch(session)
        return web.Response(status=204)

    return handle
