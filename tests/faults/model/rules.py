"""The rules a walk draws its steps from: server changes, faults, the user's actions."""

from __future__ import annotations

import asyncio
import random
from typing import Any, ClassVar, Final, override

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTITY_ID,
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
)
from homeassistant.helpers import issue_registry as ir

from custom_components.icws_station.const import (
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from tests.conftest import SIP_PASSWORDS

from .steps import InvariantError, Rule, Step, rule
from .world import PARTNER, PRIMARY, USERS, CallModel, EntryModel, World

STATUS_IDS: Final = (
    "Available",
    "Available Forward",
    "At Lunch",
    "Do Not Disturb",
    "Gone Home",
    "In a Meeting",
    "Follow Up",
    "AcdAgentNotAnswering",
)


def _entry(world: World, rng: random.Random) -> int:
    return rng.randrange(len(world.entries))


# ---- changes on the server ---------------------------------------------------------------


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
        world.servers[args["server"]].update_station(args["station"], **args["changes"])


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
        world.servers[args["server"]].set_user_status(args["user"], args["status"])


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
            "entry": _entry(world, rng),
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
            interaction = server.place_call(model.user.user_id, number, name)
        else:
            interaction = server.ring(model.user.user_id, name, number)
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
                server.answer(call.interaction_id)
            case "proceed":
                server.calls.proceed(call.interaction_id)
            case "hold":
                server.hold(call.interaction_id)
            case "resume":
                server.resume(call.interaction_id)
            case "disconnect":
                server.disconnect(call.interaction_id, by=args["by"])
            case "vanish":
                server.disconnect(call.interaction_id)
                server.calls.remove(call.interaction_id)
            case _:
                server.calls.remove(call.interaction_id)


# ---- faults ------------------------------------------------------------------------------


OUTAGE_MODES: Final = ("refuse", "cut", "drop_streams", "unreachable")


@rule
class OutageStart(Rule):
    """The network in front of a server fails in one of its ways.

    A login whose answer the network loses leaves a session the client never learns of
    (see the README's known limitations), so answers are cut only while no entry can be
    logging in, and no step that logs in runs while they are.
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
        server.drop_sse_mid_event()
        server.inject_message(
            {"__type": "urn:example:unknownMessage", "isDelta": False}
        )


@rule
class EndSession(Rule):
    """The server ends the user's session, saying whether to reconnect.

    Without ``shouldReconnect`` the entry stops until it is repaired or reloaded: the step
    waits for that, with no outage in the way (a message the server could not deliver within
    its grace period would end the session with a plain 401, which is reconnected). A new
    login instead is a known defect (see ``run``), counted rather than failed.
    """

    name = "end_session"
    fault = True
    weight = 3

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = _entry(world, rng)
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
        if not server.sessions_of(model.user.user_id):
            return
        server.end_session(
            user=model.user.user_id,
            notify=args["notify"] or not args["reconnect"],
            should_reconnect=args["reconnect"],
            reason="Ended by an administrator",
        )
        if args["reconnect"]:
            return
        user = model.user.user_id
        before = {session.session_id for session in server.sessions_of(user)}
        issue_id = f"session_{model.entry.entry_id}"
        issues = ir.async_get(world.hass)

        def relogged() -> bool:
            return any(s.session_id not in before for s in server.sessions_of(user))

        await world.until(
            lambda: issues.async_get_issue(DOMAIN, issue_id) is not None or relogged(),
            f"{user} stopping at the server's word",
        )
        if issues.async_get_issue(DOMAIN, issue_id) is not None:
            model.stopped = True
        else:
            # The server's word came on a stream reopened just then, and the entry logged
            # in again (test_session_ended_for_good_as_the_stream_reopens).
            world.stats.known["reconnected against shouldReconnect false"] += 1


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
        server.end_session(reason="Switchover")
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
        args = {"entry": _entry(world, rng)}
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
        if not world.server_of(model).take_station(model.user.user_id, reason=reason):
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


# ---- the user, through Home Assistant ----------------------------------------------------


class Action(Rule):
    """An action of the integration on one entry; a failure is an answer, not an error.

    ``draw_data`` returns the action's data without the entry (None: not now); ``done``
    records what a success changes in the model.
    """

    service: ClassVar[str]
    domain: ClassVar[str] = DOMAIN

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = _entry(world, rng)
        data = cls.draw_data(world, world.entries[index], rng)
        return None if data is None else {"entry": index, "data": data}

    @classmethod
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        """Return the action's data for this entry."""
        return {}

    @classmethod
    def target(cls, world: World, model: EntryModel) -> dict[str, Any]:
        """Whom the action addresses: the entry (entity actions override this)."""
        return {ATTR_CONFIG_ENTRY_ID: model.entry.entry_id}

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        data = {**cls.target(world, model), **args["data"]}
        if await world.call_service(cls.domain, cls.service, data):
            cls.done(world, model, args["data"])

    @classmethod
    def done(cls, world: World, model: EntryModel, data: dict[str, Any]) -> None:
        """Record what the action's success changed."""


@rule
class ConnectStation(Action):
    """``icws_station.connect_station``: the user's workstation or a remote number."""

    name = "connect_station"
    service = "connect_station"
    logoffs = frozenset({"switched"})

    @classmethod
    @override
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        if rng.random() < 0.6:
            return {
                CONF_STATION_TYPE: "workstation",
                CONF_WORKSTATION: model.user.workstation,
            }
        return {
            CONF_STATION_TYPE: "remote_number",
            CONF_REMOTE_NUMBER: f"317555{rng.randint(1000, 9999)}",
        }

    @classmethod
    @override
    def done(cls, world: World, model: EntryModel, data: dict[str, Any]) -> None:
        model.station = dict(data)
        model.taken = False


@rule
class DisconnectStation(Action):
    """``icws_station.disconnect_station``."""

    name = "disconnect_station"
    service = "disconnect_station"
    weight = 1
    logoffs = frozenset({"disconnected"})

    @classmethod
    @override
    def done(cls, world: World, model: EntryModel, data: dict[str, Any]) -> None:
        model.station = None
        model.taken = False


@rule
class SetStatus(Action):
    """``icws_station.set_status``, by text or id, allowed or not."""

    name = "set_status"
    service = "set_status"

    @classmethod
    @override
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        return {"status": rng.choice(STATUS_IDS)}


@rule
class SelectStatus(Action):
    """The status select: an option by its text (one the select may not offer now)."""

    name = "select_status"
    service = "select_option"
    domain = "select"

    @classmethod
    @override
    def draw_data(
        cls, world: World, model: EntryModel, rng: random.Random
    ) -> dict[str, Any] | None:
        return {
            "option": rng.choice(
                ("Available", "At Lunch", "Do Not Disturb", "Gone Home")
            )
        }

    @classmethod
    @override
    def target(cls, world: World, model: EntryModel) -> dict[str, Any]:
        return {ATTR_ENTITY_ID: model.entities["select", "status"]}


def _reloaded(world: World, model: EntryModel) -> None:
    """What a new setup of the entry means to the model: a fresh start from its address."""
    model.stopped = False
    model.taken = False
    model.server = world.login_server()
    if model.entry.state is ConfigEntryState.LOADED:
        world._loaded(model)


# Outages through which a logout cannot reach the server.
LOGOUT_LOST: Final = frozenset({"refuse", "unreachable"})


def _may_log_in(world: World, model: EntryModel) -> bool:
    """Whether the entry may be set up again now.

    Not while answers are cut (a lost login answer leaves a session behind, a known
    limitation), nor while the network in front of the entry's server loses its logout:
    the unload cannot end the session then, and the next setup's login makes a second one
    (test_reload_during_an_outage in test_lifecycle.py shows it). Not across servers with
    calls up either: the simulators keep their own queues, which a real pair shares.
    """
    if "cut" in world.outages.values():
        return False
    if not model.stopped and world.outages.get(model.server) in LOGOUT_LOST:
        return False
    return model.server == world.login_server() or not world.live_calls()


@rule
class Reload(Rule):
    """The user reloads the entry."""

    name = "reload"
    weight = 1
    logoffs = frozenset({"logged_out", "disconnected"})

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        args = {"entry": _entry(world, rng)}
        return args if cls.applies(world, args) else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return _may_log_in(world, world.entries[args["entry"]])

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        await world.hass.config_entries.async_reload(model.entry.entry_id)
        _reloaded(world, model)


@rule
class Repair(Rule):
    """The user submits the repair of a session the server ended for good."""

    name = "repair"
    weight = 3
    logoffs = frozenset({"logged_out", "disconnected"})

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        stopped = [m.index for m in world.entries if m.stopped]
        if not stopped:
            return None
        args = {"entry": rng.choice(stopped)}
        return args if cls.applies(world, args) else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        model = world.entries[args["entry"]]
        return model.stopped and _may_log_in(world, model)

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        hass = world.hass
        client = await world.hass_client()
        issue_id = f"session_{model.entry.entry_id}"
        response = await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        flow = await response.json()
        response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}")
        if (await response.json())["type"] != "create_entry":
            raise InvariantError(
                "repair", f"the repair of {model.user.user_id} did not finish"
            )
        await hass.async_block_till_done()
        _reloaded(world, model)


@rule
class Restart(Rule):
    """Home Assistant restarts: its stop event, then every entry unloaded and set up."""

    name = "restart"
    weight = 1
    logoffs = frozenset({"logged_out", "disconnected"})
    all_entries = True

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {} if cls.applies(world, {}) else None

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        return all(_may_log_in(world, model) for model in world.entries)

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        hass = world.hass
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
        await hass.async_block_till_done()
        for model in world.entries:
            await hass.config_entries.async_unload(model.entry.entry_id)
        for model in world.entries:
            await hass.config_entries.async_setup(model.entry.entry_id)
            _reloaded(world, model)
        await hass.async_block_till_done()


@rule
class Diagnostics(Rule):
    """The user downloads an entry's diagnostics, whatever is going on."""

    name = "diagnostics"
    weight = 1

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        return {"entry": _entry(world, rng)}

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        await world.check_diagnostics(world.entries[args["entry"]])


def wind_down(world: World) -> list[Step]:
    """The steps that end every fault, so that the walk ends settled."""
    return [Step("outage_end", {"server": name}) for name in sorted(world.outages)]
