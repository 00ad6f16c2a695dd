"""The status routes: ICWS calls of docs/icws-protocol.md §9 and their control routes.

Each ICWS handler checks the request, then acts on :class:`StatusState` (the server checked
the session before routing). The control routes under ``/_simulator/status`` let a separate
process (demo, system tests) change statuses as the server, the ACD or another client would.
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
    ends_subscription,
    json_response,
    parse_json_object,
)
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState
from .status import StatusChange, StatusState
from .status_data import SimulatedStatusMessage, Until, parse_date

# [guess] Error ids for status refusals; the docs give only the status codes.
UNKNOWN_STATUS_ID: Final = "error.request.status.unknownStatus"
# A 1x1 transparent PNG: the icon every iconUri points at.
_ICON: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _forbidden(message: str) -> IcwsError:
    return IcwsError(403, message, NOT_ALLOWED_ID)


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"The property '{key}' must be a list of strings.")
    return value


def _optional_string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_request(f"The property '{key}' must be a string.")
    return value


def _until(value: Any) -> Until | None:
    """Parse the ``until`` object of a status change (null or absent: none)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("The property 'until' must be an object.")
    text = value.get("untilDateTime")
    has_date = value.get("hasDate", True)
    has_time = value.get("hasTime", True)
    if (
        not isinstance(text, str)
        or not isinstance(has_date, bool)
        or not isinstance(has_time, bool)
    ):
        raise bad_request("The property 'until' is malformed.")
    try:
        moment = parse_date(text)
    except ValueError:
        raise bad_request("The property 'untilDateTime' is not a date.") from None
    return Until(moment, has_date, has_time)


class StatusApi:
    """The status part of the API: its ICWS routes and its control routes."""

    def __init__(self, state: SimulatorState) -> None:
        """Act on the state's :class:`StatusState`; rights come from its directory."""
        self.status = state.status
        self.directory = state.directory

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register the ICWS routes (404 while the feature is off) and the control routes."""
        subscriptions = "/messaging/subscriptions/status"
        for name, watch, unwatch in (
            ("user-statuses", self.watch_statuses, self.status.unwatch_user_statuses),
            ("status-messages", self.watch_catalogue, self.status.unwatch_catalogue),
            (
                "status-messages-user-access",
                self.watch_access,
                self.status.unwatch_access,
            ),
        ):
            path = f"{subscriptions}/{name}"
            icws.add_session("PUT", path, self._gated(watch))
            icws.add_session("DELETE", path, self._gated(ends_subscription(unwatch)))
        for method, path, handler in (
            ("GET", "/status/status-messages", self.catalogue),
            ("GET", "/status/status-messages-user-access/{user_id}", self.access),
            ("GET", "/status/user-statuses/{user_id}", self.get),
            ("PUT", "/status/user-statuses/{user_id}", self.put),
        ):
            icws.add_session(method, path, self._gated(handler))
        # An iconUri goes into an <img>, which cannot send the CSRF header: the cookie
        # alone fetches the icon.
        icws.add_session(
            "GET",
            "/status/status-message-icons/{status_id}",
            self._gated(self.icon),
            csrf=False,
        )
        StatusControl(self.status).add_routes(control)

    def _gated(self, handler: SessionHandler) -> SessionHandler:
        """Answer 404 while the server has no status feature, as if the route did not exist."""

        async def run(request: web.Request, session: SimSession) -> web.StreamResponse:
            if self.status.version < 1:
                raise IcwsError(404, "Not Found", protocol.NOT_FOUND_ID)
            return await handler(request, session)

        return run

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        """Read an optional JSON object body (absent: empty)."""
        text = await request.text()
        return parse_json_object(text) if text.strip() else {}

    # ---- subscriptions ---------------------------------------------------------------

    async def watch_statuses(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/status/user-statuses``: 200, then the full message."""
        body = await self._body(request)
        user_ids = _string_list(body.get("userIds"), "userIds")
        properties = body.get("userStatusProperties")
        if properties is not None:
            properties = _string_list(properties, "userStatusProperties")
        self.status.watch_user_statuses(session, user_ids, properties)
        return web.Response(status=200)

    async def watch_catalogue(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/status/status-messages`` (no body): 200."""
        await self._body(request)
        self.status.watch_catalogue(session)
        return web.Response(status=200)

    async def watch_access(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/status/status-messages-user-access``: 200."""
        body = await self._body(request)
        self.status.watch_access(session, _string_list(body.get("userIds"), "userIds"))
        return web.Response(status=200)

    # ---- reads -----------------------------------------------------------------------

    def _require_user(self, user_id: str) -> None:
        if not self.status.knows_user(user_id):
            # [guess] the docs name no error for an unknown user.
            raise IcwsError(404, "The user could not be found.", protocol.NOT_FOUND_ID)

    def _require_viewable(self, session: SimSession, user_id: str) -> None:
        """404 for an unknown user, 403 for one whose status the session may not see."""
        self._require_user(user_id)
        if not self.directory.may_view(session.user_id, user_id):
            raise _forbidden("Viewing this user's status is not allowed.")

    async def catalogue(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET .../status/status-messages``: the catalogue in the session's language."""
        return json_response(
            {
                "statusMessageList": [
                    message.to_wire(session.language, session.session_id)
                    for message in self.status.catalogue.values()
                ]
            }
        )

    async def access(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET .../status/status-messages-user-access/{userId}``."""
        user_id = request.match_info["user_id"]
        self._require_viewable(session, user_id)
        return json_response(
            {
                "userId": self.status.user_status(user_id).user_id,
                "statusMessages": self.status.wire_access(user_id),
            }
        )

    async def icon(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET .../status/status-message-icons/{statusId}``: the icon an iconUri names."""
        if self.status.find_status_message(request.match_info["status_id"]) is None:
            raise IcwsError(
                404, "The status could not be found.", protocol.NOT_FOUND_ID
            )
        return web.Response(body=_ICON, content_type="image/png")

    async def get(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET .../status/user-statuses/{userId}``: one user's status (403: private)."""
        user_id = request.match_info["user_id"]
        self._require_viewable(session, user_id)
        return json_response(self.status.wire_status(user_id))

    # ---- setting a status ------------------------------------------------------------

    async def put(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../status/user-statuses/{userId}``: 202 with a ``requestId`` [doc]."""
        user_id = request.match_info["user_id"]
        body = await self._body(request)
        try:
            change = self._status_change(session, user_id, body)
        except IcwsError as error:
            self.status.record_refusal(session, user_id, body, error.status)
            raise
        request_id = self.status.request_status(session, body, change, user_id)
        return json_response({"requestId": request_id}, status=202)

    def _status_change(
        self, session: SimSession, user_id: str, body: Mapping[str, Any]
    ) -> StatusChange:
        """Check a status change; raise the error a server answers with.

        404 for an unknown user, 400 for a malformed body or an unknown status, 403 for
        another user's status without a supervisor's right, or a status the user whose it
        is may not pick (outside the access list, or not selectable) [guess for 403].
        """
        if user_id.casefold() != session.user_id.casefold():
            self._require_user(user_id)
            if not self.directory.may_change(session.user_id, user_id):
                raise _forbidden("Setting another user's status is not allowed.")
        status_id = body.get("statusId")
        if not isinstance(status_id, str) or not status_id:
            raise bad_request("The property 'statusId' is required.")
        change = StatusChange(
            status_id=status_id,
            notes=_optional_string(body, "notes"),
            forward_number=_optional_string(body, "forwardNumber"),
            until=_until(body.get("until")),
        )
        if self.status.find_status_message(status_id) is None:
            raise IcwsError(400, "The status is not defined.", UNKNOWN_STATUS_ID)
        if not self.status.may_pick(user_id, status_id):
            raise _forbidden("The user may not set this status.")
        return change


# ---- control -------------------------------------------------------------------------


def _typed[T](body: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    """Return ``body[key]`` if present, checked against ``kind`` (bools are not ints)."""
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"{key} must be a {kind.__name__}")
    return value


def _strings(body: Mapping[str, Any], key: str) -> list[str]:
    value = _typed(body, key, list) or []
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"{key} must be a list of strings")
    return value


_FLAGS: Final = (
    "can_have_date",
    "can_have_time",
    "is_do_not_disturb",
    "is_selectable",
    "is_persistent",
    "is_forward",
    "is_after_call_work",
    "is_acd",
    "is_allow_follow_up",
)


class StatusControl:
    """``/_simulator/status`` routes: the Python control methods over HTTP."""

    def __init__(self, status: StatusState) -> None:
        """Keep the state the routes act on."""
        self.status = status

    def add_routes(self, control: ControlApi) -> None:
        """Register the control routes; ``GET /_simulator/state`` also describes statuses."""
        control.add("/status", self.get_state, method="GET")
        for path, handler in (
            ("/status/users/{user_id}", self.set_user),
            ("/status/users/{user_id}/access", self.set_access),
            ("/status/users/{user_id}/resend", self.resend),
            ("/status/messages/{status_id}", self.put_message),
            ("/status/messages/{status_id}/remove", self.remove_message),
            ("/status/settings", self.settings),
        ):
            control.add(path, handler)
        control.add_snapshot(lambda: {"status": self.status.snapshot()})

    async def get_state(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``GET /_simulator/status``: catalogue ids, each user's status and access."""
        return self.status.snapshot()

    async def set_user(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/status/users/{id}``: status, on_phone, logged_in; each optional.

        ``status_id`` may come with ``notes``, ``forward_number``, ``until`` (a date text),
        ``has_date`` and ``has_time``.
        """
        user_id = request.match_info["user_id"]
        self.status.user_status(user_id)  # KeyError -> 404 before anything changes
        status_id = _typed(body, "status_id", str)
        on_phone = _typed(body, "on_phone", bool)
        logged_in = _typed(body, "logged_in", bool)
        if status_id is not None:
            until_text = _typed(body, "until", str)
            until = None
            if until_text is not None:
                until = Until(
                    parse_date(until_text),
                    _typed(body, "has_date", bool) is not False,
                    _typed(body, "has_time", bool) is not False,
                )
            self.status.set_user_status(
                user_id,
                status_id,
                notes=_typed(body, "notes", str) or "",
                forward_number=_typed(body, "forward_number", str) or "",
                until=until,
            )
        if on_phone is not None:
            self.status.set_on_phone(user_id, on_phone)
        if logged_in is not None:
            self.status.set_logged_in(user_id, logged_in)
        return self.status.snapshot()

    async def set_access(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/status/users/{id}/access``: status_ids (replace), or add/remove."""
        user_id = request.match_info["user_id"]
        if "status_ids" in body:
            self.status.set_access(user_id, _strings(body, "status_ids"))
        else:
            access = [*self.status.access(user_id), *_strings(body, "add")]
            removed = {s.casefold() for s in _strings(body, "remove")}
            self.status.set_access(
                user_id, [s for s in access if s.casefold() not in removed]
            )
        return self.status.snapshot()

    async def resend(
        self, request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/status/users/{id}/resend``: repeat the status, unchanged."""
        self.status.resend_user_status(request.match_info["user_id"])
        return self.status.snapshot()

    async def put_message(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/status/messages/{id}``: add or change a catalogue status.

        ``message_text`` is a text (English) or an object of language -> text; ``group_tag``
        and the snake_case flags are optional and, for a known status, keep their values.
        """
        status_id = request.match_info["status_id"]
        old = self.status.find_status_message(status_id)
        text = body.get("message_text")
        if isinstance(text, str):
            texts: Mapping[str, str] = {"en": text}
        elif isinstance(text, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in text.items()
        ):
            texts = text
        elif text is None and old is not None:
            texts = old.message_text
        else:
            raise TypeError("message_text must be a string or an object of strings")
        fields: dict[str, Any] = {}
        for flag in _FLAGS:
            value = _typed(body, flag, bool)
            if value is not None:
                fields[flag] = value
        group_tag = _typed(body, "group_tag", str)
        if group_tag is not None:
            fields["group_tag"] = group_tag
        base: dict[str, Any] = {}
        if old is not None:
            base = {flag: getattr(old, flag) for flag in (*_FLAGS, "group_tag")}
        message = SimulatedStatusMessage(
            status_id=old.status_id if old is not None else status_id,
            message_text=dict(texts),
            **(base | fields),
        )
        self.status.put_status_message(message)
        return self.status.snapshot()

    async def remove_message(
        self, request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/status/messages/{id}/remove``."""
        self.status.remove_status_message(request.match_info["status_id"])
        return self.status.snapshot()

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/status/settings``: version, completion_messages, respell_ids."""
        version = _typed(body, "version", int)
        completion = _typed(body, "completion_messages", bool)
        respell = _typed(body, "respell_ids", bool)
        if version is not None:
            self.status.version = version
        if completion is not None:
            self.status.completion_messages = completion
        if respell is not None:
            self.status.respell_ids = respell
        return self.status.snapshot()
