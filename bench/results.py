"""A figure's measured values, its goal and verdict, and the units they are given in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
import math
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One row group of the table: measured values, the goal, and whether it was met.

    ``goal`` is the goal as stated (printed even when the measurement fails); the figure's
    code judges it with :meth:`judge`, naming each condition so that a miss says which.
    """

    key: str
    title: str
    goal: str = "(no goal: for information)"
    lines: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    passed: bool | None = None
    missed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, label: str, text: str, **values: Any) -> None:
        """Add a printed line and the raw values behind it."""
        self.lines.append((label, text))
        self.values.update(values)

    def judge(self, **conditions: bool) -> None:
        """Set the verdict: met when every named condition holds."""
        self.missed = [name for name, holds in conditions.items() if not holds]
        self.passed = not self.missed

    def as_json(self) -> dict[str, Any]:
        """Return the figure as plain data."""
        return {
            "key": self.key,
            "title": self.title,
            "values": self.values,
            "lines": dict(self.lines),
            "goal": self.goal,
            "passed": self.passed,
            "missed": self.missed,
            "notes": self.notes,
        }


def percentile(values: Iterable[float], pct: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:.2f} ms"


def spread(values: list[float]) -> str:
    """p50 / p99 in milliseconds, and how many values."""
    return (
        f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}"
        f"  (n={len(values)})"
    )


def judge_round_trip(
    fig: Figure, accepted: list[float], confirmed: list[float], answer: str, goal: float
) -> None:
    """Report a round trip through the server: accepted (``answer``), then confirmed.

    Judged on the confirmed p50 against ``goal`` seconds.
    """
    p50 = percentile(confirmed, 50)
    fig.add(
        f"server accepted ({answer}), p50 / p99",
        spread(accepted),
        accepted_p50=percentile(accepted, 50),
        accepted_p99=percentile(accepted, 99),
    )
    fig.add(
        "state confirmed, p50 / p99",
        spread(confirmed),
        p50=p50,
        p99=percentile(confirmed, 99),
    )
    fig.judge(p50_within_20_ms=p50 <= goal)


def rss_bytes() -> int:
    """Return the process's resident set size now (VmRSS)."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")
