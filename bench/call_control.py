"""Call control figures: answering and dialling until Home Assistant shows it; voicemail.

``answer_call`` until the server picked the call up and until ``call_state`` says
connected; ``dial`` until ``call_state`` says dialing; a voicemail count changed on the
server until its sensor shows it. All in one process and one event loop (a Home Assistant
test instance, the simulator and the client), like the calls' other in-process figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import random
import time

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.home_assistant import Writes, add_entry, entity_of, pause, set_up, stop
from bench.registry import Context, figure
from bench.results import Figure, percentile, spread
from bench.settings import ARRIVAL_LIMIT
from bench.simulator import make_simulator, running, user_name
from bench.test_instance import home_assistant
from custom_components.icws_station.const import DOMAIN
from icws_simulator import IcwsSimulator

ANSWER_P50 = 0.020  # seconds: answer_call -> call_state connected
ANSWER_P99 = 0.050
DIAL_P50 = 0.020  # seconds: dial -> call_state dialing
VOICEMAIL_P99 = 0.010  # seconds: count changed on the server -> sensor
CALLER = ("Bench Caller", "+1 555 0100")


async def _when(sim: IcwsSimulator, predicate: Callable[[], bool]) -> float:
    """Return the moment the simulator's state satisfies ``predicate`` (bounded)."""
    async with asyncio.timeout(ARRIVAL_LIMIT):
        await sim.wait_until(predicate)
    return time.perf_counter()


def _connected(sim: IcwsSimulator, interaction_id: str) -> Callable[[], bool]:
    """Return whether the server holds the call connected, for :func:`_when`."""
    return lambda: sim.calls.interactions[interaction_id].state == "C"


async def _act(
    hass: HomeAssistant, entry: MockConfigEntry, action: str, **data: str
) -> None:
    await hass.services.async_call(
        DOMAIN, action, {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data}, blocking=True
    )


async def _end(
    sim: IcwsSimulator, writes: Writes, call_state: str, interaction_id: str
) -> None:
    """End a call on the server and wait until Home Assistant is idle again."""
    mark = writes.mark()
    sim.calls.disconnect(interaction_id)
    sim.calls.remove(interaction_id)
    await writes.until(call_state, "idle", mark)


async def answer_latencies(
    hass: HomeAssistant, calls: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    """Ring, then answer with ``answer_call``; time the pickup on the server and the state."""
    index = 11
    async with running(make_simulator()) as sim:
        sim.calls.removal_delay = None
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        call_state = entity_of(hass, entry, "sensor", "call_state")
        writes = Writes({call_state})
        listeners = writes.listen(hass)
        picked_up: list[float] = []
        shown: list[float] = []
        try:
            for _ in range(calls):
                await pause(rng)
                mark = writes.mark()
                call = sim.calls.ring(user_name(index), *CALLER)
                await writes.until(call_state, "ringing", mark)
                mark = writes.mark()
                server = asyncio.create_task(_when(sim, _connected(sim, call)))
                begin = time.perf_counter()
                await _act(hass, entry, "answer_call")
                picked_up.append(await server - begin)
                shown.append(await writes.until(call_state, "connected", mark) - begin)
                await _end(sim, writes, call_state, call)
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    return picked_up, shown


@figure(
    "answer_call",
    "answer_call -> the server picked up -> call_state connected, in-process",
    "p50 <= 20 ms, p99 <= 50 ms",
)
async def answer_call(ctx: Context, fig: Figure) -> None:
    """Calls rung one by one, each answered by the action with its default call."""
    async with home_assistant() as hass:
        picked_up, shown = await answer_latencies(hass, ctx.sizes.ha_changes, ctx.rng)
    p50, p99 = percentile(shown, 50), percentile(shown, 99)
    fig.add(
        "server picked up, p50 / p99",
        spread(picked_up),
        picked_up_p50=percentile(picked_up, 50),
        picked_up_p99=percentile(picked_up, 99),
    )
    fig.add("call_state connected, p50 / p99", spread(shown), p50=p50, p99=p99)
    fig.judge(p50_within_20_ms=p50 <= ANSWER_P50, p99_within_50_ms=p99 <= ANSWER_P99)
    fig.notes.append(
        f"{len(shown)} calls, each rung and seen ringing, then answered through "
        "icws_station.answer_call (blocking, no interaction_id); time from the call until "
        "the simulator's call is connected, and until the call state sensor's "
        "state_changed event says connected, which only the queue watch's message causes."
    )


async def dial_latencies(
    hass: HomeAssistant, calls: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    """Dial with ``dial``; time the response and until ``call_state`` says dialing."""
    index = 12
    async with running(make_simulator()) as sim:
        sim.calls.removal_delay = None
        sim.calls.proceed_delay = None
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        call_state = entity_of(hass, entry, "sensor", "call_state")
        writes = Writes({call_state})
        listeners = writes.listen(hass)
        answered: list[float] = []
        shown: list[float] = []
        try:
            for _ in range(calls):
                await pause(rng)
                mark = writes.mark()
                begin = time.perf_counter()
                response = await hass.services.async_call(
                    DOMAIN,
                    "dial",
                    {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "number": "114"},
                    blocking=True,
                    return_response=True,
                )
                answered.append(time.perf_counter() - begin)
                shown.append(await writes.until(call_state, "dialing", mark) - begin)
                if response is None or not isinstance(
                    call := response.get("interaction_id"), str
                ):
                    raise RuntimeError(f"dial responded {response!r}")
                await _end(sim, writes, call_state, call)
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    return answered, shown


@figure("dial", "dial -> the new call shown as dialing, in-process", "p50 <= 20 ms")
async def dial(ctx: Context, fig: Figure) -> None:
    """Calls placed one by one through the action, each ended before the next."""
    async with home_assistant() as hass:
        answered, shown = await dial_latencies(hass, ctx.sizes.ha_changes, ctx.rng)
    p50 = percentile(shown, 50)
    fig.add(
        "response (201 from the server), p50 / p99",
        spread(answered),
        response_p50=percentile(answered, 50),
        response_p99=percentile(answered, 99),
    )
    fig.add(
        "call_state dialing, p50 / p99",
        spread(shown),
        p50=p50,
        p99=percentile(shown, 99),
    )
    fig.judge(p50_within_20_ms=p50 <= DIAL_P50)
    fig.notes.append(
        f"{len(shown)} calls placed through icws_station.dial (blocking, with its "
        "response); time until the action responds with the interaction id, and until "
        "the call state sensor's state_changed event says dialing."
    )


async def voicemail_latencies(
    hass: HomeAssistant, changes: int, rng: random.Random
) -> list[float]:
    """Change the user's voicemail count on the server; time until the sensor shows it."""
    index = 13
    user = user_name(index)
    async with running(make_simulator()) as sim:
        entry = add_entry(hass, sim.url, index)
        await set_up(hass, entry)
        sensor = entity_of(hass, entry, "sensor", "voicemails")
        writes = Writes({sensor})
        listeners = writes.listen(hass)
        found: list[float] = []
        try:
            for number in range(changes):
                await pause(rng)
                count = number % 9 + 1  # never the count before
                mark = writes.mark()
                begin = time.perf_counter()
                sim.voicemail.set_count(user, count)
                found.append(await writes.until(sensor, str(count), mark) - begin)
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    return found


@figure(
    "voicemail_state",
    "Voicemail count changed on the server -> voicemails sensor, in-process",
    "p99 <= 10 ms",
)
async def voicemail_state(ctx: Context, fig: Figure) -> None:
    """Counts set on the simulator one by one, as callers leaving messages would."""
    async with home_assistant() as hass:
        found = await voicemail_latencies(hass, ctx.sizes.ha_changes, ctx.rng)
    p99 = percentile(found, 99)
    fig.add("p50 / p99", spread(found), p50=percentile(found, 50), p99=p99)
    fig.judge(p99_within_10_ms=p99 <= VOICEMAIL_P99)
    fig.notes.append(
        f"{len(found)} count changes at random gaps (exponential, mean 4 ms); time from "
        "the simulator's change until the voicemails sensor's state_changed event."
    )
