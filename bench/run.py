"""The run: every registered figure in turn, each bounded; one that fails is shown failed."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import aiohttp
from homeassistant import runner

from bench.catalogue import figures as registered
from bench.progress import step
from bench.registry import Context
from bench.results import Figure
from bench.settings import PHASE_LIMIT, RUN_LIMIT, Sizes


async def run(
    sizes: Sizes, seed: int, quick: bool, only: set[str] | None = None
) -> list[Figure]:
    """Measure every figure (or those named in ``only``), one after the other."""
    figures: list[Figure] = []
    async with aiohttp.ClientSession() as http:
        ctx = Context(sizes, random.Random(seed), http, quick)  # noqa: S311 - not secrets
        for spec in registered():
            if only is not None and spec.key not in only:
                continue
            fig = spec.blank()
            step(f"{len(figures) + 1}. {spec.title}")
            try:
                async with asyncio.timeout(PHASE_LIMIT):
                    await spec.measure(ctx, fig)
            except Exception as err:  # noqa: BLE001 - shown in the table as failed
                fig.passed = False
                fig.missed = ["measured"]
                fig.add("error", f"{type(err).__name__}: {err}")
                step(f"{spec.key} failed: {type(err).__name__}: {err}")
            figures.append(fig)
    return figures


async def main_async(
    sizes: Sizes, seed: int, quick: bool, only: set[str] | None, errors: list[str]
) -> list[Figure]:
    """Run with Home Assistant's loop settings, recording errors the loop reports."""
    loop = asyncio.get_running_loop()
    runner.configure_event_loop(loop)

    def record(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(str(context.get("exception") or context.get("message")))

    loop.set_exception_handler(record)
    async with asyncio.timeout(RUN_LIMIT):
        return await run(sizes, seed, quick, only)
