"""Rules of what changes on the servers: stations, statuses, access lists and calls."""

from __future__ import annotations

import random
from typing import Any, Final, override

from tests.conftest import SIP_PASSWORDS

from .steps import Rule, pick_entry, rule
from .world import PARTNER, PRIMARY, STATUS_IDS, USERS, CallModel, World


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
    """The user's status changes elsewhere (the desktop client, the ACD)."""

    name = "server_status"
    weight = 4

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {
            "server": rng.choice((PRIMARY, PRIMARY, PARTNER)),
            "user": rng.choice(USERS).user_id,
            "status": rng.choice(STATUS_IDS),
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].status.set_user_status(
            args["user"], args["status"]
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
            "user": rng.choice(USERS).user_id,
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
        if len(world.live_calls()) >= 2:
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
        server = world.servers[call.server]
        match args["move"]:
            case "answer":
                server.calls.answer(call.interaction_id)
            case "proceed":
                server.calls.proceed(call.interaction_id)
            case "hold":
                server.calls.hold(call.interaction_id)
            case "resume":
                server.calls.resume(call.interaction_id)
            case "disconnect":
                server.calls.disconnect(call.interaction_id, by=args["by"])
            case "vanish":
                server.calls.disconnect(call.interaction_id)
                server.calls.remove(call.interaction_id)
            case _:
                server.calls.remove(call.interaction_id)
