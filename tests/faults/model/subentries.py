"""Rules of the subentry flows: colleagues and wallboard workgroups added and removed.

Through the flows a user opens (``hass.config_entries.subentries``) and the removal the
integration's page offers (``async_remove_subentry``), while the entry runs, whatever else
goes on. A subentry changes what the entry's one session watches, never the session: the
entry is not reloaded, and in a settled world nobody logs in, the session keeps its id and
none of the entry's own entities is written. In a settled world the flow also answers as
the model expects: a new colleague or workgroup is added, one already there (or the user
themself) is refused, an unknown one is an error of the form, and an entry whose session
the server ended for good cannot add anything. The settle after the step checks that the
new subentry's entities show the server's truth.

A subentry is named in a step by its type and key (the colleague's user, the workgroup's
name, folded), never by its id, which a replay does not give again.
"""

from __future__ import annotations

import random
from typing import Any, Final, override

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType

from custom_components.icws_station.colleagues import CONF_USER_ID, SUBENTRY_COLLEAGUE
from custom_components.icws_station.const import CONF_WORKGROUP
from custom_components.icws_station.wallboard import WORKGROUP_SUBENTRY

from .steps import InvariantError, Rule, pick_entry, rule
from .world import DIRECTORY, WORKGROUPS, EntryModel, World

UNKNOWN_USER: Final = "nobody"
UNKNOWN_WORKGROUP: Final = "Nowhere"
FIELDS: Final = {SUBENTRY_COLLEAGUE: CONF_USER_ID, WORKGROUP_SUBENTRY: CONF_WORKGROUP}


def subentry_keys(model: EntryModel, subentry_type: str) -> dict[str, str]:
    """The entry's subentries of a type: id by key (user or workgroup name, folded)."""
    return {
        str(subentry.data[FIELDS[subentry_type]]).casefold(): subentry_id
        for subentry_id, subentry in model.entry.subentries.items()
        if subentry.subentry_type == subentry_type
    }


class SubentryRule(Rule):
    """A subentry added or removed; the session it runs in must not notice otherwise.

    ``change`` performs it and returns what happened (for the stats), ``expected`` what
    must happen in a settled world (None: anything).
    """

    @classmethod
    async def change(cls, world: World, model: EntryModel, args: dict[str, Any]) -> str:
        """Add or remove the subentry; return what happened."""
        raise NotImplementedError

    @classmethod
    def expected(cls, world: World, model: EntryModel, args: dict[str, Any]) -> str:
        """What must happen in a settled world."""
        raise NotImplementedError

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        hass = world.hass
        settled = not world.faulty
        expected = cls.expected(world, model, args) if settled else None
        loaded = model.entry.state is ConfigEntryState.LOADED
        runtime = model.entry.runtime_data if loaded else None
        user = model.user.user_id
        sessions = {
            name: sorted(s.session_id for s in server.sessions.of(user))
            for name, server in world.servers.items()
        }
        logins = {
            name: server.traffic.login_attempts
            for name, server in world.servers.items()
        }
        own = {entity_id: world.writes[entity_id] for entity_id in model.own}
        happened = await cls.change(world, model, args)
        await hass.async_block_till_done()
        world.stats.outcomes[f"{cls.name}: {happened}"] += 1
        where = f"{cls.name} of {user} with {args}"
        if loaded and (
            model.entry.state is not ConfigEntryState.LOADED
            or model.entry.runtime_data is not runtime
        ):
            raise InvariantError("subentry reloaded", f"{where}: {model.entry.state}")
        if not settled:
            return
        if happened != expected:
            raise InvariantError(
                "subentry flow", f"{where}: {happened}, not {expected}"
            )
        now = {
            name: sorted(s.session_id for s in server.sessions.of(user))
            for name, server in world.servers.items()
        }
        if now != sessions or any(
            server.traffic.login_attempts != logins[name]
            for name, server in world.servers.items()
        ):
            raise InvariantError(
                "subentry logged in", f"{where}: a login or new session"
            )
        if written := sorted(e for e, count in own.items() if world.writes[e] != count):
            raise InvariantError("subentry wrote", f"{where} wrote {written}")


class AddSubentry(SubentryRule):
    """A subentry flow: the user opens it and submits one thing."""

    subentry_type: str

    @classmethod
    @override
    async def change(cls, world: World, model: EntryModel, args: dict[str, Any]) -> str:
        flows = world.hass.config_entries.subentries
        result = await flows.async_init(
            (model.entry.entry_id, cls.subentry_type), context={"source": SOURCE_USER}
        )
        if result["type"] is FlowResultType.FORM:
            result = await flows.async_configure(
                result["flow_id"], {FIELDS[cls.subentry_type]: args["name"]}
            )
        match result["type"]:
            case FlowResultType.CREATE_ENTRY:
                added = args["name"].casefold() in subentry_keys(
                    model, cls.subentry_type
                )
                return "added" if added else f"added {result['data']}"
            case FlowResultType.ABORT:
                return f"aborted: {result['reason']}"
            case FlowResultType.FORM:
                # An error shown on the form: the user gives up.
                flows.async_abort(result["flow_id"])
                return f"error: {sorted((result['errors'] or {}).values())}"
        return str(result["type"])

    @classmethod
    @override
    def expected(cls, world: World, model: EntryModel, args: dict[str, Any]) -> str:
        if model.stopped:
            return "aborted: not_connected"
        if args["name"].casefold() in cls.taken(model):
            return "aborted: already_configured"
        if args["name"].casefold() == cls.unknown.casefold():
            return f"error: [{cls.unknown_error!r}]"
        return "added"

    unknown: str
    unknown_error: str

    @classmethod
    def taken(cls, model: EntryModel) -> set[str]:
        """The keys the flow refuses as already there."""
        return set(subentry_keys(model, cls.subentry_type))


@rule
class AddColleague(AddSubentry):
    """Add colleague: another user (maybe the other entry's), the user, or nobody."""

    name = "add_colleague"
    subentry_type = SUBENTRY_COLLEAGUE
    unknown = UNKNOWN_USER
    unknown_error = "unknown_user"

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = pick_entry(world, rng)
        names = [user.user_id for user in DIRECTORY]
        return {"entry": index, "name": rng.choice([*names, UNKNOWN_USER])}

    @classmethod
    @override
    def taken(cls, model: EntryModel) -> set[str]:
        return super().taken(model) | {model.user.user_id.casefold()}


@rule
class AddWorkgroup(AddSubentry):
    """Add workgroup: one the server lists (typed in any case), or one it does not."""

    name = "add_workgroup"
    subentry_type = WORKGROUP_SUBENTRY
    unknown = UNKNOWN_WORKGROUP
    unknown_error = "unknown_workgroup"

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        name = rng.choice([*WORKGROUPS, UNKNOWN_WORKGROUP])
        if rng.random() < 0.3:
            name = name.lower()
        return {"entry": pick_entry(world, rng), "name": name}


@rule
class RemoveSubentry(SubentryRule):
    """The user deletes a colleague or a workgroup from the entry."""

    name = "remove_subentry"

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = pick_entry(world, rng)
        found = sorted(
            (kind, key)
            for kind in FIELDS
            for key in subentry_keys(world.entries[index], kind)
        )
        if not found:
            return None
        kind, key = rng.choice(found)
        return {"entry": index, "type": kind, "key": key}

    @classmethod
    @override
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        model = world.entries[args["entry"]]
        return args["key"] in subentry_keys(model, args["type"])

    @classmethod
    @override
    async def change(cls, world: World, model: EntryModel, args: dict[str, Any]) -> str:
        subentry_id = subentry_keys(model, args["type"])[args["key"]]
        removed = world.hass.config_entries.async_remove_subentry(
            model.entry, subentry_id
        )
        return "removed" if removed else "not removed"

    @classmethod
    @override
    def expected(cls, world: World, model: EntryModel, args: dict[str, Any]) -> str:
        return "removed"
