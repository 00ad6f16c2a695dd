"""Voicemail waiting: the count of the user's unread voicemails, and its messages.

``docs/icws-protocol.md`` §18. No feature is known to gate it [guess]: a client tries the
subscription, and a server that refuses it (a 4xx) does not offer it. The count comes as a
``mwiMessage``; a ``mwiSubscriptionStateMessage`` says whether the count can be trusted
(only while the state is Normal [guess]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .enums import TolerantIntEnum
from .fields import InvalidFieldError, digits, folded, is_delta, text

MWI_MESSAGE: Final = "urn:inin.com:unifiedMessaging:mwiMessage"
MWI_STATE_MESSAGE: Final = "urn:inin.com:unifiedMessaging:mwiSubscriptionStateMessage"
MWI_SUBSCRIPTION: Final = (
    "messaging/subscriptions/unified-messaging/messages-waiting-indicator"
)
MWI_COUNT_REFRESH: Final = "unified-messaging/messages-waiting-indicator/count-refresh"


class MessagesWaitingState(TolerantIntEnum):
    """The state of the messages-waiting subscription [doc]."""

    NONE = 0
    NORMAL = 1
    SUSPENDED = 2
    FAULTED = 3


@dataclass(frozen=True, slots=True)
class MessagesWaitingMessage:
    """A ``mwiMessage``: how many voicemails wait unread [guess: faxes not counted]."""

    count: int
    is_delta: bool = False


@dataclass(frozen=True, slots=True)
class MessagesWaitingStateMessage:
    """A ``mwiSubscriptionStateMessage``; ``error`` is the server's text, if it gave one."""

    state: MessagesWaitingState
    error: str | None = None

    @property
    def normal(self) -> bool:
        """Whether the count is to be trusted (Normal); any other state makes it unknown."""
        return self.state is MessagesWaitingState.NORMAL


def _count(value: object) -> int:
    """Read the count: a whole number, or one written as digits; never negative."""
    if isinstance(value, str):
        value = digits(value, 9)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFieldError
    return value


def messages_waiting_message(raw: Mapping[str, Any]) -> MessagesWaitingMessage:
    """Parse a ``mwiMessage``."""
    wire = folded(raw)
    return MessagesWaitingMessage(
        count=_count(wire.get("messageswaiting")), is_delta=is_delta(wire)
    )


def messages_waiting_state_message(
    raw: Mapping[str, Any],
) -> MessagesWaitingStateMessage:
    """Parse a ``mwiSubscriptionStateMessage``; ``error`` may be a text or an error object."""
    wire = folded(raw)
    state = wire.get("state")
    if not isinstance(state, int) or isinstance(state, bool):
        raise InvalidFieldError
    error = wire.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    return MessagesWaitingStateMessage(MessagesWaitingState(state), text(error))
