"""The run: every measurement in turn, each bounded, then the figures made of them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import random
from typing import Any

import aiohttp
from homeassistant import runner

from bench.client import client_latency_sse, client_memory, polling_window
from bench.figures import (
    broken,
    figure_1,
    figure_2,
    figure_3,
    figure_4,
    figure_5,
    figure_6,
    figure_7,
)
from bench.home_assistant import home_assistant
from bench.integration import ha_burst, ha_latency, ha_recovery, ha_setup
from bench.progress import step
from bench.results import Figure
from bench.settings import PHASE_LIMIT, RUN_LIMIT, Sizes


async def phase[T](
    label: str, work: Coroutine[Any, Any, T], errors: dict[str, str]
) -> T | None:
    """Run one phase, bounded in time; a phase that fails is reported, the others run."""
    step(label)
    try:
        async with asyncio.timeout(PHASE_LIMIT):
            return await work
    except Exception as err:  # noqa: BLE001 - shown in the table as a failed figure
        errors[label] = f"{type(err).__name__}: {err}"
        step(f"{label} failed: {errors[label]}")
        return None


async def run(sizes: Sizes, seed: int) -> list[Figure]:
    """Measure every figure, one after the other."""
    rng = random.Random(seed)  # noqa: S311 - random gaps, not secrets
    errors: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        sse = await phase(
            "1. SSE latency", client_latency_sse(http, sizes, rng), errors
        )
        polling = await phase(
            f"1+3. polling latency and idle load ({sizes.poll_window:.0f} s window)",
            polling_window(http, sizes, rng),
            errors,
        )
        memory = await phase("5. client memory", client_memory(http, sizes), errors)
    async with home_assistant() as hass:
        setup = await phase("7. config entry setup", ha_setup(hass, sizes), errors)
        ha_sse = await phase(
            "2. Home Assistant state latency", ha_latency(hass, sizes, rng), errors
        )
        burst = await phase("4. burst", ha_burst(hass, sizes), errors)
        recovery = await phase("6. recovery", ha_recovery(hass, sizes), errors)

    def failed(number: int) -> Figure:
        mine = {k: v for k, v in errors.items() if str(number) in k.split(".")[0]}
        return broken(number, sizes, mine)

    return [
        figure_1(sizes, sse, polling) if sse and polling else failed(1),
        figure_2(ha_sse) if ha_sse else failed(2),
        figure_3(polling) if polling else failed(3),
        figure_4(sizes, burst) if burst else failed(4),
        figure_5(memory) if memory else failed(5),
        figure_6(recovery) if recovery else failed(6),
        figure_7(setup) if setup else failed(7),
    ]


async def main_async(sizes: Sizes, seed: int, errors: list[str]) -> list[Figure]:
    """Run with Home Assistant's loop settings, recording errors the loop reports."""
    loop = asyncio.get_running_loop()
    runner.configure_event_loop(loop)

    def record(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(str(context.get("exception") or context.get("message")))

    loop.set_exception_handler(record)
    async with asyncio.timeout(RUN_LIMIT):
        return await run(sizes, seed)
