"""Rules of the call actions, ``dial`` and the call buttons, and what each must do.

In a settled world (the step before left no fault running, so every entity showed the
servers' truth) the model knows what an action applies to, by the README's rules ("Acting
on calls"): the call named by ``interaction_id`` if it is one of the user's live calls in
a state the action applies to, or without it the call a person would mean. The action must
then do exactly that, with one request: the server's call moves as asked and no other call
changes; ``dial`` places a new outbound call. When nothing applies, it must refuse with a
``ServiceValidationError`` and send nothing. Bad input (digits that are not touch-tone, a
transfer target or a number that is empty or not printable, the other user's call, an id
nobody has) is refused and sends nothing, whatever the world is doing. And in any world an
action never touches a call of another user.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar, Final, Literal, override

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_ENTITY_ID
from homeassistant.exceptions import ServiceValidationError

from custom_components.icws_station.const import DOMAIN
from icws_simulator.calls import CallCenter, SimInteraction

from .changes import MAX_CALLS
from .steps import InvariantError, Rule, pick_entry, rule
from .truth import CALL_STATE, STRENGTH
from .world import Answer, EntryModel, World

# The call states each action applies to, for a call named by its id (README, "Acting on
# calls"; docs/icws-protocol.md §12): answering also takes a held call back.
APPLIES_TO: Final = {
    "answer_call": frozenset({"ringing", "held"}),
    "end_call": frozenset({"ringing", "dialing", "connected", "held"}),
    "hold_call": frozenset({"connected"}),
    "resume_call": frozenset({"held"}),
    "mute_call": frozenset({"connected", "held"}),
    "transfer_call": frozenset({"connected", "held", "ringing"}),
    "send_digits": frozenset({"connected"}),
}
NEW: Final = "new"  # what dial acts on
NOBODYS_CALL: Final = "1000000000"  # no server gives it (theirs count from 1001000001)
DIGITS: Final = ("1", "123#", "*9", "a", "0000")
BAD_DIGITS: Final = ("", "   ", "12x", "1 2", "9" * 65)
TARGETS: Final = ("+13175550199", "4321", "bwayne")
BAD_TARGETS: Final = ("", "   ", "12\n34", "x" * 129)
BAD_NUMBERS: Final = ("", "   ", "call me", "\x07 12")

# What the model expects of a step: the action works on the call it names (or a new one),
# refuses before sending anything, does nothing (an unavailable button), or, while a fault
# runs, anything but touching another user's call.
type Expectation = Literal["work", "refuse", "nothing", "unknown"]
type Snapshot = dict[tuple[str, str], tuple[str, str, bool, str]]


def live_calls(world: World, model: EntryModel) -> list[tuple[str, str]]:
    """The user's live calls on the entry's server, oldest first: (id, call state)."""
    return [
        (interaction.interaction_id, CALL_STATE[interaction.state])
        for interaction in own_interactions(world, model)
        if interaction.state in CALL_STATE
    ]


def own_interactions(world: World, model: EntryModel) -> list[SimInteraction]:
    """The calls on the user's queue on the entry's server, ended ones too."""
    return [
        interaction
        for interaction in world.server_of(model).calls.queue(model.user.user_id)
        if interaction.object_type == "Call"
    ]


def meant(service: str, calls: list[tuple[str, str]]) -> str | None:
    """The call an action without ``interaction_id`` applies to (None: none).

    Answer: the oldest ringing call. End: the call in hand (connected before dialling
    before held, the newest of them), else the only ringing one. The others: the newest
    call in the state they act on.
    """
    if service == "answer_call":
        return next((iid for iid, state in calls if state == "ringing"), None)
    if service == "end_call":
        in_hand = [
            (STRENGTH.index(state), order, iid)
            for order, (iid, state) in enumerate(calls)
            if state != "ringing"
        ]
        if in_hand:
            return max(in_hand)[2]
        ringing = [iid for iid, state in calls if state == "ringing"]
        return ringing[0] if len(ringing) == 1 else None
    wanted = "held" if service == "resume_call" else "connected"
    return next((iid for iid, state in reversed(calls) if state == wanted), None)


def applicable(
    service: str, calls: list[tuple[str, str]], interaction_id: str | None
) -> str | None:
    """The call the action applies to, named or meant (None: it must refuse)."""
    if interaction_id is None:
        return meant(service, calls)
    state = dict(calls).get(interaction_id)
    return interaction_id if state in APPLIES_TO[service] else None


def snapshot(world: World) -> Snapshot:
    """Every interaction on either server: its state, digits sent, mute, and user."""
    return {
        (name, interaction.interaction_id): (
            interaction.state,
            interaction.digits,
            interaction.muted,
            interaction.user_id.casefold(),
        )
        for name, server in world.servers.items()
        for interaction in server.calls.interactions.values()
    }


def untouched(
    before: Snapshot, after: Snapshot, where: str, spared: frozenset[str]
) -> None:
    """No interaction changed or went but those of the users in ``spared`` (folded)."""
    for key, was in before.items():
        if was[3] not in spared and after.get(key) != was:
            raise InvariantError(
                "call acted on",
                f"{where} changed call {key[1]} of {was[3]}: {was} -> {after.get(key)}",
            )


class CallRule(Rule):
    """An action on the user's calls (or a press of a call button), checked.

    ``draw_data`` returns the action's data (None: not now), ``fields`` its fields besides
    the call; ``bad`` says whether it is bad input; ``done`` whether the server's call is
    as the action leaves it.
    """

    service: ClassVar[str]
    weight = 1
    # An unavailable entity's press is skipped by Home Assistant without an error.
    skips_unavailable: ClassVar[bool] = False

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = pick_entry(world, rng)
        data = cls.draw_data(world, world.entries[index], rng)
        return None if data is None else {"entry": index, "data": data}

    @classmethod
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        """The call: its default (none named), one it applies to, or any of the user's."""
        data = cls.fields(rng)
        calls = live_calls(world, model)
        if not calls and rng.random() < 0.7:
            return None  # mostly when there is a call to act on
        fitting = [iid for iid, state in calls if state in APPLIES_TO[cls.service]]
        draw = rng.random()
        if fitting and draw < 0.4:
            data["interaction_id"] = rng.choice(fitting)
        elif draw > 0.7 and (own := own_interactions(world, model)):
            data["interaction_id"] = rng.choice(own).interaction_id
        return data

    @classmethod
    def fields(cls, rng: random.Random) -> dict[str, Any]:
        """The action's data besides the call."""
        return {}

    @classmethod
    def bad(cls, data: dict[str, Any]) -> bool:
        """Whether the data is refused whatever the calls are."""
        return False

    @classmethod
    async def act(cls, world: World, model: EntryModel, data: dict[str, Any]) -> Answer:
        """Call the action as a user would."""
        return await world.answer(
            DOMAIN, cls.service, {ATTR_CONFIG_ENTRY_ID: model.entry.entry_id, **data}
        )

    @classmethod
    def expect(
        cls, world: World, model: EntryModel, args: dict[str, Any]
    ) -> tuple[Expectation, str | None]:
        """What the step must do, and the call it must act on (``NEW``: a new one)."""
        data = args["data"]
        if args.get("bad") or cls.bad(data):
            return "refuse", None
        if world.faulty:
            return "unknown", None
        if model.stopped:
            return "nothing", None
        target = cls.target(world, model, data)
        return ("refuse", None) if target is None else ("work", target)

    @classmethod
    def target(
        cls, world: World, model: EntryModel, data: dict[str, Any]
    ) -> str | None:
        """The call the action applies to in a settled world (None: none)."""
        return applicable(
            cls.service, live_calls(world, model), data.get("interaction_id")
        )

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        data = args["data"]
        expectation, target = cls.expect(world, model, args)
        # Refused before the session is asked: bad input, or (live) nothing to act on.
        translated = cls.bad(data) or not (world.faulty or model.stopped)
        before = snapshot(world)
        mark = world.mark()
        answer = await cls.act(world, model, data)
        sent = world.call_requests(mark)
        after = snapshot(world)
        where = f"{cls.service} of {model.user.user_id} with {data}"
        error = answer.error
        world.stats.outcomes[f"call action: {expectation}"] += 1
        if expectation == "unknown":
            untouched(before, after, where, frozenset({model.user.user_id.casefold()}))
            return
        if expectation == "work":
            if error is not None:
                raise InvariantError("call action", f"{where} failed: {error!r}")
            if len(sent) != 1:
                raise InvariantError("call action", f"{where} sent {sent}")
            before.pop((model.server, target or ""), None)
            untouched(before, after, where, frozenset())
            cls.check(world, model, data, target, answer, where)
            return
        untouched(before, after, where, frozenset())
        if sent:
            raise InvariantError("bad input", f"{where} sent {sent}")
        if expectation == "nothing":
            if error is None and not cls.skips_unavailable:
                raise InvariantError("call action", f"{where} worked without a session")
            return
        if error is None:
            raise InvariantError("bad input", f"{where} did not refuse")
        if translated and not isinstance(error, ServiceValidationError):
            raise InvariantError("bad input", f"{where} refused with {error!r}")

    @classmethod
    def check(
        cls,
        world: World,
        model: EntryModel,
        data: dict[str, Any],
        target: str | None,
        answer: Answer,
        where: str,
    ) -> None:
        """The server's call is as the action leaves it."""
        assert target is not None
        calls = world.server_of(model).calls
        interaction = calls.interactions.get(target)
        if not cls.done(calls, target, interaction, data):
            shown = (
                None
                if interaction is None
                else (interaction.state, interaction.muted, interaction.digits)
            )
            raise InvariantError("call action", f"{where}: call {target} is {shown}")

    @classmethod
    def done(
        cls,
        calls: CallCenter,
        target: str,
        interaction: SimInteraction | None,
        data: dict[str, Any],
    ) -> bool:
        """Whether the call is as the action leaves it."""
        raise NotImplementedError


class MovingRule(CallRule):
    """An action that moves the call to another state."""

    moves_to: ClassVar[str]  # the Eic_State letter it leaves the call in

    @classmethod
    @override
    def done(
        cls,
        calls: CallCenter,
        target: str,
        interaction: SimInteraction | None,
        data: dict[str, Any],
    ) -> bool:
        return interaction is not None and interaction.state == cls.moves_to


@rule
class AnswerCall(MovingRule):
    """``icws_station.answer_call``: a ringing call connects, a held one comes back."""

    name = service = "answer_call"
    weight = 2
    moves_to = "C"


@rule
class EndCall(MovingRule):
    """``icws_station.end_call``: the user hangs up."""

    name = service = "end_call"
    weight = 2
    moves_to = "I"


@rule
class HoldCall(MovingRule):
    """``icws_station.hold_call``."""

    name = service = "hold_call"
    moves_to = "H"


@rule
class ResumeCall(MovingRule):
    """``icws_station.resume_call``."""

    name = service = "resume_call"
    moves_to = "C"


@rule
class MuteCall(CallRule):
    """``icws_station.mute_call``: mute (the default) or unmute."""

    name = service = "mute_call"

    @classmethod
    @override
    def fields(cls, rng: random.Random) -> dict[str, Any]:
        choice = rng.choice((None, True, False))
        return {} if choice is None else {"mute": choice}

    @classmethod
    @override
    def done(
        cls,
        calls: CallCenter,
        target: str,
        interaction: SimInteraction | None,
        data: dict[str, Any],
    ) -> bool:
        return interaction is not None and interaction.muted == data.get("mute", True)


@rule
class TransferCall(CallRule):
    """``icws_station.transfer_call``: blind, the call leaves the user."""

    name = service = "transfer_call"

    @classmethod
    @override
    def fields(cls, rng: random.Random) -> dict[str, Any]:
        return {"target": rng.choice(TARGETS)}

    @classmethod
    @override
    def bad(cls, data: dict[str, Any]) -> bool:
        return data["target"] in BAD_TARGETS

    @classmethod
    @override
    def done(
        cls,
        calls: CallCenter,
        target: str,
        interaction: SimInteraction | None,
        data: dict[str, Any],
    ) -> bool:
        return (
            interaction is None and data["target"].strip() in calls.transfers.values()
        )


@rule
class SendDigits(CallRule):
    """``icws_station.send_digits``: touch-tones on the connected call."""

    name = service = "send_digits"

    @classmethod
    @override
    def fields(cls, rng: random.Random) -> dict[str, Any]:
        return {"digits": rng.choice(DIGITS)}

    @classmethod
    @override
    def bad(cls, data: dict[str, Any]) -> bool:
        return data["digits"] in BAD_DIGITS

    @classmethod
    @override
    def done(
        cls,
        calls: CallCenter,
        target: str,
        interaction: SimInteraction | None,
        data: dict[str, Any],
    ) -> bool:
        return interaction is not None and interaction.digits.endswith(
            data["digits"].strip().upper()
        )


@rule
class Dial(CallRule):
    """``icws_station.dial``: a new outbound call the server places; it answers its id."""

    name = service = "dial"
    weight = 2

    @classmethod
    @override
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        if len(world.live_calls()) >= MAX_CALLS:
            return None
        world.numbers += 1
        data: dict[str, Any] = {"number": f"+1 317 556 {world.numbers:04d}"}
        if rng.random() < 0.3:
            data["workgroup"] = "Support"
        return data

    @classmethod
    @override
    def bad(cls, data: dict[str, Any]) -> bool:
        return data["number"] in BAD_NUMBERS

    @classmethod
    @override
    def target(
        cls, world: World, model: EntryModel, data: dict[str, Any]
    ) -> str | None:
        return NEW

    @classmethod
    @override
    def check(
        cls,
        world: World,
        model: EntryModel,
        data: dict[str, Any],
        target: str | None,
        answer: Answer,
        where: str,
    ) -> None:
        """The response names the new call: the user's, outbound, dialling the number."""
        response = answer.response or {}
        placed = world.server_of(model).calls.interactions.get(
            str(response.get("interaction_id"))
        )
        if (
            placed is None
            or placed.user_id.casefold() != model.user.user_id.casefold()
            or placed.direction != "O"
            or placed.state != "S"
            or placed.remote_number != data["number"].strip()
            or placed.workgroup != data.get("workgroup", "")
        ):
            raise InvariantError("call action", f"{where} answered {response}")

    @classmethod
    @override
    async def act(cls, world: World, model: EntryModel, data: dict[str, Any]) -> Answer:
        return await world.answer(
            DOMAIN,
            cls.service,
            {ATTR_CONFIG_ENTRY_ID: model.entry.entry_id, **data},
            response=True,
        )


class PressButton(CallRule):
    """A press of a call button: its action on the call a person would mean."""

    weight = 1
    skips_unavailable = True

    @classmethod
    @override
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        return {}

    @classmethod
    @override
    async def act(cls, world: World, model: EntryModel, data: dict[str, Any]) -> Answer:
        return await world.answer(
            "button", "press", {ATTR_ENTITY_ID: model.entities["button", cls.service]}
        )


@rule
class PressAnswer(PressButton, AnswerCall):
    """The **Answer call** button."""

    name = "press_answer_call"


@rule
class PressEnd(PressButton, EndCall):
    """The **End call** button."""

    name = "press_end_call"


ACTIONS: Final[dict[str, type[CallRule]]] = {
    rule_class.service: rule_class
    for rule_class in (
        AnswerCall,
        EndCall,
        HoldCall,
        ResumeCall,
        MuteCall,
        TransferCall,
        SendDigits,
        Dial,
    )
}


@rule
class BadCallInput(Rule):
    """A call action or dial with bad input: it must refuse, and send nothing.

    Digits that are not touch-tones, an empty or unprintable transfer target or number,
    a call of the other entry's user, an id no server gave.
    """

    name = "bad_call_input"
    weight = 2

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = pick_entry(world, rng)
        model = world.entries[index]
        service = rng.choice(sorted(ACTIONS))
        action = ACTIONS[service]
        if service == "dial":
            data: dict[str, Any] = {"number": rng.choice(BAD_NUMBERS)}
        elif service == "send_digits" and rng.random() < 0.6:
            data = {"digits": rng.choice(BAD_DIGITS)}
        elif service == "transfer_call" and rng.random() < 0.6:
            data = {"target": rng.choice(BAD_TARGETS)}
        else:
            data = action.fields(rng)
            data["interaction_id"] = cls.foreign_call(world, model, rng)
        return {"entry": index, "service": service, "data": data, "bad": True}

    @staticmethod
    def foreign_call(world: World, model: EntryModel, rng: random.Random) -> str:
        """A call of another user's (never an id the user's own calls ever had)."""
        own = {c.interaction_id for c in world.calls.values() if c.entry == model.index}
        theirs = sorted(
            call.interaction_id
            for call in world.live_calls()
            if call.entry != model.index and call.interaction_id not in own
        )
        return rng.choice(theirs) if theirs and rng.random() < 0.8 else NOBODYS_CALL

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        await ACTIONS[args["service"]].run(world, args)
