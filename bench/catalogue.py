"""The modules whose figures make the table, in table order.

To add figures, write a module that registers them with :func:`bench.registry.figure` and
name it here, where its figures belong in the table.
"""

from __future__ import annotations

import importlib
from typing import Final

from bench.registry import FIGURES, FigureSpec

MODULES: Final = (
    "bench.latency",
    "bench.calls",
    "bench.call_control",
    "bench.presence",
    "bench.colleagues",
    "bench.contact_centre",
    "bench.process",
    "bench.load",
    "bench.faults",
    "bench.outages",
    "bench.setup_time",
)


def figures() -> list[FigureSpec]:
    """Import the modules (they register their figures); return the figures in order."""
    for name in MODULES:
        importlib.import_module(name)
    return sorted(FIGURES, key=lambda spec: MODULES.index(spec.measure.__module__))
