"""Team presence at the scale of a floor: hundreds of colleagues watched by one entry.

Colleagues are added through the subentry flow's own code path (the same flow the user
goes through in the frontend) into one running entry, which watches them all in its one
user-statuses subscription. Then: the memory each colleague costs, the entry's setup with
all of them (a restart), the requests it makes while nothing happens, and the time from a
colleague's status change on the server to their status sensor's state.

All in one process and one event loop (a Home Assistant test instance and the simulator),
like the other in-process figures; the simulator's statuses exist before anything is
measured, so its memory does not count.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import time
import tracemalloc

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.home_assistant import Writes, add_entry, pause, set_up, stop
from bench.registry import Context, figure
from bench.results import Figure, ms, percentile, spread
from bench.settings import PHASE_LIMIT
from bench.simulator import PASSWORD, SERVER_NAME, make_simulator, running, user_name
from bench.test_instance import home_assistant
from custom_components.icws_station.colleagues import CONF_USER_ID, SUBENTRY_COLLEAGUE
from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_simulator import IcwsSimulator
from icws_simulator.status import USER_STATUSES
from icws_testing.entries import config_entry

SETUP_GOAL = 3.0  # seconds, an entry with its colleagues
STATE_GOAL = 0.010  # seconds: p99, a colleague's change -> their sensor
MEMORY_GOAL = 50 * 1024  # bytes per colleague
INDEX = 11  # the bench user whose entry watches the floor
CYCLE = ("At Lunch", "Do Not Disturb", "In a Meeting", "Available")


def colleagues_of(sim: IcwsSimulator) -> list[str]:
    """The floor: every user but the bench users."""
    return [user for user in sim.user_ids if not user.startswith("bench")]


def watching(sim: IcwsSimulator) -> list[int]:
    """How many users each session of the bench user's watches."""
    return [
        len(session.subscriptions[USER_STATUSES].user_keys)
        for session in sim.sessions.of(user_name(INDEX))
        if USER_STATUSES in session.subscriptions
    ]


async def add_through_the_flow(
    hass: HomeAssistant, entry: MockConfigEntry, user_ids: list[str]
) -> None:
    """Add each colleague as the frontend does: open the flow, pick, submit."""
    for user_id in user_ids:
        form = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_COLLEAGUE), context={"source": "user"}
        )
        result = await hass.config_entries.subentries.async_configure(
            form["flow_id"], {CONF_USER_ID: user_id}
        )
        if result["type"] != "create_entry":
            raise RuntimeError(f"adding a colleague ended with {result}")
    await hass.async_block_till_done()


# The simulator runs in the same process: its allocations are not Home Assistant's.
_NOT_HOME_ASSISTANT = (tracemalloc.Filter(False, "*/icws_simulator/*"),)


def _heap() -> tracemalloc.Snapshot:
    """The Python heap now; RSS would count tracemalloc's own bookkeeping."""
    gc.collect()
    return tracemalloc.take_snapshot().filter_traces(_NOT_HOME_ASSISTANT)


async def _timed_setup(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """Set the entry up; return how long until every state is written."""
    begin = time.perf_counter()
    await set_up(hass, entry)
    return time.perf_counter() - begin


async def _idle_requests(sim: IcwsSimulator, seconds: float) -> float:
    """Requests the entry makes per minute while nothing happens."""
    before = len(sim.traffic.requests)
    await asyncio.sleep(seconds)
    return (len(sim.traffic.requests) - before) / (seconds / 60)


@figure(
    "colleagues",
    "A floor of colleagues added through the subentry flow into one running entry",
    "one subscription, one session; setup with them <= 3 s; <= 50 kB per colleague; "
    "0 requests/min idle",
)
async def colleagues(ctx: Context, fig: Figure) -> None:
    """Add the floor through the flow, then weigh it, restart with it, and leave it idle."""
    sizes = ctx.sizes
    async with (
        home_assistant() as hass,
        running(make_simulator(users=INDEX, colleagues=sizes.colleagues)) as sim,
    ):
        floor = colleagues_of(sim)
        for user_id in floor:  # the server's statuses exist before anything is weighed
            sim.status.user_status(user_id)
        entry = add_entry(hass, sim.url, INDEX)
        await set_up(hass, entry)
        logins = sim.traffic.login_attempts
        puts_before = _status_puts(sim)
        tracemalloc.start()
        try:
            traced = _heap()
            begin = time.perf_counter()
            async with asyncio.timeout(PHASE_LIMIT):
                await add_through_the_flow(hass, entry, floor)
            added = time.perf_counter() - begin
            await asyncio.sleep(0.5)  # let the last full message land
            await hass.async_block_till_done()
            traced_after = _heap()
        finally:
            tracemalloc.stop()
        grown = sum(
            stat.size_diff for stat in traced_after.compare_to(traced, "filename")
        )
        per_colleague = grown / len(floor)
        puts = _status_puts(sim) - puts_before
        subscriptions = watching(sim)
        entities = len(
            er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        )
        fig.add(
            f"{len(floor)} colleagues added through the flow",
            f"{added:.1f} s ({ms(added / len(floor))} each), {puts} re-PUTs of the "
            f"watched set, {entities} entities",
            added_seconds=added,
            re_puts=puts,
            entities=entities,
        )
        fig.add(
            "subscriptions of the session / users in it",
            f"{len(subscriptions)} / {subscriptions[0] if subscriptions else 0}",
            subscriptions=subscriptions,
        )
        fig.add(
            "memory per colleague",
            f"{per_colleague / 1024:,.1f} kB Python heap",
            traced_per_colleague=per_colleague,
        )

        setups: list[float] = []
        for _ in range(sizes.colleague_setups):
            if not await hass.config_entries.async_unload(entry.entry_id):
                raise RuntimeError("unloading the entry failed")
            await hass.async_block_till_done()
            setups.append(await _timed_setup(hass, entry))
        states_after = sum(
            1
            for state in hass.states.async_all()
            if state.entity_id.startswith(("sensor.", "binary_sensor."))
            and state.state == "Available"
        )
        idle = await _idle_requests(sim, sizes.colleague_idle)
        fig.add(
            f"setup with {len(floor)} colleagues (a restart), max of {len(setups)}",
            f"{max(setups):.2f} s (runs: {', '.join(f'{s:.2f}' for s in setups)}); "
            f"{states_after} status sensors Available after it",
            setup_max=max(setups),
            setup_median=statistics.median(setups),
        )
        fig.add(
            "requests while idle",
            f"{idle:.2f} requests/min over {sizes.colleague_idle:g} s",
            idle_per_min=idle,
        )
        one_session = sim.sessions.count_of(user_name(INDEX)) == 1
        no_login = sim.traffic.login_attempts == logins + len(setups)
    fig.judge(
        one_subscription=subscriptions == [len(floor) + 1],
        one_session_no_extra_login=one_session and no_login,
        setup_within_3_s=max(setups) <= SETUP_GOAL,
        memory_within_50_kb=per_colleague <= MEMORY_GOAL,
        idle_0_per_min=idle == 0,
    )
    fig.notes.append(
        "Each colleague through hass.config_entries.subentries (form from the server's "
        "user list, then the user's status checked), in the entry's running session; each "
        "addition PUTs the whole set again unless a PUT already carries it. Memory: "
        "Python heap growth over the additions (devices, entities, states, subentries), "
        "the simulator's own allocations left out, divided by the colleagues. Setup: unload, then hass.config_entries.async_setup "
        "until every state is written (hass.async_block_till_done). Idle: the simulator's request count, streaming."
    )


def _status_puts(sim: IcwsSimulator) -> int:
    return sum(
        1
        for method, path, _ in sim.traffic.requests
        if method == "PUT" and path.endswith(USER_STATUSES)
    )


def floor_entry(url: str, user_ids: list[str]) -> MockConfigEntry:
    """The bench user's entry with the floor stored, as after a restart."""
    user = user_name(INDEX)
    return config_entry(
        url,
        user,
        PASSWORD,
        title=f"{user} ({SERVER_NAME})",
        station={
            CONF_STATION_TYPE: "workstation",
            CONF_WORKSTATION: f"WS-B{INDEX:02d}",
        },
        subentries=[
            ConfigSubentryData(
                data={CONF_USER_ID: user_id},
                subentry_type=SUBENTRY_COLLEAGUE,
                title=user_id,
                unique_id=user_id,
            )
            for user_id in user_ids
        ],
    )


def _sensor(hass: HomeAssistant, entry: MockConfigEntry, user_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}_{SUBENTRY_COLLEAGUE}_{user_id}_status"
    )
    if entity_id is None:
        raise RuntimeError(f"no status sensor of {user_id}")
    return entity_id


@figure(
    "colleague_state",
    "A colleague's status change on the server -> their sensor, with a floor watched",
    "p99 <= 10 ms",
)
async def colleague_state(ctx: Context, fig: Figure) -> None:
    """Statuses of random colleagues changed one by one, among all of them watched."""
    sizes = ctx.sizes
    async with (
        home_assistant() as hass,
        running(make_simulator(users=INDEX, colleagues=sizes.colleagues)) as sim,
    ):
        floor = colleagues_of(sim)
        entry = floor_entry(sim.url, floor)
        entry.add_to_hass(hass)
        await set_up(hass, entry)
        sensors = {user_id: _sensor(hass, entry, user_id) for user_id in floor}
        writes = Writes(set(sensors.values()))
        listeners = writes.listen(hass)
        current = dict.fromkeys(floor, "Available")
        found: list[float] = []
        others: list[int] = []
        rng: random.Random = ctx.rng
        try:
            await asyncio.sleep(0.2)
            for _ in range(sizes.colleague_changes):
                await pause(rng)
                user_id = rng.choice(floor)
                status = CYCLE[(CYCLE.index(current[user_id]) + 1) % len(CYCLE)]
                current[user_id] = status
                mark = writes.mark()
                begin = time.perf_counter()
                sim.status.set_user_status(user_id, status)
                found.append(await writes.until(sensors[user_id], status, mark) - begin)
                others.append(
                    sum(
                        1 for e, _, _ in writes.arrivals[mark:] if e != sensors[user_id]
                    )
                )
        finally:
            stop(listeners)
            await hass.config_entries.async_unload(entry.entry_id)
    p99 = percentile(found, 99)
    fig.add(
        f"{len(floor)} watched, p50 / p99",
        spread(found),
        p50=percentile(found, 50),
        p99=p99,
        watched=len(floor),
    )
    fig.add(
        "other colleagues' sensors written per change",
        f"{sum(others)} in {len(others)} changes",
        other_writes=sum(others),
    )
    fig.judge(p99_within_10_ms=p99 <= STATE_GOAL, only_that_colleague=sum(others) == 0)
    fig.notes.append(
        f"{len(found)} changes of random colleagues' statuses at random gaps "
        "(exponential, mean 4 ms), set on the simulator as the desktop client would; time "
        "until that colleague's status sensor's state_changed event."
    )
