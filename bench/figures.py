"""Measurements turned into the table's figures, each with its goal and verdict."""

from __future__ import annotations

import math
import statistics
from typing import Any, Final

from bench.client import PollingRun
from bench.results import Figure, ms, percentile
from bench.settings import IDLE_SESSIONS, POLL_INTERVAL, Sizes
from custom_components.icws_station.icws import RetrievalMode

TITLES: Final = {
    1: "Station change -> client update latency",
    2: "Station change -> Home Assistant state change (SSE)",
    3: "Idle load on the server, HTTP requests/min per session",
    4: "Burst: {:,} station messages queued at once",
    5: "Client memory over {:,} messages (SSE)",
    6: "Recovery: session ended by the server -> entities available",
    7: "Config entry setup against the simulator",
}


def figure_1(sizes: Sizes, sse: tuple[list[float], int], polling: PollingRun) -> Figure:
    """Figure 1: client update latency, SSE and polling, with the ratio."""
    sse_lat, sse_lost = sse
    poll_lat = polling.latencies
    f1 = Figure(1, TITLES[1])
    s50, s95, s99 = (percentile(sse_lat, p) for p in (50, 95, 99))
    p50, p95, p99 = (percentile(poll_lat, p) for p in (50, 95, 99))
    ratio, ratio_95, ratio_99 = (
        slow / fast if fast > 0 else math.inf
        for slow, fast in ((p50, s50), (p95, s95), (p99, s99))
    )
    f1.add(
        "SSE p50 / p95 / p99",
        f"{ms(s50)} / {ms(s95)} / {ms(s99)}  (n={len(sse_lat)}, lost {sse_lost})",
        sse_p50=s50,
        sse_p95=s95,
        sse_p99=s99,
        sse_n=len(sse_lat),
        sse_lost=sse_lost,
    )
    f1.add(
        "polling 1 s p50 / p95 / p99",
        f"{ms(p50)} / {ms(p95)} / {ms(p99)}  (n={len(poll_lat)}, lost {polling.lost})",
        poll_p50=p50,
        poll_p95=p95,
        poll_p99=p99,
        poll_n=len(poll_lat),
        poll_lost=polling.lost,
    )
    f1.add(
        "ratio polling / SSE",
        f"p50 x{ratio:.0f}, p95 x{ratio_95:.0f}, p99 x{ratio_99:.0f}",
        ratio_p50=ratio,
        ratio_p95=ratio_95,
        ratio_p99=ratio_99,
    )
    f1.goal = "SSE p99 < 25 ms; polling p50 >= 40 x SSE p50"
    f1.passed = s99 < 0.025 and ratio >= 40 and sse_lost == 0 and polling.lost == 0
    f1.notes.append(
        f"SSE: {sizes.sse_changes} changes on one streaming session at random gaps "
        f"(exponential, mean {sizes.sse_gap * 1000:.0f} ms). Polling: {sizes.poll_changes} "
        f"changes spread at random moments over {sizes.poll_sessions} sessions polling in "
        f"parallel every {POLL_INTERVAL:.0f} s, in one {polling.window:.0f} s window."
    )
    return f1


def figure_2(ha_sse: tuple[list[float], int]) -> Figure:
    """Figure 2: Home Assistant state latency."""
    ha_lat, ha_lost = ha_sse
    f2 = Figure(2, TITLES[2])
    h50, h99 = percentile(ha_lat, 50), percentile(ha_lat, 99)
    f2.add(
        "p50 / p99",
        f"{ms(h50)} / {ms(h99)}  (n={len(ha_lat)}, lost {ha_lost})",
        p50=h50,
        p99=h99,
        n=len(ha_lat),
        lost=ha_lost,
    )
    f2.goal = "(no goal set)"
    f2.passed = None if ha_lost == 0 else False
    f2.notes.append("Time until the extension sensor's state_changed event.")
    return f2


def figure_3(polling: PollingRun) -> Figure:
    """Figure 3: idle requests per minute and session."""
    minutes = polling.window / 60
    idle = {
        mode: statistics.mean(counts) / minutes if counts else math.nan
        for mode, counts in polling.idle_requests.items()
    }
    f3 = Figure(3, TITLES[3])
    f3.add(
        "SSE / polling 1 s",
        f"{idle[RetrievalMode.SSE]:.2f} / {idle[RetrievalMode.POLL]:.1f}",
        sse_per_min=idle[RetrievalMode.SSE],
        poll_per_min=idle[RetrievalMode.POLL],
        window_seconds=polling.window,
        sessions_per_mode=IDLE_SESSIONS,
        sse_counts=polling.idle_requests[RetrievalMode.SSE],
        poll_counts=polling.idle_requests[RetrievalMode.POLL],
    )
    f3.goal = "SSE < 2 requests/min"
    f3.passed = idle[RetrievalMode.SSE] < 2
    f3.notes.append(
        f"{IDLE_SESSIONS} idle sessions per mode over the {polling.window:.0f} s window of "
        "figure 1's polling run; simulator's default SSE ping interval (15 s)."
    )
    return f3


def figure_4(sizes: Sizes, burst: dict[str, Any]) -> Figure:
    """Figure 4: the burst through the coordinator (median of the runs)."""
    runs: list[dict[str, Any]] = burst["runs"]
    f4 = Figure(4, TITLES[4].format(burst["messages"]))
    rate = statistics.median(run["rate"] for run in runs)
    cpu_rate = statistics.median(run["cpu_rate"] for run in runs)
    drain = statistics.median(run["drain_seconds"] for run in runs)
    f4.add(
        f"drain and apply, median of {len(runs)}",
        f"{drain:.3f} s, {rate:,.0f} messages/s "
        f"(runs: {', '.join(f'{run["rate"]:,.0f}' for run in runs)})",
        drain_seconds=drain,
        rate=rate,
    )
    f4.add(
        "same, per CPU second of the process",
        f"{cpu_rate:,.0f} messages/s (less sensitive to other load on the machine)",
        cpu_rate=cpu_rate,
    )
    writes = [run["state_changes"] for run in runs]
    updates = [run["coordinator_updates"] for run in runs]
    real = [run["real_changes"] for run in runs]
    f4.add(
        "HA state writes / coordinator updates / real changes",
        f"{' '.join(map(str, writes))} / {' '.join(map(str, updates))} / "
        f"{' '.join(map(str, real))}  (per run)",
        runs=runs,
    )
    f4.goal = ">= 50,000 messages/s; state writes = real changes"
    f4.passed = rate >= 50_000 and writes == real and updates == real
    f4.notes.append(
        f"Through the coordinator (SSE), {len(runs)} run(s). One message in "
        f"{sizes.burst_change_every} changes the extension; the rest repeat the station or "
        "rotate the SIP password. Timed from the queue being full to the last change shown; "
        "the simulator's encoding and writing run in the same loop and are included."
    )
    return f4


def figure_5(memory: dict[str, Any]) -> Figure:
    """Figure 5: memory growth of the client."""
    f5 = Figure(5, TITLES[5].format(memory["messages"]))
    growth_mb = memory["rss_growth"] / 2**20
    f5.add(
        "RSS growth",
        f"{growth_mb:+.2f} MB ({memory['rss_before'] / 2**20:.1f} -> "
        f"{memory['rss_after'] / 2**20:.1f} MB)",
        rss_growth_bytes=memory["rss_growth"],
        seconds=memory["seconds"],
        rss_before=memory["rss_before"],
        rss_after=memory["rss_after"],
    )
    f5.add(
        "tracemalloc growth",
        f"{memory['traced_growth'] / 1024:+.1f} kB over {memory['traced_messages']:,} more messages",
        traced_growth_bytes=memory["traced_growth"],
        traced_messages=memory["traced_messages"],
    )
    f5.goal = "< 2 MB growth"
    f5.passed = memory["rss_growth"] < 2 * 2**20
    f5.notes.append(
        "Whole-process VmRSS after a warm-up, with the simulator in the same process; every "
        "message carries a new extension."
    )
    return f5


def figure_6(recovery: dict[str, Any]) -> Figure:
    """Figure 6: recovery after the server ended the session."""
    totals = recovery["totals"]
    f6 = Figure(6, TITLES[6])
    r50 = statistics.median(totals)
    f6.add(
        "p50 (min / max)",
        f"{r50:.3f} s ({min(totals):.3f} / {max(totals):.3f} s, n={len(totals)})",
        p50=r50,
        min=min(totals),
        max=max(totals),
        n=len(totals),
        unavailable_p50=statistics.median(recovery["downs"]),
    )
    f6.goal = "< 3 s p50, default backoff"
    f6.passed = r50 < 3.0
    f6.notes.append(
        "BACKOFF_MIN not patched: the first retry waits 0.5 to 1 s (jitter)."
    )
    return f6


def figure_7(setup: dict[str, Any]) -> Figure:
    """Figure 7: config entry setup."""
    warm = setup["warm"]
    f7 = Figure(7, TITLES[7])
    w50 = statistics.median(warm)
    f7.add(
        "first (cold) / p50 of later / max",
        f"{ms(setup['cold'])} / {ms(w50)} / {ms(max(warm))}  (n={len(warm)})",
        cold=setup["cold"],
        warm_p50=w50,
        warm_max=max(warm),
        n=len(warm),
    )
    f7.goal = "< 200 ms"
    f7.passed = setup["cold"] < 0.2 and max(warm) < 0.2
    f7.notes.append(
        "hass.config_entries.async_setup: login, station, subscription, first message, "
        "platforms. The first one also loads the integration."
    )
    return f7


def broken(number: int, sizes: Sizes, errors: dict[str, str]) -> Figure:
    """Return a failed figure for measurements that could not be made."""
    counts = {4: sizes.burst_messages, 5: sizes.memory_messages}
    figure = Figure(number, TITLES[number].format(counts.get(number, 0)))
    figure.passed = False
    figure.goal = "(not measured)"
    figure.add("error", "; ".join(f"{k}: {v}" for k, v in errors.items()) or "?")
    return figure
