"""Presence figures: status changes and a burst of station and status messages.

A status change until Home Assistant shows it, a status set from the select until the
server's message confirms it, and a burst of station and status messages.

All in one process and one event loop (a Home Assistant test instance, the simulator and
the client), like the station's and the calls' in-process figures. Writes are counted as
Home Assistant sees them: ``state_changed`` for a write that changed something,
``state_reported`` for one that did not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import random
import statistics
import time
from typing import Any

from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.home_assistant import (
    Writes,
    add_entry,
    entity_of,
    extension_entity,
    pause,
    set_up,
    stop,
)
from bench.registry import Context, figure
from bench.results import Figure, judge_round_trip, percentile, spread
from bench.settings import PHASE_LIMIT
from bench.simulator import delta_text, make_simulator, running, session_of, user_name
from bench.test_instance import home_assistant
from icws_simulator import IcwsSimulator, protocol
from icws_simulator.status import TYPE_USER_STATUS

STATE_GOAL = 0.010  # seconds: p99, server change -> state
ROUND_TRIP_GOAL = 0.020  # seconds: p50, select_option -> server -> state
RATE_GOAL = 50_000  # messages/s
DND = "Do Not Disturb"
# The statuses the figures go through; every bench user may pick them (CIC defaults).
CYCLE = ("At Lunch", DND, "In a Meeting", "Available")
STATUS_KEYS = (
    ("sensor", "status"),
    ("select", "status"),
    ("binary_sensor", "do_not_disturb"),
    ("binary_sensor", "logged_in"),
)


def status_entities(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the entry's status entities by ``platform.key``."""
    return {
        f"{domain}.{key}": entity_of(hass, entry, domain, key)
        for domain, key in STATUS_KEYS
    }


async def _status_latencies(
    hass: HomeAssistant, changes: int, rng: random.Random
) -> list[float]:
    index = 8
    user = user_name(index)
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        sensor = status_entities(hass, entry)["sensor.status"]
        writes = Writes({sensor})
        listeners = writes.listen(hass)
        found: list[float] = []
        try:
            for number in range(changes):
                await pause(rng)
                status = CYCLE[number % len(CYCLE)]
                mark = writes.mark()
                begin = time.perf_counter()
                sim.status.set_user_status(user, status)
                found.append(await writes.until(sensor, status, mark) - begin)
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    return found


@figure(
    "status_state",
    "Status change on the server -> status sensor in Home Assistant, in-process",
    "p99 <= 10 ms",
)
async def status_state(ctx: Context, fig: Figure) -> None:
    """Statuses set on the simulator one by one, as the desktop client or the ACD would."""
    async with home_assistant() as hass:
        found = await _status_latencies(hass, ctx.sizes.ha_changes, ctx.rng)
    p99 = percentile(found, 99)
    fig.add("p50 / p99", spread(found), p50=percentile(found, 50), p99=p99)
    fig.judge(p99_within_10_ms=p99 <= STATE_GOAL)
    fig.notes.append(
        f"{len(found)} status changes at random gaps (exponential, mean 4 ms) through "
        f"{', '.join(CYCLE)}; time from the simulator's change until the status sensor's "
        "state_changed event."
    )


async def _round_trips(
    hass: HomeAssistant, sim: IcwsSimulator, changes: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    index = 9
    user = user_name(index)
    entry = add_entry(hass, sim.url, index)
    await set_up(hass, entry)
    select = status_entities(hass, entry)["select.status"]
    writes = Writes({select})
    listeners = writes.listen(hass)
    accepted: list[float] = []
    confirmed: list[float] = []
    try:
        for number in range(changes):
            await pause(rng)
            option = CYCLE[number % len(CYCLE)]
            mark = writes.mark()
            begin = time.perf_counter()
            # Returns once the server accepted the change (202): it has the status now.
            await hass.services.async_call(
                "select",
                SERVICE_SELECT_OPTION,
                {ATTR_ENTITY_ID: select, ATTR_OPTION: option},
                blocking=True,
            )
            answered = time.perf_counter()
            if sim.status.user_status(user).status_id != option:
                raise RuntimeError(f"the server does not have {option!r}")
            shown = await writes.until(select, option, mark)
            accepted.append(answered - begin)
            confirmed.append(shown - begin)
    finally:
        stop(listeners)
        await hass.config_entries.async_unload(entry.entry_id)
    return accepted, confirmed


@figure(
    "status_round_trip",
    "select_option -> the server has the status -> state confirmed, in-process",
    "round trip p50 <= 20 ms",
)
async def status_round_trip(ctx: Context, fig: Figure) -> None:
    """Options picked one by one; the select's state follows the server's message only."""
    async with home_assistant() as hass, running(make_simulator()) as sim:
        accepted, confirmed = await _round_trips(
            hass, sim, ctx.sizes.ha_changes, ctx.rng
        )
    judge_round_trip(fig, accepted, confirmed, "202", ROUND_TRIP_GOAL)
    fig.notes.append(
        f"{len(confirmed)} options picked through select.select_option (blocking), each "
        "checked on the simulator when the call returns; confirmed when the select's "
        "state_changed event shows it, which only the server's status message causes."
    )


@dataclass
class Burst:
    """A burst's wire texts and the state changes each entity must show for it."""

    texts: list[str]
    station_changes: int
    status_changes: int
    dnd_changes: int
    last_extension: str
    last_status: str


def burst(
    index: int, messages: int, every: int, *, run: int, extension: str, status: str
) -> Burst:
    """Return ``messages`` texts, station and status messages in turn.

    ``extension`` and ``status`` are what the entities show before the burst.

    One message of each kind in ``every`` changes something the entities show (the
    extension; the status, through ``CYCLE``). The other station messages repeat the
    station; the other status messages flip ``onPhone`` (no entity shows it, yet the
    status changed) or repeat the status. The last message of each kind is a change.
    """
    user = user_name(index)
    texts: list[str] = []
    station_changes = status_changes = dnd_changes = 0
    on_phone = False
    half = messages // 2
    for number in range(half):
        last = number == half - 1
        if number % every == every - 1 or last:
            extension = f"y{run}-{number}"
            station_changes += 1
            texts.append(delta_text(index, extension))
        else:
            texts.append(delta_text(index, extension, canBeDialed=True))
        entry: dict[str, Any] = {"userId": user}
        if number % every == every // 2 or last:
            new = CYCLE[(CYCLE.index(status) + 1) % len(CYCLE)]
            dnd_changes += (new == DND) != (status == DND)
            status_changes += 1
            status = new
            entry["statusId"] = status
        elif number % 2:
            on_phone = not on_phone
            entry["onPhone"] = on_phone
        else:
            entry["statusId"] = status
        texts.append(
            protocol.dumps(
                {"__type": TYPE_USER_STATUS, "isDelta": True, "userStatusList": [entry]}
            )
        )
    return Burst(texts, station_changes, status_changes, dnd_changes, extension, status)


@figure(
    "status_burst",
    "Burst of station and status messages queued at once, drained into Home Assistant",
    f">= {RATE_GOAL:,} messages/s; every entity writes exactly its real changes",
)
async def status_burst(ctx: Context, fig: Figure) -> None:
    """Mixed bursts on one session; writes per entity against the changes it must show."""
    index = 10
    sizes = ctx.sizes
    runs: list[dict[str, Any]] = []
    async with home_assistant() as hass, running(make_simulator()) as sim:
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        entities = status_entities(hass, entry)
        extension = extension_entity(hass, entry)
        registry = er.async_get(hass)
        every_entity = {
            e.entity_id
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        }
        writes = Writes(every_entity)
        listeners = writes.listen(hass)
        status, extension_now = "Available", f"{index:03d}"
        try:
            for run in range(sizes.burst_runs):
                plan = burst(
                    index,
                    sizes.burst_messages,
                    sizes.burst_change_every,
                    run=run,
                    extension=extension_now,
                    status=status,
                )
                status, extension_now = plan.last_status, plan.last_extension
                await asyncio.sleep(0.2)
                await hass.async_block_till_done()
                writes.reset()
                session = session_of(sim, user_name(index))
                for text in plan.texts:
                    session.push(text)
                count = len(plan.texts)
                del plan.texts
                begin, cpu_begin = time.perf_counter(), time.process_time()
                mark = 0
                await writes.until(
                    extension, plan.last_extension, mark, PHASE_LIMIT / 4
                )
                await writes.until(
                    entities["sensor.status"], plan.last_status, mark, PHASE_LIMIT / 4
                )
                wall = time.perf_counter() - begin
                cpu = time.process_time() - cpu_begin
                # Anything still in flight would show up as extra writes: let it land.
                await asyncio.sleep(0.3)
                await hass.async_block_till_done()
                expected = {
                    extension: plan.station_changes,
                    entities["sensor.status"]: plan.status_changes,
                    entities["select.status"]: plan.status_changes,
                    entities["binary_sensor.do_not_disturb"]: plan.dnd_changes,
                    entities["binary_sensor.logged_in"]: 0,
                }
                status_ids = {entities[key] for key in entities}
                runs.append(
                    {
                        "messages": count,
                        "drain_seconds": wall,
                        "rate": count / wall,
                        "cpu_rate": count / cpu,
                        "expected": expected,
                        "changed": {e: writes.changed.get(e, 0) for e in expected},
                        "status_reported": sum(
                            writes.reported.get(e, 0) for e in status_ids
                        ),
                        "station_reported": sum(
                            n for e, n in writes.reported.items() if e not in status_ids
                        ),
                        "other_changed": sum(
                            n for e, n in writes.changed.items() if e not in expected
                        ),
                    }
                )
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    rate = statistics.median(run["rate"] for run in runs)
    cpu_rate = statistics.median(run["cpu_rate"] for run in runs)
    fig.add(
        f"{runs[0]['messages']:,} messages, median of {len(runs)}",
        f"{statistics.median(r['drain_seconds'] for r in runs):.3f} s, "
        f"{rate:,.0f} messages/s (runs: {', '.join(f'{r["rate"]:,.0f}' for r in runs)})",
        rate=rate,
    )
    fig.add(
        "same, per CPU second of the process",
        f"{cpu_rate:,.0f} messages/s",
        cpu_rate=cpu_rate,
    )
    last = runs[-1]
    names = {v: k for k, v in entities.items()} | {extension: "sensor.extension"}
    fig.add(
        "state changes (expected), last run",
        ", ".join(
            f"{names[e]} {last['changed'][e]} ({last['expected'][e]})"
            for e in last["expected"]
        ),
        runs=runs,
    )
    fig.add(
        "writes without a change: status entities / station entities; other changes",
        f"{' '.join(str(r['status_reported']) for r in runs)} / "
        f"{' '.join(str(r['station_reported']) for r in runs)}; "
        f"{' '.join(str(r['other_changed']) for r in runs)}  (per run)",
    )
    fig.judge(
        rate_50k=rate >= RATE_GOAL,
        changes_are_real=all(r["changed"] == r["expected"] for r in runs),
        no_status_write_without_change=all(r["status_reported"] == 0 for r in runs),
        no_station_write_without_change=all(r["station_reported"] == 0 for r in runs),
        no_other_entity_changed=all(r["other_changed"] == 0 for r in runs),
    )
    fig.notes.append(
        f"Station and status messages in turn; one of each kind in "
        f"{sizes.burst_change_every} changes what the entities show (extension; status "
        f"through {', '.join(CYCLE)}), the other status messages flip onPhone or repeat "
        "the status, the other station messages repeat the station. Timed from the queue "
        "being full to the last change of both shown; the simulator's writing and the "
        "client's parsing run in the same loop and are included."
    )
