"""The results as a text table and as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.results import Figure
from bench.settings import Sizes


def render(figures: list[Figure], meta: dict[str, Any]) -> str:
    """Return the table as text."""
    label_width = max((len(label) for f in figures for label, _ in f.lines), default=0)
    lines = [
        (
            f"ICWS station bench -- {meta['started']}  Python {meta['python']}, "
            f"Home Assistant {meta['home_assistant']}, {meta['cpus']} CPUs, "
            f"load {meta['load_before']}"
        ),
    ]
    # A quick run's smaller counts and shared machine make its figures a smoke test: a goal
    # it misses is information, judged only when --strict asks.
    judged = not meta["quick"] or meta["strict"]
    if meta["quick"]:
        lines.append(
            "QUICK RUN: counts reduced; these are not the official figures"
            + (
                " (--strict judges their goals all the same)."
                if judged
                else ", and a missed goal is information, not a failure."
            )
        )
    rule = "-" * 100
    lines.append(rule)
    missed_verdict = "FAIL" if judged else "info: missed in a quick run"
    for number, figure in enumerate(figures, start=1):
        verdict = {True: "PASS", False: missed_verdict, None: "info"}[figure.passed]
        lines.append(f"{number}. {figure.title}")
        missed = f" (missed: {', '.join(figure.missed)})" if figure.missed else ""
        lines.append(f"   [{verdict}] goal: {figure.goal}{missed}")
        lines.extend(
            f"   {label:<{label_width}}  {text}" for label, text in figure.lines
        )
        lines.extend(f"   ({note})" for note in figure.notes)
    lines.append(rule)
    failed = [str(n) for n, f in enumerate(figures, start=1) if f.passed is False]
    summary = f"{len(figures) - len(failed)}/{len(figures)} without a missed goal"
    if failed:
        summary += f"; {'missed' if judged else 'missed in this quick run'}: "
        summary += ", ".join(failed)
    lines.append(f"{summary}; took {meta['seconds']:.0f} s")
    return "\n".join(lines)


def write_json(
    path: Path, figures: list[Figure], meta: dict[str, Any], sizes: Sizes
) -> None:
    """Write the results to ``path`` as JSON."""
    results = {
        "meta": meta,
        "sizes": sizes.__dict__,
        "figures": [figure.as_json() for figure in figures],
        "all_goals_met": all(f.passed is not False for f in figures),
    }
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
