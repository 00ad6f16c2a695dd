"""Acting on the session user's interactions, and placing calls.

``docs/icws-protocol.md`` §12 and §13. An action is a ``POST`` on
``/icws/{sessionId}/interactions/{interactionId}/<action>``; a new call is a ``POST`` on
``/icws/{sessionId}/interactions``. Any 2xx is success: the code is not documented, servers
answer 200, 201 or 204, and a vendor client library accepts any 2xx [seen]. A 2xx means the
server accepted the request, not that it is done: the new state comes from the queue watch
(§10). The server decides which station carries the call (§14); nothing here logs one on.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from .errors import IcwsError, IcwsInteractionError, IcwsResponseError
from .session import Session, is_path_segment
from .transport import Response, error_for

CREATE_CALL_TYPE: Final = "urn:inin.com:interactions:createCallParameters"


class InteractionAction(StrEnum):
    """The actions on an interaction, by the suffix of their path [doc]."""

    PICKUP = "pickup"
    DISCONNECT = "disconnect"
    HOLD = "hold"
    MUTE = "mute"
    BLIND_TRANSFER = "blind-transfer"
    SEND_DIGITS = "send-digits"


# What each action is called in errors and the log.
_WHAT: Final = {
    InteractionAction.PICKUP: "Call pickup",
    InteractionAction.DISCONNECT: "Call disconnection",
    InteractionAction.HOLD: "Call hold",
    InteractionAction.MUTE: "Call mute",
    InteractionAction.BLIND_TRANSFER: "Call transfer",
    InteractionAction.SEND_DIGITS: "Sending digits",
}


def refusal(what: str, response: Response) -> IcwsError:
    """Return the error of an answer that is no 2xx: a refusal is an interaction error.

    A 401 ends the session and a 5xx is a connection error (the request may have been
    carried out), as for every call; the other answers carry the server's message.
    """
    error = error_for(what, response)
    if type(error) is IcwsResponseError:
        return IcwsInteractionError(
            str(error),
            status=error.status,
            error_id=error.error_id,
            server_message=error.server_message,
        )
    return error


async def act(
    session: Session,
    interaction_id: str,
    action: InteractionAction,
    body: Mapping[str, Any] | None = None,
) -> None:
    """Ask the server to act on one of the user's interactions; any 2xx is success."""
    what = _WHAT[action]
    response = await session.send(
        "POST",
        ("interactions", interaction_id, action.value),
        what=what,
        body=body,
    )
    if not 200 <= response.status < 300:
        raise refusal(what, response)


async def create_call(
    session: Session, target: str, workgroup: str | None = None
) -> str:
    """Place a call from the session's user to ``target``; return its interaction id.

    ``workgroup`` places it on behalf of a workgroup. The server answers 201 with the id
    [doc]; the call may show in the queue watch before that answer comes (§13).
    """
    what = "Call creation"
    body: dict[str, Any] = {"__type": CREATE_CALL_TYPE, "target": target}
    if workgroup:
        body["workgroup"] = workgroup
    response = await session.send("POST", "interactions", what=what, body=body)
    if not 200 <= response.status < 300:
        raise refusal(what, response)
    created = (
        response.body.get("interactionId") if isinstance(response.body, dict) else None
    )
    if isinstance(created, int) and not isinstance(created, bool):
        created = str(created)
    if not isinstance(created, str):
        raise IcwsResponseError(
            f"{what} failed: the answer names no interaction", status=response.status
        )
    if not is_path_segment(created):
        raise IcwsResponseError(
            f"{what} failed: the answer names no interaction", status=response.status
        )
    return created
