"""Rules of faults: outages, stream cuts, sessions the server ends, switchovers, restarts."""

from __future__ import annotations

import asyncio
import random
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF
from homeassistant.helpers import issue_registry as ir

from custom_components.icws_station.const import DOMAIN

from .steps import InvariantError, Rule, Step, pick_entry, rule
from .world import PARTNER, PRIMARY, World

OUTAGE_MODES: Final = ("refuse", "cut", "drop_streams", "unreachable")


@rule
class OutageStart(Rule):
    """The network in front of a server fails in one of its ways.

    A login whose answer the network loses leaves a session the client never learns of
    (see the README's known limitations), so answers are cut only while no entry can be
    logging in, and no step that logs in runs while they are. For the same reason any
    outage begins between logins: one that began while the server was answering a login
    (connections reset, answers lost) would lose that answer.
    """

    name = "outage_start"
    fault = True
    weight = 3

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        server = rng.choice((PRIMARY, PRIMARY, PARTNER))
        if server in world.outages:
            return None
        modes = [m for m in OUTAGE_MODES if m != "cut" or not world.faulty]
        return {"server": server, "mode": rng.choice(modes)}

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return args["server"] not in world.outages and (
            args["mode"] != "cut" or not world.faulty
        )

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        name, mode = args["server"], args["mode"]
        server = world.servers[name]
        if mode != "drop_streams":
            await world.until(
                lambda: not server.traffic.logins_in_progress,
                f"{name} answering its logins before the {mode} outage",
            )
        world.outages[name] = mode
        if mode == "unreachable":
            await server.set_unreachable(True)
        else:
            server.set_outage(mode)
        # Every entry reading from that server notices (a polling entry's polls pass
        # while only streams drop).
        noticing = [
            model
            for model in world.entries
            if model.server == name
            and not model.stopped
            and model.entry.state is ConfigEntryState.LOADED
            and (model.streams or mode != "drop_streams")
        ]
        await world.until(
            lambda: all(
                world.shows(m, ("binary_sensor", "server_connection"), STATE_OFF)
                for m in noticing
            ),
            f"entries on {name} noticing the {mode} outage",
        )


@rule
class OutageEnd(Rule):
    """The network works again."""

    name = "outage_end"
    weight = 4

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        if not world.outages:
            return None
        return {"server": rng.choice(sorted(world.outages))}

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return args["server"] in world.outages

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        name = args["server"]
        mode = world.outages.pop(name)
        server = world.servers[name]
        if mode == "unreachable":
            await server.set_unreachable(False)
        else:
            server.set_outage(None)


@rule
class TimePasses(Rule):
    """The outage lasts: time passes while the integration tries again.

    A duration of the fault, not a wait for a result: what the system does meanwhile is
    what the following steps and the settle check.
    """

    name = "time_passes"
    weight = 3

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        if not world.faulty:
            return None
        return {"seconds": rng.choice((0.05, 0.2, 0.5, 1.0))}

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        await asyncio.sleep(args["seconds"])


@rule
class StreamCut(Rule):
    """An event of every open stream of a server is cut in half, the connection dropped.

    The event cut is one the entries ignore, sent at once: a cut left waiting would fall on
    whatever comes next, such as the message that ends the session, which is then lost as
    on a real server (a session-ending message lost that way ends in a 401, which is
    reconnected even when the message said not to).
    """

    name = "stream_cut"
    fault = True
    weight = 2

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {"server": rng.choice((PRIMARY, PARTNER))}

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        server = world.servers[args["server"]]
        server.sessions.drop_sse_mid_event()
        server.sessions.inject_message(
            {"__type": "urn:example:unknownMessage", "isDelta": False}
        )


@rule
class EndSession(Rule):
    """The server ends the user's session, saying whether to reconnect.

    Without ``shouldReconnect`` the entry stops until it is repaired or reloaded: the step
    waits for that, with no outage in the way (a message the server could not deliver within
    its grace period would end the session with a plain 401, which is reconnected).
    """

    name = "end_session"
    fault = True
    weight = 3

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = pick_entry(world, rng)
        model = world.entries[index]
        reconnect = rng.random() < 0.75
        args = {"entry": index, "reconnect": reconnect, "notify": rng.random() < 0.8}
        return args if cls.applies(world, args) and not model.stopped else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        model = world.entries[args["entry"]]
        if args["reconnect"]:
            return "cut" not in world.outages.values()
        return not world.faulty and not model.stopped

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        server = world.server_of(model)
        if not server.sessions.of(model.user.user_id):
            return
        server.sessions.end(
            user=model.user.user_id,
            notify=args["notify"] or not args["reconnect"],
            should_reconnect=args["reconnect"],
            reason="Ended by an administrator",
        )
        if args["reconnect"]:
            return
        user = model.user.user_id
        before = {session.session_id for session in server.sessions.of(user)}
        issue_id = f"session_{model.entry.entry_id}"
        issues = ir.async_get(world.hass)

        def relogged() -> bool:
            return any(s.session_id not in before for s in server.sessions.of(user))

        await world.until(
            lambda: issues.async_get_issue(DOMAIN, issue_id) is not None or relogged(),
            f"{user} stopping at the server's word",
        )
        if relogged():
            raise InvariantError(
                "session ended for good", f"{user} logged in again against it"
            )
        model.stopped = True


@rule
class Switchover(Rule):
    """A server hands over to its partner: it refuses logins naming it, and ends sessions.

    The simulators keep their own queues, which a real pair shares, so a switchover waits
    for a quiet moment without calls.
    """

    name = "switchover"
    fault = True
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        args = {"server": rng.choice((PRIMARY, PARTNER))}
        return args if cls.applies(world, args) else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return not world.faulty and not world.live_calls()

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        name = args["server"]
        server, other = world.servers[name], world.servers[world.other(name)]
        other.accept_logins()
        server.refuse_logins(alternates=[other.host])
        server.sessions.end(reason="Switchover")
        for model in world.entries:
            if model.server == name and not model.stopped:
                model.server = world.other(name)


@rule
class AcceptLogins(Rule):
    """A server that handed over accepts logins again (its partner keeps its sessions)."""

    name = "accept_logins"
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        refusing = [k for k, s in world.servers.items() if s.refusal is not None]
        if not refusing or world.faulty:
            return None
        return {"server": rng.choice(refusing)}

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return not world.faulty

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        world.servers[args["server"]].accept_logins()


@rule
class ServerRestart(Rule):
    """A server restarts: every session is forgotten; its entries log in again."""

    name = "server_restart"
    fault = True
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        args = {"server": rng.choice((PRIMARY, PARTNER))}
        return args if cls.applies(world, args) else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return (
            args["server"] not in world.outages and "cut" not in world.outages.values()
        )

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        await world.servers[args["server"]].restart()


@rule
class TakeStation(Rule):
    """Another logon takes the user's station: the entry must not take it back."""

    name = "take_station"
    fault = True
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        args = {"entry": pick_entry(world, rng)}
        return args if cls.applies(world, args) else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return not world.faulty and not world.entries[args["entry"]].stopped

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        reason = "Logged on at WS-200"
        if not world.server_of(model).stations.take(model.user.user_id, reason=reason):
            return
        model.taken = True
        # The entry reads the reason with a session check of its own; shown, it is done.
        connected = model.entities["binary_sensor", "station_connected"]
        await world.until(
            lambda: (
                (state := world.hass.states.get(connected)) is not None
                and state.attributes.get("logged_off_reason") == reason
            ),
            f"{model.user.user_id} showing why the station went",
        )


def wind_down(world: World) -> list[Step]:
    """The steps that end every fault, so that the walk ends settled."""
    return [Step("outage_end", {"server": name}) for name in sorted(world.outages)]
