"""Which call an action applies to, and what it may send: the rules, without a server.

The tests over HTTP (tests/test_call_actions.py) check that the actions follow them and
that a refused check sends nothing.
"""

from __future__ import annotations

from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.icws_station.call_control import (
    CallAction,
    applicable_call,
    dial_target,
    dtmf,
    transfer_target,
)
from custom_components.icws_station.call_tracking import CallState, LiveCall

A = CallAction
LETTERS = {
    "r": CallState.RINGING,
    "d": CallState.DIALING,
    "c": CallState.CONNECTED,
    "h": CallState.HELD,
}


def calls(states: str) -> list[LiveCall]:
    """Calls "1", "2", ... (oldest first) in the states of the letters r, d, c, h."""
    return [
        LiveCall(interaction_id=str(n), state=LETTERS[letter], order=n)
        for n, letter in enumerate(states, start=1)
    ]


@pytest.mark.parametrize(
    ("action", "states", "expected"),
    [
        (A.ANSWER, "r", "1"),
        (A.ANSWER, "crr", "2"),  # the oldest ringing call, even while on another
        (A.END, "c", "1"),
        (A.END, "hc", "2"),  # the call in hand, as the call state shows it
        (A.END, "ch", "1"),
        (A.END, "hd", "2"),
        (A.END, "hh", "2"),  # the newest of the strongest
        (A.END, "rh", "2"),  # a call in hand before a ringing one
        (A.END, "r", "1"),  # else the only ringing one
        (A.HOLD, "cc", "2"),
        (A.HOLD, "hcr", "2"),
        (A.RESUME, "hch", "3"),
        (A.MUTE, "ch", "1"),
        (A.TRANSFER, "rc", "2"),
        (A.SEND_DIGITS, "dc", "2"),
    ],
)
def test_default_call(action: CallAction, states: str, expected: str) -> None:
    assert applicable_call(action, calls(states), None) == expected


@pytest.mark.parametrize(
    ("action", "states", "key"),
    [
        (A.ANSWER, "", "no_ringing_call"),
        (A.ANSWER, "ch", "no_ringing_call"),
        (A.END, "", "no_current_call"),
        (A.END, "rr", "several_calls_ringing"),
        (A.HOLD, "hr", "no_connected_call"),
        (A.RESUME, "cr", "no_held_call"),
        (A.MUTE, "d", "no_connected_call"),
        (A.TRANSFER, "r", "no_connected_call"),
        (A.SEND_DIGITS, "h", "no_connected_call"),
    ],
)
def test_no_call_to_act_on(action: CallAction, states: str, key: str) -> None:
    with pytest.raises(ServiceValidationError) as err:
        applicable_call(action, calls(states), None)
    assert err.value.translation_key == key


def test_several_ringing_says_how_many() -> None:
    with pytest.raises(ServiceValidationError) as err:
        applicable_call(A.END, calls("rrr"), None)
    assert err.value.translation_placeholders == {"count": "3"}


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        (A.ANSWER, "rh"),
        (A.END, "rdch"),
        (A.HOLD, "c"),
        (A.RESUME, "h"),
        (A.MUTE, "ch"),
        (A.TRANSFER, "rch"),
        (A.SEND_DIGITS, "c"),
    ],
)
def test_named_call_must_be_in_a_state_the_action_applies_to(
    action: CallAction, allowed: str
) -> None:
    every = calls("rdch")
    for call in every:
        letter = "rdch"[int(call.interaction_id) - 1]
        if letter in allowed:
            assert applicable_call(action, every, call.interaction_id) == (
                call.interaction_id
            )
            continue
        with pytest.raises(ServiceValidationError) as err:
            applicable_call(action, every, call.interaction_id)
        assert err.value.translation_key == "call_not_actionable"
        assert err.value.translation_placeholders == {
            "interaction_id": call.interaction_id,
            "state": call.state.value,
        }


@pytest.mark.parametrize("interaction_id", ["9", "", "1 "])
def test_named_call_must_be_one_of_the_users(interaction_id: str) -> None:
    with pytest.raises(ServiceValidationError) as err:
        applicable_call(A.END, calls("c"), interaction_id)
    assert err.value.translation_key == "unknown_call"


@pytest.mark.parametrize(
    ("digits", "sent"),
    [("1", "1"), ("123*#", "123*#"), (" abcd ", "ABCD"), ("9" * 64, "9" * 64)],
)
def test_digits(digits: str, sent: str) -> None:
    assert dtmf(digits) == sent


@pytest.mark.parametrize("digits", ["", "  ", "1 2", "12E", "+1", "9" * 65, "\uff11"])
def test_bad_digits(digits: str) -> None:
    with pytest.raises(ServiceValidationError) as err:
        dtmf(digits)
    assert err.value.translation_key == "invalid_digits"
    assert not err.value.translation_placeholders  # a door code stays out of the log


@pytest.mark.parametrize(
    ("number", "dialled"),
    [
        ("114", "114"),
        (" +1 555 0100 ", "+1 555 0100"),
        ("1-800-FLOWERS", "1-800-FLOWERS"),
    ],
)
def test_dial_target(number: str, dialled: str) -> None:
    assert dial_target(number) == dialled


@pytest.mark.parametrize("number", ["", "  ", "reception", "+", "1\n2", "1" * 129])
def test_nothing_to_dial(number: str) -> None:
    with pytest.raises(ServiceValidationError) as err:
        dial_target(number)
    assert err.value.translation_key == "invalid_number"


def test_transfer_target() -> None:
    assert transfer_target(" jdoe ") == "jdoe"
    for target in ("", " ", "a\tb", "x" * 129):
        with pytest.raises(ServiceValidationError) as err:
            transfer_target(target)
        assert err.value.translation_key == "invalid_transfer_target"
