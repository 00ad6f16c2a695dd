"""The session user's queue: interactions (calls, chats, e-mails) and the queue messages.

``docs/icws-protocol.md`` §10. Attribute values are strings [doc]; names are matched
case-insensitively, and unknown state letters, directions and object types are kept rather
than refused, since a newer server may send more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import logging
from typing import Any, Final, Self

from .enums import TolerantStrEnum
from .fields import (
    InvalidFieldError,
    digits,
    folded,
    is_delta,
    object_list,
    strings,
    timestamp,
)

_LOGGER = logging.getLogger(__name__)

QUEUE_CONTENTS_MESSAGE: Final = "urn:inin.com:queues:queueContentsMessage"
USER_QUEUE: Final = 1

STATE: Final = "Eic_State"
OBJECT_TYPE: Final = "Eic_ObjectType"
DIRECTION: Final = "Eic_CallDirection"
REMOTE_NAME: Final = "Eic_RemoteName"
REMOTE_ADDRESS: Final = "Eic_RemoteAddress"
INITIATION_TIME: Final = "Eic_InitiationTime"
CONNECT_TIME: Final = "Eic_ConnectTime"
# §12: mute shows only in Eic_Muted, and only when it is asked for [seen]; the capabilities
# and the state's display text come with it in vendor clients [seen].
MUTED: Final = "Eic_Muted"
CAPABILITIES: Final = "Eic_Capabilities"
STATE_TEXT: Final = "Eic_CallStateString"
DEFAULT_QUEUE_ATTRIBUTES: Final = (
    STATE,
    OBJECT_TYPE,
    DIRECTION,
    REMOTE_NAME,
    REMOTE_ADDRESS,
    INITIATION_TIME,
    CONNECT_TIME,
    MUTED,
    CAPABILITIES,
    STATE_TEXT,
)
# [guess] Eic_Muted is "1" or "0" (§12); the spellings of other flags are read too.
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_MAX_DIGITS: Final = 20


class InteractionState(TolerantStrEnum):
    """``Eic_State``: the letter of an interaction's state [doc]."""

    NONE = ""
    ALERTING = "A"
    CONNECTED = "C"
    HELD = "H"
    MESSAGING = "M"  # voicemail
    OFFERING = "O"
    PARKED = "P"
    PROCEEDING = "R"  # outbound, not yet answered
    DIALING = "S"  # dialing or initialising
    SUSPENDED = "X"
    DISCONNECTED_INTERNALLY = "I"
    DISCONNECTED_EXTERNALLY = "E"


class CallDirection(TolerantStrEnum):
    """``Eic_CallDirection`` [guess: ``I`` / ``O``; ``inbound`` / ``outbound`` match too]."""

    INBOUND = "I"
    OUTBOUND = "O"


@dataclass(frozen=True, slots=True)
class Interaction:
    """One interaction on the queue, typed from its attributes.

    ``remote_name`` and ``remote_number`` are personal data: not in ``repr``. ``muted`` is
    None when the server does not say (or says something else than a flag);
    ``capabilities`` is ``Eic_Capabilities`` as a number, whose bit layout is uncertain
    (§12): use it to enable controls at most, never for the state.
    """

    interaction_id: str
    state: InteractionState
    object_type: str
    direction: CallDirection | None
    remote_name: str | None = field(repr=False)
    remote_number: str | None = field(repr=False)
    initiation_time: datetime | None
    connect_time: datetime | None
    attributes: Mapping[str, str] = field(repr=False)
    muted: bool | None = None
    capabilities: int | None = None
    state_text: str | None = None

    @classmethod
    def from_attributes(
        cls, interaction_id: str, attributes: Mapping[str, str]
    ) -> Self:
        """Build an interaction from all the attributes the server reported for it."""
        wire = folded(attributes)
        direction = wire.get(DIRECTION.casefold())
        return cls(
            interaction_id=interaction_id,
            state=InteractionState(wire.get(STATE.casefold(), "")),
            object_type=wire.get(OBJECT_TYPE.casefold(), ""),
            direction=CallDirection(direction) if direction else None,
            remote_name=wire.get(REMOTE_NAME.casefold()) or None,
            remote_number=wire.get(REMOTE_ADDRESS.casefold()) or None,
            initiation_time=_time(wire.get(INITIATION_TIME.casefold())),
            connect_time=_time(wire.get(CONNECT_TIME.casefold())),
            attributes=dict(attributes),
            muted=_flag(wire.get(MUTED.casefold())),
            capabilities=_number(wire.get(CAPABILITIES.casefold())),
            state_text=wire.get(STATE_TEXT.casefold()) or None,
        )


def _flag(value: str | None) -> bool | None:
    """Read a flag attribute tolerantly; anything but a known spelling is unknown."""
    wanted = (value or "").strip().casefold()
    if wanted in _TRUE:
        return True
    if wanted in _FALSE:
        return False
    return None


def _number(value: str | None) -> int | None:
    """Read a decimal attribute (``Eic_Capabilities``); anything else is unknown.

    Bounded in length: a bitmask never needs more, and a huge one is no number to trust.
    """
    return digits(value or "", _MAX_DIGITS)


def _time(value: str | None) -> datetime | None:
    try:
        return timestamp(value)
    except InvalidFieldError:
        return None


@dataclass(frozen=True, slots=True)
class InteractionChange:
    """Attributes one message gives for one interaction (all when added)."""

    interaction_id: str
    attributes: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True, slots=True)
class QueueContentsMessage:
    """A ``queueContentsMessage`` of one queue subscription."""

    subscription_id: str | None
    is_delta: bool
    added: tuple[InteractionChange, ...]
    changed: tuple[InteractionChange, ...]
    removed: tuple[str, ...]
    limit_exceeded: bool = False

    def apply(self, current: Mapping[str, Interaction]) -> dict[str, Interaction]:
        """Return the queue after this message, keyed by interaction id.

        ``is_delta`` false lists what is in the queue now and replaces it (never dropped,
        unlike the vendor's own queue example); deltas merge the changed attributes.
        """
        result = dict(current) if self.is_delta else {}
        for change in self.added:
            result[change.interaction_id] = Interaction.from_attributes(
                change.interaction_id, change.attributes
            )
        for change in self.changed:
            old = result.get(change.interaction_id)
            attributes = dict(change.attributes)
            if old is not None:
                given = {name.casefold() for name in attributes}
                attributes = {
                    **{
                        name: value
                        for name, value in old.attributes.items()
                        if name.casefold() not in given
                    },
                    **attributes,
                }
            result[change.interaction_id] = Interaction.from_attributes(
                change.interaction_id, attributes
            )
        for interaction_id in self.removed:
            result.pop(interaction_id, None)
        return result


def _changes(items: object) -> tuple[InteractionChange, ...]:
    result: list[InteractionChange] = []
    for item in object_list(items):
        wire = folded(item)
        interaction_id = wire.get("interactionid")
        raw = wire.get("attributes")
        if not isinstance(interaction_id, str) or not interaction_id:
            _LOGGER.debug("Ignoring an interaction without an id")
            continue
        attributes = (
            {
                name: value
                for name, value in raw.items()
                if isinstance(name, str) and isinstance(value, str)
            }
            if isinstance(raw, dict)
            else {}
        )
        result.append(InteractionChange(interaction_id, attributes))
    return tuple(result)


def queue_contents_message(raw: Mapping[str, Any]) -> QueueContentsMessage:
    """Parse a ``queueContentsMessage``."""
    wire = folded(raw)
    subscription_id = wire.get("subscriptionid")
    removed = wire.get("interactionsremoved")
    return QueueContentsMessage(
        subscription_id=subscription_id if isinstance(subscription_id, str) else None,
        is_delta=is_delta(wire),
        added=_changes(wire.get("interactionsadded")),
        changed=_changes(wire.get("interactionschanged")),
        removed=()
        if removed is None
        else tuple(item for item in strings(removed) if item),
        limit_exceeded=wire.get("queueresultlimitexceeded") is True,
    )
