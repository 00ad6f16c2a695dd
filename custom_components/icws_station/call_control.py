"""Call control's rules: which call an action applies to, and what it may send.

Safe by default: an action acts only on the user's own calls as the queue watch shows them
(``call_tracking.py``), and every check here runs before anything is sent, so bad input
costs no request. The errors do not repeat the digits or numbers given: a door code or a
number is the user's own, and an automation's error goes to the log. Without ``interaction_id`` each action takes the call a person would mean
(the oldest ringing call to answer, the call in hand to end, hold or mute); with one, the
call must be one of the user's live calls, in a state the action applies to. Each failed
check raises a translated ``ServiceValidationError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Final

from homeassistant.exceptions import ServiceValidationError

from .call_tracking import CallState, LiveCall
from .const import DOMAIN
from .icws import IcwsInteractionError

DTMF_DIGITS: Final = frozenset("0123456789*#ABCD")
MAX_DIGITS: Final = 64
# Longer than any dial string or extension; a guard against pasted text.
MAX_TARGET: Final = 128


class CallAction(StrEnum):
    """The actions on one of the user's calls, by the name of their action."""

    ANSWER = "answer_call"
    END = "end_call"
    HOLD = "hold_call"
    RESUME = "resume_call"
    MUTE = "mute_call"
    TRANSFER = "transfer_call"
    SEND_DIGITS = "send_digits"


class StationlessRefusalError(IcwsInteractionError):
    """The server refused call control while the session has no station of its own.

    The server decides which station carries a call (``docs/icws-protocol.md`` §14); one
    that finds none answers 400. Home Assistant never logs a station on for it (that would
    take the desk phone from the desktop client), so the user is told instead.
    """

    @classmethod
    def of(cls, err: IcwsInteractionError) -> StationlessRefusalError:
        """Return the refusal ``err`` as one of a session without a station."""
        return cls(
            str(err),
            status=err.status,
            error_id=err.error_id,
            server_message=err.server_message,
        )


_LIVE: Final = frozenset(CallState) - {CallState.IDLE}
_CONNECTED: Final = frozenset({CallState.CONNECTED})
# The states a call named by ``interaction_id`` may be in for each action: pick up also
# takes a held call back, as the vendor's headset add-ins do with their talk button.
_APPLIES_TO: Final[Mapping[CallAction, frozenset[CallState]]] = {
    CallAction.ANSWER: frozenset({CallState.RINGING, CallState.HELD}),
    CallAction.END: _LIVE,
    CallAction.HOLD: _CONNECTED,
    CallAction.RESUME: frozenset({CallState.HELD}),
    CallAction.MUTE: frozenset({CallState.CONNECTED, CallState.HELD}),
    CallAction.TRANSFER: frozenset(
        {CallState.CONNECTED, CallState.HELD, CallState.RINGING}
    ),
    CallAction.SEND_DIGITS: _CONNECTED,
}


def _newest(calls: Sequence[LiveCall], state: CallState) -> LiveCall | None:
    return next((call for call in reversed(calls) if call.state is state), None)


def _oldest_ringing(calls: Sequence[LiveCall]) -> LiveCall:
    call = next((call for call in calls if call.state is CallState.RINGING), None)
    if call is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_ringing_call",
        )
    return call


def _current(calls: Sequence[LiveCall]) -> LiveCall:
    """The call in hand, as the call state shows it; else the only one ringing."""
    in_hand = [call for call in calls if call.state is not CallState.RINGING]
    if in_hand:
        return max(in_hand, key=lambda call: (call.state.strength, call.order))
    ringing = [call for call in calls if call.state is CallState.RINGING]
    if len(ringing) > 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="several_calls_ringing",
            translation_placeholders={"count": str(len(ringing))},
        )
    if not ringing:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_current_call",
        )
    return ringing[0]


def _connected(calls: Sequence[LiveCall]) -> LiveCall:
    if (call := _newest(calls, CallState.CONNECTED)) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_connected_call",
        )
    return call


def _held(calls: Sequence[LiveCall]) -> LiveCall:
    if (call := _newest(calls, CallState.HELD)) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_held_call",
        )
    return call


_DEFAULTS: Final[Mapping[CallAction, Callable[[Sequence[LiveCall]], LiveCall]]] = {
    CallAction.ANSWER: _oldest_ringing,
    CallAction.END: _current,
    CallAction.HOLD: _connected,
    CallAction.RESUME: _held,
    CallAction.MUTE: _connected,
    CallAction.TRANSFER: _connected,
    CallAction.SEND_DIGITS: _connected,
}


def applicable_call(
    action: CallAction, calls: Sequence[LiveCall], interaction_id: str | None
) -> str:
    """Return the id of the call ``action`` applies to among the user's live ``calls``.

    ``calls`` come oldest first. Raises ``ServiceValidationError`` when there is no such
    call, or the one named is not the user's or not in a state the action applies to.
    """
    if interaction_id is None:
        return _DEFAULTS[action](calls).interaction_id
    call = next((c for c in calls if c.interaction_id == interaction_id), None)
    if call is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_call",
            translation_placeholders={"interaction_id": interaction_id},
        )
    if call.state not in _APPLIES_TO[action]:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="call_not_actionable",
            translation_placeholders={
                "interaction_id": interaction_id,
                "state": call.state.value,
            },
        )
    return interaction_id


def dtmf(digits: str) -> str:
    """Return DTMF digits to send: ``0-9 * # A-D`` (any case), one to 64 of them."""
    cleaned = digits.strip().upper()
    if not cleaned or len(cleaned) > MAX_DIGITS or not set(cleaned) <= DTMF_DIGITS:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_digits",
        )
    return cleaned


def _target(text: str) -> str | None:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_TARGET or not cleaned.isprintable():
        return None
    return cleaned


def dial_target(number: str) -> str:
    """Return a number to dial as typed, trimmed; it needs a digit to be diallable."""
    cleaned = _target(number)
    if cleaned is None or not any(char in "0123456789" for char in cleaned):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_number",
        )
    return cleaned


def transfer_target(target: str) -> str:
    """Return a transfer's target (a number, an extension, a user), trimmed."""
    cleaned = _target(target)
    if cleaned is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_transfer_target",
        )
    return cleaned
