"""The interaction attributes the simulator knows beyond the state letter (§10, §12).

A queue watch names the attributes it wants, and clients written against real servers name
many (``Eic_CallState``, ``Eic_CallStateString``, ``Eic_Capabilities``, ``Eic_Muted``,
``Eic_CallId``, ...) [seen]: each one named is answered. Values are strings [doc]; how a
server words a state and lays out the capabilities is not documented, so these are
[guess]es from what vendor clients compare them with.
"""

from typing import Final

ATTR_CALL_STATE: Final = "Eic_CallState"
ATTR_STATE_TEXT: Final = "Eic_CallStateString"
ATTR_CAPABILITIES: Final = "Eic_Capabilities"
ATTR_MUTED: Final = "Eic_Muted"
ATTR_CALL_ID: Final = "Eic_CallId"
ATTR_CALL_TYPE: Final = "Eic_CallType"
ATTR_USER_NAME: Final = "Eic_UserName"
ATTR_WORKGROUP: Final = "Eic_WorkgroupName"
ATTR_TERMINATION_TIME: Final = "Eic_TerminationTime"
ATTR_CONFERENCE_ID: Final = "Eic_ConferenceId"

# What changes with the state letter.
STATE_ATTRIBUTES: Final = frozenset(
    {ATTR_CALL_STATE, ATTR_STATE_TEXT, ATTR_CAPABILITIES}
)

# [guess] Eic_CallState in words: vendor clients compare it with "Alerting" [seen].
_WORDS: Final = {
    "A": "Alerting",
    "C": "Connected",
    "H": "Held",
    "M": "Messaging",
    "O": "Offering",
    "P": "Parked",
    "R": "Proceeding",
    "S": "Dialing",
    "X": "Suspended",
    "I": "Disconnected",
    "E": "Disconnected",
}
# [guess] The text a client shows; vendor clients look for "Local Disconnect" and "Remote
# Disconnect" in it [seen].
_TEXTS: Final = _WORDS | {
    "M": "Voice Mail",
    "I": "Local Disconnect",
    "E": "Remote Disconnect",
}

# The capability bits of list A in §12 (the better bet of the two layouts).
DISCONNECT: Final = 2
HOLD: Final = 4
MESSAGING: Final = 16
MUTE: Final = 32
PARK: Final = 64
PICKUP: Final = 256
RECORD: Final = 1024
TRANSFER: Final = 4096
# [guess] What a user may do to a call in each state.
_CAPABILITIES: Final = {
    "A": PICKUP | DISCONNECT | TRANSFER | MESSAGING,
    "O": PICKUP | DISCONNECT | TRANSFER | MESSAGING,
    "C": DISCONNECT | HOLD | MUTE | TRANSFER | PARK | RECORD,
    "H": PICKUP | DISCONNECT | HOLD | MUTE | TRANSFER,
    "S": DISCONNECT | MUTE,
    "R": DISCONNECT | MUTE,
}


def state_word(letter: str) -> str:
    """Return ``Eic_CallState`` for a state letter ("" when not set or unknown)."""
    return _WORDS.get(letter, "")


def state_text(letter: str) -> str:
    """Return ``Eic_CallStateString`` for a state letter."""
    return _TEXTS.get(letter, "")


def capabilities(letter: str) -> str:
    """Return ``Eic_Capabilities`` for a state letter, as the decimal string servers send."""
    return str(_CAPABILITIES.get(letter, 0))
