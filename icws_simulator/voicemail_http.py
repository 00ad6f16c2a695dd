"""HTTP routes of voicemail waiting: the ICWS subscription (§18) and its control routes."""

from typing import Any

from aiohttp import web

from .control import ControlApi, optional
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState
from .voicemail import SUBSCRIPTION, VoicemailState


class VoicemailApi:
    """The messages-waiting subscription and ``/_simulator/voicemail`` routes."""

    def __init__(self, state: SimulatorState) -> None:
        """Act on the state's :class:`VoicemailState`."""
        self.voicemail: VoicemailState = state.voicemail

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register the ICWS routes (404 while not offered) and the control routes."""
        path = f"/messaging/subscriptions/{SUBSCRIPTION}"
        icws.add_session("PUT", path, self.subscribe)
        icws.add_session("DELETE", path, self.unsubscribe)
        icws.add_session(
            "PUT", "/unified-messaging/messages-waiting-indicator/count-refresh",
            self.refresh,
        )  # fmt: skip
        control.add("/voicemail/users/{user_id}", self.set_count)
        control.add("/voicemail/settings", self.settings)
        control.add_snapshot(lambda: {"voicemail": self.voicemail.snapshot()})

    def _check_offered(self) -> None:
        # [guess] A server without unified messaging does not know the routes.
        if not self.voicemail.offered:
            raise web.HTTPNotFound

    async def subscribe(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../messages-waiting-indicator``: 200 [guess], then state and count."""
        self._check_offered()
        self.voicemail.subscribe(session)
        return web.Response(status=200)

    async def unsubscribe(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``DELETE .../messages-waiting-indicator``: 204, as other subscriptions."""
        self._check_offered()
        self.voicemail.unsubscribe(session)
        return web.Response(status=204)

    async def refresh(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../count-refresh``: 204 [guess], then the count as a message [guess]."""
        self._check_offered()
        self.voicemail.refresh(session)
        return web.Response(status=204)

    async def set_count(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/voicemail/users/{user}`` with ``count``."""
        count = body.get("count")
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError("count must be a whole number")
        self.voicemail.set_count(request.match_info["user_id"], count)
        return self.voicemail.snapshot()

    async def settings(
        self, _request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/voicemail/settings``: offered, state (with error)."""
        voicemail = self.voicemail
        voicemail.offered = optional(body, "offered", bool, voicemail.offered)
        if "state" in body:
            voicemail.set_state(
                optional(body, "state", int, voicemail.state),
                optional(body, "error", str, None),
            )
        return voicemail.snapshot()
