"""Call figures: a call ringing on the server until Home Assistant shows it, and a storm.

All in one process and one event loop (a Home Assistant test instance, the simulator and
the client), like the station's in-process latency figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.home_assistant import Writes, add_entry, entity_of, pause, set_up, stop
from bench.registry import Context, figure
from bench.results import Figure, ms, percentile, spread
from bench.settings import ARRIVAL_LIMIT
from bench.simulator import make_simulator, running, user_name
from bench.test_instance import home_assistant
from icws_simulator import IcwsSimulator

GOAL = 0.010  # seconds: p99 of both latencies
STORM_CALLS = 1000
STORM_SECONDS = 10.0
CALL_KEYS = (
    ("sensor", "call_state"),
    ("binary_sensor", "ringing"),
    ("binary_sensor", "on_call"),
    ("event", "call"),
)


def call_entities(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the entry's call entities by key (call_state, ringing, on_call, call)."""
    return {key: entity_of(hass, entry, domain, key) for domain, key in CALL_KEYS}


async def _with_entry(
    hass: HomeAssistant, sim: IcwsSimulator, index: int
) -> tuple[MockConfigEntry, dict[str, str]]:
    entry = add_entry(hass, sim.url, index)
    await set_up(hass, entry)
    return entry, call_entities(hass, entry)


async def ringing_latencies(
    hass: HomeAssistant, calls: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    """Ring ``calls`` calls one after another; time until ``ringing`` and the event."""
    index = 5
    async with running(make_simulator()) as sim:
        sim.calls.removal_delay = None
        entry, entities = await _with_entry(hass, sim, index)
        writes = Writes(set(entities.values()))
        listeners = writes.listen(hass)
        states: list[float] = []
        events: list[float] = []
        try:
            for _ in range(calls):
                await pause(rng)
                mark = writes.mark()
                begin = time.perf_counter()
                call = sim.calls.ring(user_name(index), "Bench Caller", "+1 555 0100")
                rang = await writes.until(
                    entities["ringing"], "on", mark, ARRIVAL_LIMIT
                )
                fired = await writes.until(entities["call"], None, mark, ARRIVAL_LIMIT)
                states.append(rang - begin)
                events.append(fired - begin)
                mark = writes.mark()
                sim.calls.disconnect(call)
                sim.calls.remove(call)
                await writes.until(entities["ringing"], "off", mark, ARRIVAL_LIMIT)
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    return states, events


@figure(
    "call_ringing_state",
    "Call rings on the server -> ringing state in Home Assistant, in-process",
    "p99 <= 10 ms",
)
async def call_ringing_state(ctx: Context, fig: Figure) -> None:
    """Calls rung one by one until the ringing binary sensor turns on."""
    async with home_assistant() as hass:
        states, events = await ringing_latencies(hass, ctx.sizes.ha_changes, ctx.rng)
    ctx.earlier["call_event_latencies"] = events
    p99 = percentile(states, 99)
    fig.add("p50 / p99", spread(states), p50=percentile(states, 50), p99=p99)
    fig.judge(p99_within_10_ms=p99 <= GOAL)
    fig.notes.append(
        f"{len(states)} calls, each rung, seen ringing, then missed and removed; time from "
        "the simulator's ring until the ringing binary sensor's state_changed event."
    )


@figure(
    "call_event",
    "Call rings on the server -> call event entity fired, in-process",
    "p99 <= 10 ms",
)
async def call_event(ctx: Context, fig: Figure) -> None:
    """The event entity's firing in the same run as the ringing state (or a run of its own)."""
    events: list[float] | None = ctx.earlier.get("call_event_latencies")
    if events is None:
        async with home_assistant() as hass:
            _, events = await ringing_latencies(hass, ctx.sizes.ha_changes, ctx.rng)
    p99 = percentile(events, 99)
    fig.add("p50 / p99", spread(events), p50=percentile(events, 50), p99=p99)
    fig.judge(p99_within_10_ms=p99 <= GOAL)
    fig.notes.append(
        "Time from the simulator's ring until the call event entity's state_changed "
        "event (its state is the time of its last event)."
    )


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))


@figure(
    "call_storm",
    f"Storm: {STORM_CALLS:,} calls rung and ended in {STORM_SECONDS:g} s",
    "every state write is a real change; every event fires",
)
async def call_storm(ctx: Context, fig: Figure) -> None:
    """Ring and end calls at a steady pace; count every write of the call entities."""
    index = 6
    async with home_assistant() as hass, running(make_simulator()) as sim:
        sim.calls.removal_delay = 0.0
        entry, entities = await _with_entry(hass, sim, index)
        writes = Writes(set(entities.values()))
        listeners = writes.listen(hass)
        user = user_name(index)
        gap = STORM_SECONDS / STORM_CALLS
        try:
            begin = time.perf_counter()
            for number in range(STORM_CALLS):
                # Paced against the clock, so sleeping's overhead does not add up.
                await _sleep_until(begin + number * gap)
                call = sim.calls.ring(user, f"Caller {number}", f"+1 555 {number:04d}")
                await _sleep_until(begin + (number + 0.5) * gap)
                sim.calls.disconnect(call)
            rung = time.perf_counter() - begin
            # Drained when the last call's missed event fired (or nothing more comes).
            with contextlib.suppress(TimeoutError):
                while writes.changed.get(entities["call"], 0) < 2 * STORM_CALLS:
                    await writes.until(
                        entities["call"], None, writes.mark(), ARRIVAL_LIMIT
                    )
        finally:
            drained = time.perf_counter() - begin
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    expected = {
        entities["call_state"]: 2 * STORM_CALLS,  # ringing, idle
        entities["ringing"]: 2 * STORM_CALLS,  # on, off
        entities["on_call"]: 0,
        entities["call"]: 2 * STORM_CALLS,  # ringing, missed
    }
    reported = sum(writes.reported.values())
    got = {entity_id: writes.changed.get(entity_id, 0) for entity_id in expected}
    fig.add(
        "rung and ended / drained",
        f"{rung:.2f} s / {drained:.2f} s",
        rung_seconds=rung,
        drained_seconds=drained,
    )
    fig.add(
        "state changes (expected) / writes without a change",
        ", ".join(
            f"{key} {got[entity_id]} ({expected[entity_id]})"
            for key, entity_id in entities.items()
        )
        + f" / {reported}",
        reported=reported,
        **{f"changes_{key}": got[entity_id] for key, entity_id in entities.items()},
    )
    fig.judge(
        every_change_shown=got == expected,
        no_write_without_change=reported == 0,
        within_time=rung <= STORM_SECONDS * 1.05,
    )
    fig.notes.append(
        f"{STORM_CALLS} calls, one every {ms(gap)}, each ended unanswered {ms(gap / 2)} "
        "after it rang; each must show ringing then idle, fire ringing then missed, and "
        "write nothing else."
    )
