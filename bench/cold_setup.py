"""Config entry setup times, run in a fresh process: ``python -m bench.cold_setup URL N``.

The first setup is cold: the integration is imported inside the timed call, as on the first
start of Home Assistant after installing it. Home Assistant's own ``sensor`` and
``binary_sensor`` are set up before the clock starts (any installation has them). Then
``N`` warm setups of the same entry. Prints the times as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from homeassistant.setup import async_setup_component

import bench.simulator  # noqa: F401 - imported before the clock starts
from bench.test_instance import home_assistant

# This repository's package, before Home Assistant's test configuration directory (which has
# a custom_components of its own) is on the path; the integration itself is not imported.
import custom_components  # noqa: F401

PACKAGE = "custom_components.icws_station"


async def measure(url: str, warm_runs: int) -> dict[str, object]:
    """Time the cold setup, then the warm ones."""
    async with home_assistant() as hass:
        for domain in ("sensor", "binary_sensor"):
            await async_setup_component(hass, domain, {})
        await hass.async_block_till_done()
        if any(name.startswith(PACKAGE) for name in sys.modules):
            raise RuntimeError("the integration was imported before the cold setup")
        begin = time.perf_counter()
        from bench.home_assistant import add_entry  # noqa: PLC0415 - timed import

        entry = add_entry(hass, url, 1)
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"the cold setup failed: {entry.state}")
        cold = time.perf_counter() - begin
        await hass.async_block_till_done()
        warm: list[float] = []
        for _ in range(warm_runs):
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            begin = time.perf_counter()
            if not await hass.config_entries.async_setup(entry.entry_id):
                raise RuntimeError(f"a warm setup failed: {entry.state}")
            warm.append(time.perf_counter() - begin)
            await hass.async_block_till_done()
    return {"cold": cold, "warm": warm}


def main() -> int:
    """Measure and print the JSON."""
    url, warm_runs = sys.argv[1], int(sys.argv[2])
    print(json.dumps(asyncio.run(measure(url, warm_runs))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
