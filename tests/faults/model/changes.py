"""Rules of what changes on the servers: stations, statuses, calls, queues, voicemail.

Statuses and access lists of the users and their colleagues, calls, the workgroups' queues
and statistics, activations, voicemail counts. They act on the simulators' concerns
(``server.calls``, ``server.status``, ...) directly.
"""

from __future__ import annotations

import random
from typing import Any, Final, override

from icws_simulator.voicemail import STATE_FAULTED, STATE_NORMAL, STATE_SUSPENDED
from tests.conftest import SIP_PASSWORDS

from .steps import Rule, pick_entry, rule
from .truth import WALLBOARD
from .world import (
    DIRECTORY,
    OTHERS,
    PARTNER,
    PRIMARY,
    STATUS_IDS,
    USERS,
    WORKGROUPS,
    CallModel,
    World,
)

SERVERS: Final = (PRIMARY, PRIMARY, PARTNER)  # mostly where the entries are
# Calls up at once: enough for two of one user (which call an action means), few enough
# that quiet moments (for a switchover) come.
MAX_CALLS: Final = 3


@rule
class UpdateStation(Rule):
    """A directory station changes (an administrator), on either server."""

    name = "update_station"
    weight = 4

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        changes: dict[str, Any] = {}
        for _ in range(rng.randint(1, 2)):
            match rng.randrange(4):
                case 0:
                    changes["extension"] = str(rng.randint(100, 9999))
                case 1:
                    changes["can_be_dialed"] = rng.random() < 0.5
                case 2:
                    changes["ring_always"] = rng.random() < 0.5
                case _:
                    changes["sip_user"] = f"user-{rng.randint(1, 99)}"
        return {
            "server": rng.choice((PRIMARY, PRIMARY, PARTNER)),
            "station": rng.choice(tuple(SIP_PASSWORDS)),
            "changes": changes,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].stations.change(
            args["station"], **args["changes"]
        )


@rule
class SetUserStatus(Rule):
    """A user's status changes elsewhere (the desktop client, the ACD).

    An entry's user (maybe the other entry's colleague), or a colleague who never logs in.
    """

    name = "server_status"
    weight = 5

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {
            "server": rng.choice(SERVERS),
            "user": rng.choice(DIRECTORY).user_id,
            "status": rng.choice(STATUS_IDS),
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].status.set_user_status(
            args["user"], args["status"]
        )


@rule
class OnPhone(Rule):
    """A colleague who never logs in here picks up the phone, or puts it down.

    The entries' users are on the phone by their calls alone.
    """

    name = "colleague_phone"
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {
            "server": rng.choice(SERVERS),
            "user": rng.choice(OTHERS).user_id,
            "on_phone": rng.random() < 0.5,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].status.set_on_phone(
            args["user"], args["on_phone"]
        )


@rule
class LoggedIn(Rule):
    """CIC counts the user as logged in, or not, anywhere."""

    name = "logged_in"
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {
            "server": rng.choice((PRIMARY, PARTNER)),
            "user": rng.choice(DIRECTORY).user_id,
            "logged_in": rng.random() < 0.6,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].status.set_logged_in(
            args["user"], args["logged_in"]
        )


@rule
class Access(Rule):
    """An administrator grants or revokes a status of the user's access list."""

    name = "access"
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {
            "server": rng.choice((PRIMARY, PARTNER)),
            "user": rng.choice(USERS).user_id,
            "status": rng.choice(STATUS_IDS[:-1]),
            "grant": rng.random() < 0.5,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        status = world.servers[args["server"]].status
        if args["grant"]:
            status.grant_access(args["user"], args["status"])
        else:
            status.revoke_access(args["user"], args["status"])


@rule
class Ring(Rule):
    """A call rings for the entry's user, or the user places one, on the entry's server."""

    name = "call"
    weight = 4

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        # Few calls at a time, so that quiet moments (for a switchover) come.
        if len(world.live_calls()) >= MAX_CALLS:
            return None
        world.numbers += 1
        return {
            "entry": pick_entry(world, rng),
            "outbound": rng.random() < 0.25,
            "number": f"+1317555{world.numbers:04d}",
        }

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return args["number"] not in world.calls

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        server = world.server_of(model)
        number = args["number"]
        name = f"Caller {number[-4:]}"
        if args["outbound"]:
            interaction = server.calls.place_call(model.user.user_id, number, name)
        else:
            interaction = server.calls.ring(model.user.user_id, name, number)
        world.calls[number] = CallModel(
            number,
            model.index,
            model.server,
            interaction,
            args["outbound"],
            world.step,
        )
        world.stats.calls += 1


_MOVES: Final = {
    "answer": "AOSR",
    "proceed": "S",
    "hold": "C",
    "resume": "H",
    "disconnect": "AOSRCH",
    "remove": "IE",
    "vanish": "AOSRCH",  # hung up and off the queue at once
}


@rule
class CallChange(Rule):
    """A call moves on: answered, on hold, resumed, hung up, or off the queue."""

    name = "call_change"
    weight = 6

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        calls = world.live_calls()
        if not calls:
            return None
        call = rng.choice(calls)
        state = world.call_state(call) or ""
        moves = [move for move, states in _MOVES.items() if state in states]
        move = rng.choice(moves)
        args: dict[str, Any] = {"number": call.number, "move": move}
        if move == "disconnect":
            args["by"] = rng.choice(("remote", "local"))
        return args

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        call = world.calls.get(args["number"])
        state = None if call is None else world.call_state(call)
        return state is not None and state in _MOVES[args["move"]]

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        call = world.calls[args["number"]]
        calls = world.servers[call.server].calls
        match args["move"]:
            case "answer":
                calls.answer(call.interaction_id)
            case "proceed":
                calls.proceed(call.interaction_id)
            case "hold":
                calls.hold(call.interaction_id)
            case "resume":
                calls.resume(call.interaction_id)
            case "disconnect":
                calls.disconnect(call.interaction_id, by=args["by"])
            case "vanish":
                calls.disconnect(call.interaction_id)
                calls.remove(call.interaction_id)
            case _:
                calls.remove(call.interaction_id)


_QUEUE_MOVES: Final = ("arrive", "answer", "abandon", "hold", "resume", "complete")
_ERRORS: Final = (2, 3, 99)  # unknown key, too busy, other


@rule
class StatisticMove(Rule):
    """A workgroup's queue moves (callers, agents), or a statistic fails or recovers."""

    name = "statistic"
    weight = 3

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        args: dict[str, Any] = {
            "server": rng.choice(SERVERS),
            "workgroup": rng.choice(WORKGROUPS),
        }
        kind = rng.choices(("calls", "agents", "error", "reset"), (6, 2, 1, 1))[0]
        args["kind"] = kind
        if kind == "calls":
            args["move"] = rng.choice(_QUEUE_MOVES)
            args["count"] = rng.randint(1, 2)
        elif kind == "agents":
            logged_in = rng.randint(0, 6)
            args["agents"] = {
                "agents_logged_in": logged_in,
                "agents_available": rng.randint(0, logged_in),
                "agents_activated": rng.randint(0, logged_in),
            }
        elif kind == "error":
            statistic = WALLBOARD[rng.choice(sorted(WALLBOARD))]
            args["statistic"] = f"inin.workgroup:{statistic.identifier}"
            args["code"] = rng.choice(_ERRORS)
        return args

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        statistics = world.servers[args["server"]].statistics
        workgroup = args["workgroup"]
        match args["kind"]:
            case "calls":
                statistics.calls(workgroup, args["move"], args["count"])
            case "agents":
                statistics.change(workgroup, **args["agents"])
            case "error":
                statistics.set_error(workgroup, args["statistic"], args["code"])
            case _:
                statistics.reset(workgroup)


@rule
class ActivationFlip(Rule):
    """A supervisor activates a member in a workgroup, or deactivates them."""

    name = "activation"
    weight = 2

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        server = rng.choice(SERVERS)
        user = rng.choice(DIRECTORY).user_id
        member_of = sorted(world.servers[server].workgroups.activations(user))
        if not member_of:
            return None
        return {
            "server": server,
            "user": user,
            "workgroup": rng.choice(member_of),
            "activated": rng.random() < 0.5,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].workgroups.set_member(
            args["workgroup"], args["user"], args["activated"]
        )


@rule
class VoicemailCount(Rule):
    """A caller leaves a voicemail, or the user listens to some."""

    name = "voicemail"
    weight = 2

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {
            "server": rng.choice(SERVERS),
            "user": rng.choice(USERS).user_id,
            "count": rng.choice((0, 0, 1, 2, 5)),
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].voicemail.set_count(args["user"], args["count"])


@rule
class VoicemailState(Rule):
    """The message store stops counting for a while (suspended, faulted), or counts again."""

    name = "voicemail_state"
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        server = rng.choice(SERVERS)
        normal = world.servers[server].voicemail.state == STATE_NORMAL
        return {
            "server": server,
            "state": rng.choice((STATE_SUSPENDED, STATE_FAULTED))
            if normal
            else STATE_NORMAL,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].voicemail.set_state(args["state"])
