"""How much work the bench does, the clients' settings, and how long anything may take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

POLL_INTERVAL: Final = 1.0  # the vendor example's setting
IDLE_SESSIONS: Final = 5  # per retrieval mode

# Bounds: no phase and no wait runs longer than these, whatever happens.
PHASE_LIMIT: Final = 240.0
ARRIVAL_LIMIT: Final = 10.0
RUN_LIMIT: Final = 1200.0


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does (``--quick`` shrinks it for a smoke run)."""

    sse_changes: int = 1000
    sse_gap: float = 0.004  # mean seconds between changes, exponentially distributed
    poll_sessions: int = 25
    poll_changes: int = 600
    poll_window: float = 60.0  # also the idle window of figure 3
    ha_changes: int = 500
    burst_messages: int = 100_000
    burst_change_every: int = 100  # one real value change per this many messages
    burst_runs: int = 3
    memory_messages: int = 100_000
    memory_warmup: int = 10_000
    memory_batch: int = 1000
    tracemalloc_messages: int = 20_000
    recoveries: int = 20
    setups: int = 20
    memory_entries: int = 20
    stream_cuts: int = 20
    silent_sessions: int = 5
    # None: the client's own default; --quick shortens it (and the pings with it).
    stream_idle_timeout: float | None = None
    idle_window: float = 70.0  # long enough for two idle timeouts of 32 s
    storm_entries: int = 100
    process_changes: int = 300
    process_gap: float = 0.02
    colleagues: int = 500  # watched by one entry: a floor
    colleague_changes: int = 500
    colleague_setups: int = 3
    colleague_idle: float = 60.0  # seconds an entry with its colleagues is left idle
    wallboard_workgroups: int = 50
    wallboard_idle: float = 10.0  # seconds of a quiet wallboard, counting requests


QUICK: Final = Sizes(
    sse_changes=200,
    poll_sessions=10,
    poll_changes=100,
    poll_window=12.0,
    ha_changes=100,
    burst_messages=20_000,
    burst_runs=1,
    memory_messages=20_000,
    memory_warmup=5000,
    tracemalloc_messages=5000,
    recoveries=3,
    setups=5,
    memory_entries=5,
    stream_cuts=5,
    silent_sessions=3,
    stream_idle_timeout=2.0,
    idle_window=7.0,
    storm_entries=100,
    process_changes=100,
    colleagues=100,
    colleague_changes=100,
    colleague_setups=1,
    colleague_idle=7.0,
    wallboard_idle=3.0,
)
