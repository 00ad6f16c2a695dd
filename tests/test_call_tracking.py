"""The rules that turn the user's queue into a call state and call events.

Pure rules, fed queue contents as the queue watch reports them (docs/icws-protocol.md §10);
the tests over HTTP check that the entities follow them.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.icws_station.call_tracking import (
    CallEventType,
    CallState,
    CallSummary,
    CallTracker,
    LiveCall,
    media_type,
)
from custom_components.icws_station.icws import (
    CallDirection,
    Interaction,
    InteractionState,
)

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
E = CallEventType


def item(
    state: str,
    object_type: str = "Call",
    direction: str | None = "I",
    remote_name: str = "Ada Lovelace",
    remote_number: str = "+1 555 0100",
    initiation_time: datetime | None = None,
    connect_time: datetime | None = None,
) -> Interaction:
    """An interaction as the client reports it, from the letters and texts of the wire."""
    return Interaction(
        interaction_id="",
        state=InteractionState(state),
        object_type=object_type,
        direction=CallDirection(direction) if direction else None,
        remote_name=remote_name,
        remote_number=remote_number,
        initiation_time=initiation_time,
        connect_time=connect_time,
        attributes={},
    )


def at(interaction: Interaction, letter: str, **changes: Any) -> Interaction:
    """The same interaction in the state of ``letter``, with other ``changes``."""
    return replace(interaction, state=InteractionState(letter), **changes)


class Clock:
    """Seconds since START, one step per update."""

    def __init__(self) -> None:
        """Start at START."""
        self.now = START

    def tick(self, seconds: float = 1.0) -> datetime:
        """Advance and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock for the tracker."""
    return Clock()


@pytest.fixture
def tracker(clock: Clock) -> CallTracker:
    """A tracker with an empty queue as its baseline."""
    tracked = CallTracker()
    assert tracked.update({}, clock.now) == []
    return tracked


def play(
    tracker: CallTracker, clock: Clock, *letters: str, base: Interaction | None = None
) -> Iterator[list[CallEventType]]:
    """Move interaction "1" through ``letters`` ("-" removes it); yield each step's events."""
    base = base or item("A")
    for letter in letters:
        queue = {} if letter == "-" else {"1": at(base, letter)}
        yield [event.event_type for event in tracker.update(queue, clock.tick())]


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        # Inbound, answered, held twice, ended by either side, then removed.
        (
            "A C H C H C E -",
            [
                [E.RINGING],
                [E.ANSWERED],
                [E.HELD],
                [E.RESUMED],
                [E.HELD],
                [E.RESUMED],
                [E.ENDED],
                [],
            ],
        ),
        ("A C I", [[E.RINGING], [E.ANSWERED], [E.ENDED]]),
        # Offered, then alerting: one ringing.
        ("O A C E", [[E.RINGING], [], [E.ANSWERED], [E.ENDED]]),
        # Missed: rang and ended, or vanished, or went to voicemail and ended.
        ("A E", [[E.RINGING], [E.MISSED]]),
        ("A -", [[E.RINGING], [E.MISSED]]),
        ("A M E -", [[E.RINGING], [], [E.MISSED], []]),
        ("A M -", [[E.RINGING], [], [E.MISSED]]),
        # Answered straight into hold.
        ("A H C E", [[E.RINGING], [E.ANSWERED, E.HELD], [E.RESUMED], [E.ENDED]]),
        # Suspended and parked count as held.
        (
            "A C X C P C E",
            [
                [E.RINGING],
                [E.ANSWERED],
                [E.HELD],
                [E.RESUMED],
                [E.HELD],
                [E.RESUMED],
                [E.ENDED],
            ],
        ),
        # Unknown letters and "" change nothing.
        ("A Z C  E", [[E.RINGING], [], [E.ANSWERED], [], [E.ENDED]]),
        # Ended without a disconnected state seen: removal ends it.
        ("A C -", [[E.RINGING], [E.ANSWERED], [E.ENDED]]),
        # Appeared already ended (between two messages): missed.
        ("E -", [[E.MISSED], []]),
        # Only unknown letters: never a phase, never an event.
        ("Z -", [[], []]),
    ],
)
def test_inbound_transitions(
    tracker: CallTracker, clock: Clock, letters: str, expected: list[list[E]]
) -> None:
    """Each move of an inbound call raises the events a user expects, once."""
    steps = letters.split(" ")
    assert list(play(tracker, clock, *steps)) == expected


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        (
            "S R C H C I -",
            [[E.OUTGOING], [], [E.ANSWERED], [E.HELD], [E.RESUMED], [E.ENDED], []],
        ),
        ("S E", [[E.OUTGOING], [E.ENDED]]),  # nobody answered: ended, not missed
        ("S -", [[E.OUTGOING], [E.ENDED]]),
        ("C I", [[E.OUTGOING, E.ANSWERED], [E.ENDED]]),
    ],
)
def test_outbound_transitions(
    tracker: CallTracker, clock: Clock, letters: str, expected: list[list[E]]
) -> None:
    """A call the user places is outgoing, then answered when the far end picks up."""
    steps = letters.split(" ")
    assert list(play(tracker, clock, *steps, base=item("S", direction="O"))) == expected


def test_event_data(tracker: CallTracker, clock: Clock) -> None:
    """Events carry the call's id, direction, remote party, media type, and talk time."""
    call = item("A")
    [ringing] = tracker.update({"7": call}, clock.tick())
    assert ringing.interaction_id == "7"
    assert ringing.data() == {
        "interaction_id": "7",
        "direction": "inbound",
        "remote_name": "Ada Lovelace",
        "remote_number": "+1 555 0100",
        "media_type": "call",
    }
    tracker.update({"7": at(call, "C")}, clock.tick())
    tracker.update({"7": at(call, "H")}, clock.tick(30))
    tracker.update({"7": at(call, "C")}, clock.tick(30))
    [ended] = tracker.update({"7": at(call, "E")}, clock.tick(15.4))
    assert ended.data()["duration"] == 75
    assert "duration" not in ringing.data()

    anonymous = item("S", direction="O", remote_name="", remote_number="")
    [outgoing] = tracker.update({"8": anonymous}, clock.tick())
    assert outgoing.data() == {
        "interaction_id": "8",
        "direction": "outbound",
        "remote_name": None,
        "remote_number": None,
        "media_type": "call",
    }
    [ended] = tracker.update({}, clock.tick())
    assert ended.data()["duration"] == 0


def test_names_arriving_late(tracker: CallTracker, clock: Clock) -> None:
    """A name that comes in a later delta reaches the following events and the summary."""
    nameless = item("A", remote_name="", remote_number="")
    [ringing] = tracker.update({"1": nameless}, clock.tick())
    assert ringing.remote_name == ""
    named = at(nameless, "C", remote_name="Ada", remote_number="100")
    [answered] = tracker.update({"1": named}, clock.tick())
    assert (answered.remote_name, answered.remote_number) == ("Ada", "100")
    # A later message without the name keeps it.
    tracker.update({"1": at(nameless, "H")}, clock.tick())
    assert tracker.summary().remote_name == "Ada"


def test_baseline_raises_no_events(clock: Clock) -> None:
    """A call in progress when Home Assistant starts shows, with no event for the past."""
    tracker = CallTracker()
    connected_at = START - timedelta(minutes=3)
    in_progress = item(
        "C", initiation_time=START - timedelta(minutes=4), connect_time=connected_at
    )
    ringing = item(
        "A", remote_name="Grace", initiation_time=START - timedelta(seconds=5)
    )
    assert tracker.update({"1": in_progress, "2": ringing}, START) == []
    summary = tracker.summary()
    assert summary.state is CallState.CONNECTED
    assert summary.since == connected_at  # by the server's clock
    assert summary.calls == 2
    assert summary.ringing
    # Its end measures the talk time from the server's connect time.
    [ended] = tracker.update({"2": ringing}, START + timedelta(seconds=20))
    assert (ended.event_type, ended.duration) == (E.ENDED, 200)


def test_server_clock_ahead_is_clamped(clock: Clock) -> None:
    """A server clock ahead of ours never makes a since in the future."""
    tracker = CallTracker()
    ahead = item("C", connect_time=START + timedelta(minutes=5))
    tracker.update({"1": ahead}, START)
    assert tracker.summary().since == START


def test_resync_after_a_gap(tracker: CallTracker, clock: Clock) -> None:
    """A full queue after a lost session is compared with what was known."""
    tracker.update({"1": item("A"), "2": item("C"), "3": item("A")}, clock.tick())
    # Meanwhile: 1 was answered, 2 ended, 3 was missed, 4 rang and is ringing.
    events = tracker.update(
        {"1": item("C"), "4": item("A", remote_name="Grace")}, clock.tick()
    )
    assert [(e.interaction_id, e.event_type) for e in events] == [
        ("1", E.ANSWERED),
        ("4", E.RINGING),
        ("2", E.ENDED),
        ("3", E.MISSED),
    ]


# ---- summary ---------------------------------------------------------------------------


def summary_of(*letters: str, others: tuple[str, ...] = ()) -> CallSummary:
    """The summary over calls in the given states (ids in order) plus chats in ``others``."""
    tracker = CallTracker()
    queue = {
        str(n): item(
            letter, remote_name=f"caller {n}", direction="O" if letter in "SR" else "I"
        )
        for n, letter in enumerate(letters)
    }
    queue |= {
        f"chat{n}": item(letter, object_type="Chat") for n, letter in enumerate(others)
    }
    tracker.update(queue, START)
    return tracker.summary()


@pytest.mark.parametrize(
    ("letters", "state", "calls", "top"),
    [
        ((), CallState.IDLE, 0, None),
        (("E", "I"), CallState.IDLE, 0, None),
        (("M",), CallState.IDLE, 0, None),
        (("Z",), CallState.IDLE, 0, None),
        (("A",), CallState.RINGING, 1, "caller 0"),
        (("O", "A"), CallState.RINGING, 2, "caller 1"),  # newest of the strongest
        (("A", "H"), CallState.HELD, 2, "caller 1"),
        (("H", "S"), CallState.DIALING, 2, "caller 1"),
        (("R", "E"), CallState.DIALING, 1, "caller 0"),
        (("C", "A"), CallState.CONNECTED, 2, "caller 0"),
        (("A", "C", "H", "S"), CallState.CONNECTED, 4, "caller 1"),
    ],
)
def test_strongest_state(
    letters: tuple[str, ...], state: CallState, calls: int, top: str | None
) -> None:
    """The state is the strongest over the calls: connected > dialing > held > ringing."""
    summary = summary_of(*letters)
    assert summary.state is state
    assert summary.calls == calls
    assert summary.remote_name == top
    assert summary.interaction_id == (top and top.removeprefix("caller "))
    assert summary.on_call is (
        state in {CallState.CONNECTED, CallState.HELD, CallState.DIALING}
    )


def test_strength_order_is_documented() -> None:
    """The order the sensor documents is the order it uses."""
    assert sorted(CallState, key=lambda s: s.strength) == [
        CallState.IDLE,
        CallState.RINGING,
        CallState.HELD,
        CallState.DIALING,
        CallState.CONNECTED,
    ]


def test_ringing_while_on_a_call() -> None:
    """A call waiting rings while the state stays connected."""
    summary = summary_of("C", "A")
    assert summary.ringing
    assert summary.ringing_calls == 1
    assert summary.on_call
    assert summary.outbound is False


def test_chats_and_emails_are_not_calls() -> None:
    """Chats and e-mails never make the user ringing or on a call; they are counted."""
    summary = summary_of(others=("A", "C", "E"))
    assert summary == CallSummary(other_interactions=2)
    assert not summary.on_call
    assert not summary.ringing
    summary = summary_of("A", others=("C",))
    assert (summary.state, summary.other_interactions) == (CallState.RINGING, 1)


def test_chats_and_emails_raise_no_events(tracker: CallTracker, clock: Clock) -> None:
    """Other media are counted, never announced as calls."""
    for letter in ("A", "C", "E"):
        queue = {"1": item(letter, object_type="Email"), "2": item(letter, "Chat")}
        assert tracker.update(queue, clock.tick()) == []
    [event] = tracker.update({"3": item("A", object_type="CALL")}, clock.tick())
    assert (event.event_type, event.media_type) == (E.RINGING, "call")


def test_since_follows_the_state(tracker: CallTracker, clock: Clock) -> None:
    """``since`` is when the call that gives the state entered it."""
    tracker.update({"1": item("A")}, clock.tick())
    answered_at = clock.tick()
    tracker.update({"1": item("C")}, answered_at)
    assert tracker.summary().since == answered_at
    tracker.update({"1": item("C", remote_name="Ada L.")}, clock.tick())
    assert tracker.summary().since == answered_at
    held_at = clock.tick()
    tracker.update({"1": item("H")}, held_at)
    assert tracker.summary().since == held_at


@pytest.mark.parametrize("direction", ["O", "o", "Outbound", " outbound "])
def test_outbound_direction(tracker: CallTracker, clock: Clock, direction: str) -> None:
    """However the server spells an outbound direction, the call is outgoing [guess]."""
    [event] = tracker.update({"1": item("S", direction=direction)}, clock.tick())
    assert event.event_type is E.OUTGOING
    assert event.data()["direction"] == "outbound"


@pytest.mark.parametrize("direction", ["I", "inbound", "", "sideways", None])
def test_other_directions(
    tracker: CallTracker, clock: Clock, direction: str | None
) -> None:
    """Only an outbound direction makes an interaction outbound: a ringing call rings."""
    [event] = tracker.update({"1": item("A", direction=direction)}, clock.tick())
    assert event.event_type is E.RINGING
    assert event.data()["direction"] == "inbound"


@pytest.mark.parametrize(
    ("object_type", "expected"),
    [("Call", "call"), ("Chat", "chat"), (" Email ", "email"), ("", "unknown")],
)
def test_media_type(object_type: str, expected: str) -> None:
    """The media type is the object type in lower case."""
    assert media_type(object_type) == expected


def test_mute_shows_on_the_call_in_hand(tracker: CallTracker, clock: Clock) -> None:
    """``muted`` is the flag of the call that gives the state; a change is no event."""
    call = item("C")
    tracker.update({"1": call}, clock.tick())
    assert tracker.summary().muted is False
    assert tracker.update({"1": replace(call, muted=True)}, clock.tick()) == []
    assert tracker.summary().muted is True
    tracker.update({"1": replace(call, muted=True), "2": item("A")}, clock.tick())
    assert tracker.summary().muted is True  # still the call in hand
    tracker.update({"1": replace(call, muted=None)}, clock.tick())
    assert tracker.summary().muted is False  # unknown is not muted


def test_live_calls_oldest_first(tracker: CallTracker, clock: Clock) -> None:
    """The calls that are not over, in the order they came; no chats, no ended ones."""
    tracker.update({"5": item("A")}, clock.tick())
    tracker.update(
        {"5": item("C"), "3": item("A"), "4": item("E"), "6": item("A", "Chat")},
        clock.tick(),
    )
    tracker.update(
        {"5": item("C"), "3": item("A"), "4": item("E"), "2": item("H")},
        clock.tick(),
    )
    assert tracker.live_calls() == [
        LiveCall(interaction_id="5", state=CallState.CONNECTED, order=1),
        LiveCall(interaction_id="3", state=CallState.RINGING, order=2),
        LiveCall(interaction_id="2", state=CallState.HELD, order=5),
    ]
