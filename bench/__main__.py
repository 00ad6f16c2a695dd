"""Command line: ``python -m bench`` (run by ``scripts/bench``)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
import logging
import os
from pathlib import Path
import platform
import sys
import time
from typing import Any, Final

from homeassistant.const import __version__ as ha_version

import bench
from bench.catalogue import figures as registered
from bench.report import render, write_json
from bench.run import main_async
from bench.settings import QUICK, Sizes

ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT: Final = ROOT / "bench-results.json"


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 0 when it ran (1 with ``--strict`` if a goal was missed)."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=(bench.__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results file"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller counts, shorter timeouts: a smoke run, not the official figures",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the random gaps")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a goal is missed"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="KEY",
        help="measure only this figure (repeatable); keys: "
        + ", ".join(spec.key for spec in registered()),
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    sizes = QUICK if args.quick else Sizes()
    meta: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "home_assistant": ha_version,
        "cpus": os.cpu_count(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "quick": args.quick,
        "strict": args.strict,
        "seed": args.seed,
        "units": "seconds and bytes unless a name says otherwise",
    }
    errors: list[str] = []
    begin = time.perf_counter()
    only = set(args.only) if args.only else None
    figures = asyncio.run(main_async(sizes, args.seed, args.quick, only, errors))
    meta["seconds"] = time.perf_counter() - begin
    meta["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta["loop_errors"] = errors
    print(render(figures, meta))
    if errors:
        print(
            f"bench: the event loop reported {len(errors)} error(s):",
            *errors[:5],
            sep="\n  ",
        )
    write_json(args.output, figures, meta, sizes)
    print(f"bench: results written to {args.output}")
    missed = any(f.passed is False for f in figures)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
