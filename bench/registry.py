"""The figures the bench measures, in table order, and how a module adds one.

A figure is an async function that measures and fills in a :class:`Figure`, registered
with its title and goal::

    from bench.registry import Context, figure
    from bench.results import Figure

    @figure("status_latency", "Status change -> Home Assistant state", "p99 <= 10 ms")
    async def status_latency(ctx: Context, fig: Figure) -> None:
        latencies = ...  # measure, bounded (every wait has a timeout)
        fig.add("p50 / p99", spread(latencies), p99=percentile(latencies, 99))
        fig.judge(p99_within_10_ms=percentile(latencies, 99) <= 0.010)

then list the module in :mod:`bench.catalogue`. The runner gives each figure its own time
bound; a figure that raises is shown as failed with its error, and the others still run.
``ctx.sizes`` says how much work to do (``--quick`` shrinks it); the goal is printed beside
the figure whether or not it was met, and ``--strict`` exits 1 when any goal is missed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import random
from typing import Any, Final

import aiohttp

from bench.results import Figure
from bench.settings import Sizes

type Measure = Callable[[Context, Figure], Awaitable[None]]


@dataclass(frozen=True)
class Context:
    """What every figure may use: the sizes, a seeded random source and an HTTP session."""

    sizes: Sizes
    rng: random.Random
    http: aiohttp.ClientSession
    quick: bool
    # What a figure leaves for later ones (the polling figure's ratio to the SSE latency).
    earlier: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure."""

    key: str
    title: str
    goal: str
    measure: Measure

    def blank(self) -> Figure:
        """Return the figure before measuring."""
        return Figure(self.key, self.title, self.goal)


FIGURES: Final[list[FigureSpec]] = []


def figure(key: str, title: str, goal: str = "") -> Callable[[Measure], Measure]:
    """Register ``measure`` as a figure of the table (after those registered before)."""

    def register(measure: Measure) -> Measure:
        if any(spec.key == key for spec in FIGURES):
            raise ValueError(f"figure {key!r} is registered twice")
        FIGURES.append(
            FigureSpec(key, title, goal or "(no goal: for information)", measure)
        )
        return measure

    return register
