"""The figure a user's automation sees: a real Home Assistant process, over its websocket."""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.hass_process import StateSocket, add_entry, hass_process
from bench.registry import Context, figure
from bench.results import Figure, percentile, spread
from bench.settings import ARRIVAL_LIMIT
from bench.simulator import PASSWORD, make_simulator, running, station_name, user_name


@figure(
    "ha_process",
    "Station change on the simulator -> state over the websocket API of a running hass",
    "p99 <= 10 ms",
)
async def ha_process(ctx: Context, fig: Figure) -> None:
    """Changes at random gaps; the time until the websocket reports the new state."""
    sizes = ctx.sizes
    index = 1
    async with (
        running(make_simulator()) as sim,
        hass_process(ctx.http) as ha,
        StateSocket(ctx.http, ha) as socket,
    ):
        await add_entry(
            ctx.http,
            ha,
            {
                "url": sim.url,
                "username": user_name(index),
                "password": PASSWORD,
                "verify_ssl": True,
                "station_type": "workstation",
                "workstation": station_name(index),
            },
        )
        await socket.wait_for(f"{index:03d}", ARRIVAL_LIMIT * 3)
        await asyncio.sleep(1.0)  # let the setup's work settle
        sent: list[tuple[str, float]] = []
        for number in range(sizes.process_changes):
            value = f"rp{number}"
            sent.append((value, time.perf_counter()))
            sim.stations.change(station_name(index), extension=value)
            gap = ctx.rng.expovariate(1 / sizes.process_gap)
            await asyncio.sleep(min(gap, 10 * sizes.process_gap))
        with contextlib.suppress(TimeoutError):
            await socket.wait_for(sent[-1][0], ARRIVAL_LIMIT)
        found = [
            socket.first_seen[value] - at
            for value, at in sent
            if value in socket.first_seen
        ]
    lost = len(sent) - len(found)
    p99 = percentile(found, 99)
    fig.add(
        "p50 / p99",
        f"{spread(found)}, lost {lost}",
        p50=percentile(found, 50),
        p99=p99,
        lost=lost,
    )
    fig.add(
        "Home Assistant answered after", f"{ha.started_in:.1f} s", start=ha.started_in
    )
    fig.judge(p99_within_10_ms=p99 <= 0.010, none_lost=lost == 0)
    fig.notes.append(
        "hass started as scripts/develop does (config/configuration.yaml), onboarded and "
        "the entry added through the config flow over REST; the simulator runs in the "
        "bench's process, which timestamps each change and reads the websocket's "
        "state_changed events. Includes the websocket's encoding and the loopback hop."
    )
