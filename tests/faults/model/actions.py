"""Rules of what the user does through Home Assistant: actions, reloads, repairs, restarts.

A new action of the integration is an :class:`Action`: ``draw_data`` returns its data for
an entry, ``done`` records what a success changes in the model, ``logoffs`` names the
station logoffs it may cause.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar, Final, override

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTITY_ID,
    EVENT_HOMEASSISTANT_STOP,
)

from custom_components.icws_station.const import (
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)

from .steps import InvariantError, Rule, pick_entry, rule
from .world import STATUS_IDS, EntryModel, World

SWITCH: Final = (
    "workgroup_activation_"  # an activation switch's key, before the workgroup
)


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
        index = pick_entry(world, rng)
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


@rule
class ToggleActivation(Rule):
    """An activation switch turned on or off: the server's activation follows.

    In a settled world the switch of every workgroup the user is in is there; switching
    it on a live session must work and change that activation on the server, and on a
    session the server ended for good it is unavailable and changes nothing.
    """

    name = "toggle_activation"

    @classmethod
    @override
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        index = pick_entry(world, rng)
        model = world.entries[index]
        member_of = sorted(
            world.server_of(model).workgroups.activations(model.user.user_id)
        )
        if not member_of:
            return None
        return {
            "entry": index,
            "workgroup": rng.choice(member_of),
            "on": rng.random() < 0.5,
        }

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        model = world.entries[args["entry"]]
        workgroup, on = args["workgroup"], args["on"]
        entity_id = model.entities.get(("switch", SWITCH + workgroup.casefold()))
        settled = not world.faulty
        if entity_id is None:
            if settled:
                raise InvariantError("switch", f"{model.user.user_id}: no {workgroup}")
            return
        workgroups = world.server_of(model).workgroups
        before = workgroups.activations(model.user.user_id)
        worked = await world.call_service(
            "switch", "turn_on" if on else "turn_off", {ATTR_ENTITY_ID: entity_id}
        )
        if not settled:
            return
        after = workgroups.activations(model.user.user_id)
        wanted = before if model.stopped else {**before, workgroup: on}
        if not worked or after != wanted:
            raise InvariantError(
                "switch",
                f"{model.user.user_id} switched {workgroup} {'on' if on else 'off'}: "
                f"{before} -> {after} ({'worked' if worked else 'failed'})",
            )


def _reloaded(world: World, model: EntryModel) -> None:
    """What a new setup of the entry means to the model: a fresh start from its address.

    A station the server gave to another logon stays given (the entry keeps that in its
    options): only choosing a station again takes it back.
    """
    model.stopped = False
    model.server = world.login_server()
    if model.entry.state is ConfigEntryState.LOADED:
        world._loaded(model)


# Outages through which a logout cannot reach the server.
LOGOUT_LOST: Final = frozenset({"refuse", "unreachable"})


def _may_log_in(world: World, model: EntryModel) -> bool:
    """Whether the entry may be set up again now.

    Not while answers are cut (a lost login answer leaves a session behind, a known
    limitation), nor while the network in front of the entry's server loses its logout:
    the setup then waits for Home Assistant's retry until that logout gets through (as
    test_reload_during_an_outage in test_lifecycle.py shows), which the walk does not
    model. Not across servers with calls up either: the simulators keep their own queues,
    which a real pair shares.
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
        args = {"entry": pick_entry(world, rng)}
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
        return {"entry": pick_entry(world, rng)}

    @classmethod
    @override
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        await world.check_diagnostics(world.entries[args["entry"]])
