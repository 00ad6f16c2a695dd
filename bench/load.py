"""Throughput and memory figures: a burst through the coordinator, memory of client and entry."""

from __future__ import annotations

import statistics
from typing import Any

from bench.client import client_memory
from bench.integration import ha_burst
from bench.memory import client_memory_per_session, ha_memory_per_entry
from bench.registry import Context, figure
from bench.results import Figure
from bench.test_instance import home_assistant

MB = 2**20


@figure(
    "burst",
    "Burst of station messages queued at once, drained through the coordinator",
    ">= 50,000 messages/s; state writes = coordinator updates = real changes",
)
async def burst(ctx: Context, fig: Figure) -> None:
    """The median of the runs; every run must write exactly the real changes."""
    async with home_assistant() as hass:
        result = await ha_burst(hass, ctx.sizes)
    runs: list[dict[str, Any]] = result["runs"]
    rate = statistics.median(run["rate"] for run in runs)
    cpu_rate = statistics.median(run["cpu_rate"] for run in runs)
    drain = statistics.median(run["drain_seconds"] for run in runs)
    fig.add(
        f"{result['messages']:,} messages, median of {len(runs)}",
        f"{drain:.3f} s, {rate:,.0f} messages/s "
        f"(runs: {', '.join(f'{run["rate"]:,.0f}' for run in runs)})",
        messages=result["messages"],
        drain_seconds=drain,
        rate=rate,
    )
    fig.add(
        "same, per CPU second of the process",
        f"{cpu_rate:,.0f} messages/s (less sensitive to other load on the machine)",
        cpu_rate=cpu_rate,
    )
    writes = [run["state_writes"] for run in runs]
    updates = [run["coordinator_updates"] for run in runs]
    real = [run["real_changes"] for run in runs]
    fig.add(
        "async_write_ha_state calls / coordinator updates / real changes",
        f"{' '.join(map(str, writes))} / {' '.join(map(str, updates))} / "
        f"{' '.join(map(str, real))}  (per run)",
        runs=runs,
    )
    fig.judge(
        rate_50k=rate >= 50_000,
        writes_are_changes=writes == real,
        updates_are_changes=updates == real,
    )
    fig.notes.append(
        f"One message in {ctx.sizes.burst_change_every} changes the extension; the rest "
        "repeat the station or rotate the SIP password. Timed from the queue being full to "
        "the last change shown; the simulator's encoding and writing run in the same loop "
        "and are included. Writes are the entities' own async_write_ha_state calls, "
        "counted whether or not they change a state."
    )


@figure(
    "client_memory",
    "Client memory growth over a long stream of messages",
    "< 2 MB growth",
)
async def memory_growth(ctx: Context, fig: Figure) -> None:
    """Resident memory before and after, then Python heap growth under tracemalloc."""
    memory = await client_memory(ctx.http, ctx.sizes)
    growth = memory["rss_growth"]
    fig.add(
        f"RSS growth over {memory['messages']:,} messages",
        f"{growth / MB:+.2f} MB ({memory['rss_before'] / MB:.1f} -> "
        f"{memory['rss_after'] / MB:.1f} MB)",
        rss_growth_bytes=growth,
        seconds=memory["seconds"],
    )
    fig.add(
        "tracemalloc growth",
        f"{memory['traced_growth'] / 1024:+.1f} kB over "
        f"{memory['traced_messages']:,} more messages",
        traced_growth_bytes=memory["traced_growth"],
    )
    fig.judge(below_2_mb=growth < 2 * MB)
    fig.notes.append(
        "Whole-process VmRSS after a warm-up, with the simulator in the same process; every "
        "message carries a new extension."
    )


@figure(
    "memory_per_entry",
    "Memory per config entry in Home Assistant, beside the client's per session",
    "<= 1 MB per entry",
)
async def memory_per_entry(ctx: Context, fig: Figure) -> None:
    """Python heap and RSS growth per entry, and per bare client session."""
    ha = await ha_memory_per_entry(ctx.sizes)
    client = await client_memory_per_session(ctx.http, ctx.sizes)
    fig.add(
        "Home Assistant, per entry",
        f"{ha['traced_per_entry'] / 1024:,.0f} kB Python heap, "
        f"{ha['rss_per_entry'] / 1024:,.0f} kB RSS  ({ha['entries']} entries)",
        **{f"ha_{k}": v for k, v in ha.items()},
    )
    fig.add(
        "client alone, per session",
        f"{client['traced_per_session'] / 1024:,.0f} kB Python heap, "
        f"{client['rss_per_session'] / 1024:,.0f} kB RSS  ({client['sessions']} sessions)",
        **{f"client_{k}": v for k, v in client.items()},
    )
    worst = max(ha["traced_per_entry"], ha["rss_per_entry"])
    fig.judge(within_1_mb=worst <= MB)
    fig.notes.append(
        "Entries (logged in, station connected, streaming, entities written) added after a "
        "first one loaded the integration and its platforms; the simulator runs as its own "
        "process. The larger of the two measures is judged."
    )
