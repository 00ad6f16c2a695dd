"""Latency figures on loopback: the client beside a bare reader, polling, Home Assistant."""

from __future__ import annotations

import math
import statistics

from bench.client import client_latency_sse, polling_window
from bench.integration import ha_latency
from bench.registry import Context, figure
from bench.results import Figure, ms, percentile, spread
from bench.settings import IDLE_SESSIONS, POLL_INTERVAL
from bench.test_instance import home_assistant
from custom_components.icws_station.icws import RetrievalMode

FLOOR_RATIO = 2.0


@figure(
    "sse_latency",
    "Station change -> client update (server-sent events) beside the loopback floor",
    f"client p99 <= {FLOOR_RATIO:g} x the floor's p99, measured in the same run",
)
async def sse_latency(ctx: Context, fig: Figure) -> None:
    """The client against a bare reader of the same kind of stream, changed in turn."""
    run = await client_latency_sse(ctx.http, ctx.sizes, ctx.rng)
    client99, floor99 = percentile(run.client, 99), percentile(run.floor, 99)
    ratio = client99 / floor99 if floor99 > 0 else math.inf
    fig.add("client", spread(run.client), p50=percentile(run.client, 50), p99=client99)
    fig.add(
        "floor: bare reader",
        spread(run.floor),
        floor_p50=percentile(run.floor, 50),
        floor_p99=floor99,
    )
    fig.add("ratio client / floor", f"p99 x{ratio:.2f}", ratio_p99=ratio, lost=run.lost)
    fig.judge(within_ratio=ratio <= FLOOR_RATIO, none_lost=run.lost == 0)
    fig.notes.append(
        f"{ctx.sizes.sse_changes * 2} changes at random gaps (exponential, mean "
        f"{ctx.sizes.sse_gap * 1000:.0f} ms), each to the client's station or the floor's at "
        "random. The floor logs in with plain requests and only searches each read for the "
        "new extension: no SSE decoder, JSON or models. Lost changes: "
        f"{run.lost}."
    )
    ctx.earlier["sse_p50"] = percentile(run.client, 50)


@figure(
    "polling",
    "Polling clients (every 1 s, as the vendor's example on servers without events) "
    "and idle load, requests/min per session",
    "this client, streaming and idle: < 2 requests/min",
)
async def polling(ctx: Context, fig: Figure) -> None:
    """Polling latency in one window, with idle sessions of both kinds counted beside it."""
    run = await polling_window(ctx.http, ctx.sizes, ctx.rng)
    p50 = percentile(run.latencies, 50)
    sse_p50 = ctx.earlier.get("sse_p50", math.nan)
    fig.add(
        f"polling every {POLL_INTERVAL:g} s",
        f"{spread(run.latencies)}, lost {run.lost}",
        poll_p50=p50,
        poll_p99=percentile(run.latencies, 99),
        poll_lost=run.lost,
    )
    if not math.isnan(sse_p50):
        fig.add(
            "polling p50 / this client's p50 (figure above)",
            f"x{p50 / sse_p50:,.0f}  ({ms(p50)} / {ms(sse_p50)})",
            ratio_p50=p50 / sse_p50,
        )
    minutes = run.window / 60
    idle = {
        mode: statistics.mean(counts) / minutes if counts else math.nan
        for mode, counts in run.idle_requests.items()
    }
    fig.add(
        "idle: streaming / polling",
        f"{idle[RetrievalMode.SSE]:.2f} / {idle[RetrievalMode.POLL]:.1f} requests/min",
        sse_per_min=idle[RetrievalMode.SSE],
        poll_per_min=idle[RetrievalMode.POLL],
        window_seconds=run.window,
    )
    fig.judge(idle_below_2_per_min=idle[RetrievalMode.SSE] < 2)
    fig.notes.append(
        f"{ctx.sizes.poll_changes} changes at random moments over "
        f"{ctx.sizes.poll_sessions} sessions polling in parallel; {IDLE_SESSIONS} idle "
        f"sessions per mode counted at the simulator over the {run.window:.0f} s window "
        "(simulator's default keep-alive comment every 15 s)."
    )


@figure(
    "ha_state",
    "Station change -> Home Assistant state, in-process (server-sent events)",
    "p99 <= 1 ms",
)
async def ha_state(ctx: Context, fig: Figure) -> None:
    """Changes on the simulator until the extension sensor's state_changed event."""
    async with home_assistant() as hass:
        found, lost = await ha_latency(hass, ctx.sizes, ctx.rng)
    p99 = percentile(found, 99)
    fig.add(
        "p50 / p99",
        f"{spread(found)}, lost {lost}",
        p50=percentile(found, 50),
        p99=p99,
        lost=lost,
    )
    fig.judge(p99_within_1_ms=p99 <= 0.001, none_lost=lost == 0)
    fig.notes.append(
        "A Home Assistant test instance, the simulator and the client in one process and "
        "one event loop; time until the extension sensor's state_changed event."
    )
