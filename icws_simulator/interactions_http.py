"""HTTP routes of call control: acting on the user's interactions and placing calls.

``POST /icws/{sessionId}/interactions/{interactionId}/{action}`` (``docs/icws-protocol.md``
§12) and ``POST /icws/{sessionId}/interactions`` (§13), acting on
:class:`~.calls.CallCenter`. Only the session user's own interactions can be acted on: any
other answers 404, as one that does not exist. The routes are unknown (404) while the
server's ``interactions`` feature is 0.
"""

from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from .calls import SimInteraction
from .control import ControlApi
from .protocol import IcwsError, bad_request, json_response, parse_json_object
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState

CREATE_CALL_TYPE: Final = "urn:inin.com:interactions:createCallParameters"
# [guess] Error ids of refusals: the docs give only the status codes.
NOT_FOUND_ID: Final = "error.request.interaction.notFound"
INVALID_STATE_ID: Final = "error.request.interaction.invalidState"
NO_STATION_ID: Final = "error.request.interaction.noStation"
NO_STATION_MESSAGE: Final = "There is no station to carry the call."
# [guess] The digits a phone can send as DTMF.
DTMF: Final = frozenset("0123456789*#ABCDabcd")
# The success codes, mixed as real servers answer: no code is documented, a public sample
# tests for 200 and a vendor library accepts any 2xx [seen].
ANSWERS: Final = {
    "pickup": 200,
    "disconnect": 204,
    "hold": 200,
    "mute": 204,
    "blind-transfer": 204,
    "send-digits": 200,
}
# §12: "on" is a JSON boolean [doc]; vendor samples send "1"/"0" and "true"/"false" [seen].
_FLAGS: Final[dict[bool | str, bool]] = {
    True: True,
    False: False,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
}

type Action = Callable[[SimInteraction, dict[str, Any]], None]


def _flag(body: dict[str, Any]) -> bool:
    """Read ``on``: a boolean, or one of the texts vendor samples send."""
    value = body.get("on")
    if isinstance(value, str):
        value = value.strip().lower()
    if isinstance(value, bool | str) and value in _FLAGS:
        return _FLAGS[value]
    raise bad_request("The property 'on' is required.")


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"The property '{key}' is required.")
    return value.strip()


def _transfer_target(body: dict[str, Any]) -> str:
    """Read a transfer's target: ``target`` or a user ``queueID``, exactly one [guess]."""
    queue = body.get("queueID")
    if ("target" in body) == (queue is not None):
        raise bad_request("Give either 'target' or 'queueID'.")
    if queue is None:
        return _text(body, "target")
    if not isinstance(queue, dict) or not isinstance(queue.get("queueName"), str):
        raise bad_request("The property 'queueID' is malformed.")
    return str(queue["queueName"])


def _digits(body: dict[str, Any]) -> str:
    digits = _text(body, "dtmfDigits")
    if not set(digits) <= DTMF:
        raise bad_request("The digits can only be 0-9, *, # and A-D.")
    return digits.upper()


class InteractionsApi:
    """Call control and new calls of the session's user."""

    def __init__(self, state: SimulatorState) -> None:
        """Act on the state's call center."""
        self._state = state
        self._calls = state.calls
        self._actions: dict[str, Action] = {
            "pickup": lambda i, _: self._calls.pickup(i.interaction_id),
            "disconnect": lambda i, _: self._calls.disconnect(
                i.interaction_id, by="local"
            ),
            "hold": self._hold,
            "mute": lambda i, body: self._calls.mute(i.interaction_id, _flag(body)),
            "blind-transfer": lambda i, body: self._calls.transfer(
                i.interaction_id, _transfer_target(body)
            ),
            "send-digits": lambda i, body: self._calls.send_digits(
                i.interaction_id, _digits(body)
            ),
        }

    def add_routes(self, icws: IcwsRoutes, _control: ControlApi) -> None:
        """Register the ICWS routes (the control routes are the calls' own)."""
        icws.add_session("POST", "/interactions", self._gated(self.create))
        icws.add_session(
            "POST", "/interactions/{interaction_id}/{action}", self._gated(self.act)
        )

    def _gated(
        self,
        handler: Callable[[web.Request, SimSession], Awaitable[web.StreamResponse]],
    ) -> Callable[[web.Request, SimSession], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request, session: SimSession) -> web.StreamResponse:
            if self._state.interactions_version < 1:
                raise web.HTTPNotFound
            return await handler(request, session)

        return run

    def _hold(self, interaction: SimInteraction, body: dict[str, Any]) -> None:
        """Hold on puts a connected call on hold, hold off takes it back (§12)."""
        if _flag(body):
            self._calls.hold(interaction.interaction_id)
        else:
            self._calls.resume(interaction.interaction_id)

    def _check_station(self, session: SimSession) -> None:
        """Refuse a session without a station when the server is told to (§14 [guess])."""
        if self._calls.refuse_stationless and session.station is None:
            raise IcwsError(400, NO_STATION_MESSAGE, NO_STATION_ID)

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        """Read the body: none, ``{}`` (as samples send, §12) or a JSON object."""
        text = await request.text()
        return parse_json_object(text) if text.strip() else {}

    def _own(self, session: SimSession, interaction_id: str) -> SimInteraction:
        """Return one of the session user's interactions; any other is 404 [doc]."""
        interaction = self._calls.interactions.get(interaction_id)
        if (
            interaction is None
            or interaction.user_id.casefold() != session.user_id.casefold()
        ):
            raise IcwsError(404, "The interaction could not be found.", NOT_FOUND_ID)
        return interaction

    async def act(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``POST .../interactions/{id}/{action}``: a 2xx, or why not."""
        action = self._actions.get(request.match_info["action"])
        if action is None:
            raise web.HTTPNotFound
        interaction = self._own(session, request.match_info["interaction_id"])
        body = await self._body(request)
        self._check_station(session)
        try:
            action(interaction, body)
        except ValueError as error:
            raise IcwsError(400, str(error), INVALID_STATE_ID) from None
        return web.Response(status=ANSWERS[request.match_info["action"]])

    async def create(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``POST .../interactions``: 201 with the new call's id [doc]."""
        body = await self._body(request)
        if body.get("__type") != CREATE_CALL_TYPE:
            raise bad_request("The property '__type' is required.")
        target = _text(body, "target")
        workgroup = body.get("workgroup", "")
        if not isinstance(workgroup, str):
            raise bad_request("The property 'workgroup' must be a string.")
        self._check_station(session)
        interaction_id = self._calls.dial(session.user_id, target, workgroup.strip())
        return json_response({"interactionId": interaction_id}, status=201)
