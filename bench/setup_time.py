"""The config entry setup figure: cold (a fresh process, import included) and warm."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys

from bench.processes import ROOT, child_env, stop
from bench.registry import Context, figure
from bench.results import Figure, ms
from bench.settings import PHASE_LIMIT
from bench.simulator import make_simulator, running

SETUP_GOAL = 0.2


@figure(
    "setup",
    "Config entry setup against the simulator (cold: import included)",
    "< 200 ms, cold and warm",
)
async def setup(ctx: Context, fig: Figure) -> None:
    """Run :mod:`bench.cold_setup` in a child against a simulator served from here."""
    async with running(make_simulator()) as sim:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.cold_setup", sim.url, str(ctx.sizes.setups),
            stdout=asyncio.subprocess.PIPE, cwd=ROOT, env=child_env(),
        )  # fmt: skip
        try:
            async with asyncio.timeout(PHASE_LIMIT / 2):
                out, _ = await child.communicate()
        finally:
            await stop(child)
    if child.returncode:
        raise RuntimeError(f"bench.cold_setup exited with {child.returncode}")
    times = json.loads(out.decode().strip().splitlines()[-1])
    cold, warm = times["cold"], times["warm"]
    w50 = statistics.median(warm)
    fig.add(
        "cold / p50 of warm / max of warm",
        f"{ms(cold)} / {ms(w50)} / {ms(max(warm))}  (n={len(warm)})",
        cold=cold,
        warm_p50=w50,
        warm_max=max(warm),
    )
    fig.judge(
        cold_below_200_ms=cold < SETUP_GOAL, warm_below_200_ms=max(warm) < SETUP_GOAL
    )
    fig.notes.append(
        "hass.config_entries.async_setup: login, station, subscription, first message, "
        "platforms. The cold one runs in a fresh process and includes importing the "
        "integration; Home Assistant's sensor and binary_sensor were set up before."
    )
