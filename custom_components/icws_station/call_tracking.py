"""What the user's queue means for the call entities: call state, and call events.

The queue watch (``docs/icws-protocol.md`` §10) reports each interaction's state (the
client's :class:`InteractionState`); this module turns the sequence of queue contents into the
strongest call state, a summary for the state attributes, the events a user automates on
(ringing, answered, held, resumed, ended, missed, outgoing), and the live calls in the order
they came, which call control picks from (``call_control.py``). It holds no Home Assistant
import and does no I/O, so every rule here is tested without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any, Final

from .icws import CallDirection, Interaction, InteractionState

CALL_OBJECT_TYPE: Final = "call"


class CallState(StrEnum):
    """The user's call state, the strongest over all their calls (``call_state`` sensor).

    Strength order, weakest first: idle, ringing, held, dialing, connected. A call the user
    is talking on beats anything else; one being placed beats one on hold (the user is busy
    with it now); a held call beats a ringing one, since the ``ringing`` binary sensor says
    that on its own and the user is already engaged on the held call.
    """

    IDLE = "idle"
    RINGING = "ringing"
    HELD = "held"
    DIALING = "dialing"
    CONNECTED = "connected"

    @property
    def strength(self) -> int:
        """Return the position in the strength order (idle 0)."""
        return _STRENGTH[self]


_STRENGTH: Final = {state: rank for rank, state in enumerate(CallState)}


class CallEventType(StrEnum):
    """Event types of the ``call`` event entity."""

    RINGING = "ringing"
    ANSWERED = "answered"
    HELD = "held"
    RESUMED = "resumed"
    ENDED = "ended"
    MISSED = "missed"
    OUTGOING = "outgoing"


class _Phase(IntEnum):
    """Where one interaction is in its life, from its state letter."""

    RINGING = 1
    DIALING = 2
    CONNECTED = 3
    HELD = 4
    VOICEMAIL = 5
    ENDED = 6


# Interaction state -> phase. [guess] Suspended and parked count as held: the call waits for
# the user. Messaging is the caller in voicemail: the user is not on that call, and one that
# rang, went to voicemail and ended is missed. (§10 suggests counting it as "on a call"; a
# busy light that turns red while someone leaves a message would be wrong.) Unknown states
# and NONE (not set) leave the phase as it was.
_PHASES: Final[Mapping[InteractionState, _Phase]] = {
    InteractionState.MESSAGING: _Phase.VOICEMAIL,
    InteractionState.ALERTING: _Phase.RINGING,
    InteractionState.OFFERING: _Phase.RINGING,
    InteractionState.DIALING: _Phase.DIALING,
    InteractionState.PROCEEDING: _Phase.DIALING,
    InteractionState.CONNECTED: _Phase.CONNECTED,
    InteractionState.HELD: _Phase.HELD,
    InteractionState.SUSPENDED: _Phase.HELD,
    InteractionState.PARKED: _Phase.HELD,
    InteractionState.DISCONNECTED_INTERNALLY: _Phase.ENDED,
    InteractionState.DISCONNECTED_EXTERNALLY: _Phase.ENDED,
}

_CALL_STATES: Final[Mapping[_Phase | None, CallState]] = {
    _Phase.RINGING: CallState.RINGING,
    _Phase.DIALING: CallState.DIALING,
    _Phase.CONNECTED: CallState.CONNECTED,
    _Phase.HELD: CallState.HELD,
}

_ANSWERED: Final = frozenset({_Phase.CONNECTED, _Phase.HELD})


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent:
    """One event of the ``call`` event entity; ``duration`` (seconds) only on ``ended``.

    ``media_type`` is the interaction's object type in lower case; only calls raise events.
    ``interaction_id`` names the call, for an action on it (``icws_station.end_call``).
    """

    event_type: CallEventType
    interaction_id: str
    media_type: str
    outbound: bool
    remote_name: str
    remote_number: str
    duration: int | None = None

    def data(self) -> dict[str, Any]:
        """Return the event data (personal: the user's own entity only)."""
        data: dict[str, Any] = {
            "interaction_id": self.interaction_id,
            "direction": "outbound" if self.outbound else "inbound",
            "remote_name": self.remote_name or None,
            "remote_number": self.remote_number or None,
            "media_type": self.media_type,
        }
        if self.duration is not None:
            data["duration"] = self.duration
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class CallSummary:
    """The user's calls at one moment, for the call entities' states and attributes.

    ``interaction_id``, ``direction``, ``remote_name``, ``remote_number``, ``since`` and
    ``muted`` describe the call that gives the state (the newest of the strongest);
    ``other_interactions`` counts live chats, e-mails and other non-call interactions,
    which never make the user "on a call".
    """

    state: CallState = CallState.IDLE
    interaction_id: str | None = None
    muted: bool = False
    calls: int = 0
    ringing_calls: int = 0
    outbound: bool | None = None
    remote_name: str | None = None
    remote_number: str | None = None
    since: datetime | None = None
    other_interactions: int = 0

    @property
    def ringing(self) -> bool:
        """Return whether a call rings (even while another is up)."""
        return self.ringing_calls > 0

    @property
    def on_call(self) -> bool:
        """Return whether a call is connected, held or being placed."""
        return self.state in {CallState.CONNECTED, CallState.HELD, CallState.DIALING}


def media_type(object_type: str) -> str:
    """Return the event's media type: the object type in lower case ("call", "chat")."""
    return object_type.strip().casefold() or "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCall:
    """One of the user's calls that is not over, as call control chooses among them.

    ``order`` grows with each call first seen: the oldest call has the lowest.
    """

    interaction_id: str
    state: CallState
    order: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _Seen:
    """What the tracker remembers of one interaction."""

    phase: _Phase | None
    since: datetime
    answered: bool
    connected_at: datetime | None
    media_type: str
    outbound: bool
    remote_name: str
    remote_number: str
    order: int
    muted: bool = False


class CallTracker:
    """Follows the user's queue and derives the call events from its changes.

    Feed it the whole queue after every queue message (:meth:`update`). The first update
    is the baseline: what is on the queue then (a call in progress when Home Assistant
    starts) raises no event. Later full messages (after a lost session or stream) are
    compared with what was known, so a call that ended meanwhile still ends, or is missed.
    """

    def __init__(self) -> None:
        """Start without a baseline."""
        self._seen: dict[str, _Seen] | None = None
        self._order = 0

    def update(
        self, queue: Mapping[str, Interaction], now: datetime
    ) -> list[CallEvent]:
        """Take the queue as it is now; return the events since the last update, in order."""
        baseline = self._seen is None
        before = self._seen or {}
        after: dict[str, _Seen] = {}
        events: list[CallEvent] = []
        for interaction_id, interaction in queue.items():
            previous = before.get(interaction_id)
            seen, happened = self._follow(interaction_id, interaction, previous, now)
            after[interaction_id] = seen
            if not baseline:
                events += happened
        for interaction_id, previous in before.items():
            if interaction_id not in after and previous.phase not in {
                None,
                _Phase.ENDED,
            }:
                events.append(_ended(interaction_id, previous, now))
        self._seen = after
        # Chats, e-mails and other media are counted in the summary only: a "call" event
        # for an e-mail would set off a busy light.
        return [event for event in events if event.media_type == CALL_OBJECT_TYPE]

    def _follow(
        self,
        interaction_id: str,
        interaction: Interaction,
        previous: _Seen | None,
        now: datetime,
    ) -> tuple[_Seen, list[CallEvent]]:
        phase = _PHASES.get(interaction.state)
        if previous is None:
            self._order += 1
            previous = _Seen(
                phase=None,
                since=now,
                answered=False,
                connected_at=None,
                media_type=media_type(interaction.object_type),
                outbound=interaction.direction is CallDirection.OUTBOUND,
                remote_name=interaction.remote_name or "",
                remote_number=interaction.remote_number or "",
                order=self._order,
                muted=interaction.muted is True,
            )
            first = True
        else:
            first = False
            # Names may arrive after the interaction (a delta with only the name).
            previous = replace(
                previous,
                remote_name=interaction.remote_name or previous.remote_name,
                remote_number=interaction.remote_number or previous.remote_number,
                muted=interaction.muted is True,
            )
        if phase is None or phase is previous.phase:
            return previous, []
        since = now
        if first:
            # Already under way when first seen: the server's clock knows better.
            server_time = (
                interaction.connect_time
                if phase in _ANSWERED
                else interaction.initiation_time
            )
            since = min(server_time or now, now)
        seen = replace(previous, phase=phase, since=since)
        events = _transition(interaction_id, previous, phase, first=first, now=now)
        if phase in _ANSWERED and not previous.answered:
            seen = replace(seen, answered=True, connected_at=since)
        return seen, events

    def live_calls(self) -> list[LiveCall]:
        """Return the calls of the last update that are not over, oldest first."""
        return sorted(
            (
                LiveCall(interaction_id=interaction_id, state=state, order=seen.order)
                for interaction_id, seen in (self._seen or {}).items()
                if seen.media_type == CALL_OBJECT_TYPE
                and (state := _CALL_STATES.get(seen.phase)) is not None
            ),
            key=lambda call: call.order,
        )

    def summary(self) -> CallSummary:
        """Return the call state over the interactions of the last update."""
        live = [
            (state, interaction_id, seen)
            for interaction_id, seen in (self._seen or {}).items()
            if (state := _CALL_STATES.get(seen.phase)) is not None
        ]
        calls = [item for item in live if item[2].media_type == CALL_OBJECT_TYPE]
        others = len(live) - len(calls)
        if not calls:
            return CallSummary(other_interactions=others)
        state, interaction_id, top = max(
            calls, key=lambda item: (item[0].strength, item[2].order)
        )
        return CallSummary(
            state=state,
            interaction_id=interaction_id,
            muted=top.muted,
            calls=len(calls),
            outbound=top.outbound,
            remote_name=top.remote_name or None,
            remote_number=top.remote_number or None,
            since=top.since,
            other_interactions=others,
            ringing_calls=sum(1 for s, _, _ in calls if s is CallState.RINGING),
        )


def _event(
    event_type: CallEventType,
    interaction_id: str,
    seen: _Seen,
    duration: int | None = None,
) -> CallEvent:
    return CallEvent(
        event_type=event_type,
        interaction_id=interaction_id,
        media_type=seen.media_type,
        outbound=seen.outbound,
        remote_name=seen.remote_name,
        remote_number=seen.remote_number,
        duration=duration,
    )


def _ended(interaction_id: str, seen: _Seen, now: datetime) -> CallEvent:
    """End an interaction: ended (with its talk time) if it was ever answered, else missed.

    An outbound call nobody answered ends with no talk time rather than being missed.
    """
    if seen.answered and seen.connected_at is not None:
        duration = max(0, round((now - seen.connected_at).total_seconds()))
        return _event(CallEventType.ENDED, interaction_id, seen, duration)
    if seen.outbound:
        return _event(CallEventType.ENDED, interaction_id, seen, 0)
    return _event(CallEventType.MISSED, interaction_id, seen)


def _transition(
    interaction_id: str, previous: _Seen, phase: _Phase, *, first: bool, now: datetime
) -> list[CallEvent]:
    """Return the events of one interaction's move from ``previous.phase`` to ``phase``."""
    events: list[CallEvent] = []
    if first:
        if previous.outbound:
            events.append(_event(CallEventType.OUTGOING, interaction_id, previous))
        elif phase is _Phase.RINGING:
            events.append(_event(CallEventType.RINGING, interaction_id, previous))
    if phase is _Phase.ENDED:
        events.append(_ended(interaction_id, previous, now))
        return events
    if phase in _ANSWERED and not previous.answered:
        events.append(_event(CallEventType.ANSWERED, interaction_id, previous))
        if phase is _Phase.HELD:
            events.append(_event(CallEventType.HELD, interaction_id, previous))
        return events
    if phase is _Phase.HELD and previous.phase is _Phase.CONNECTED:
        events.append(_event(CallEventType.HELD, interaction_id, previous))
    elif phase is _Phase.CONNECTED and previous.phase is _Phase.HELD:
        events.append(_event(CallEventType.RESUMED, interaction_id, previous))
    return events
