"""Child processes of the bench: the simulator on its own, and bounded waits on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import os
from pathlib import Path
import sys
import time
from typing import Final

from bench.settings import ARRIVAL_LIMIT

ROOT: Final = Path(__file__).resolve().parent.parent
STOP_LIMIT: Final = 15.0


def child_env() -> dict[str, str]:
    """The environment of a child Python: this repository importable."""
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT),
    }


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it does not end in time."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        async with asyncio.timeout(STOP_LIMIT):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()


class SimulatorProcess:
    """``python -m bench.serve`` as a child; :meth:`restart` keeps its port."""

    def __init__(self, users: int, ping_interval: float = 15.0) -> None:
        """Prepare; :meth:`start` starts it."""
        self.users = users
        self.ping_interval = ping_interval
        self.url = ""
        self.port = 0
        self._process: asyncio.subprocess.Process | None = None
        # When the last start spawned the child (it blocks the calling loop a moment).
        self.spawned: tuple[float, float] = (0.0, 0.0)

    async def start(self) -> None:
        """Start the process and wait (bounded) until it says where it listens."""
        begin = time.perf_counter()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.serve", "--port", str(self.port),
            "--users", str(self.users), "--ping-interval", str(self.ping_interval),
            stdout=asyncio.subprocess.PIPE, cwd=ROOT, env=child_env(),
        )  # fmt: skip
        self.spawned = (begin, time.perf_counter())
        if self._process.stdout is None:
            raise RuntimeError("no pipe from the simulator process")
        async with asyncio.timeout(ARRIVAL_LIMIT * 3):
            line = await self._process.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process ended before listening")
        self.url = line.decode().strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    async def stop(self) -> None:
        """Stop it (its sessions end with it, as a server's do when it stops)."""
        if self._process is not None:
            await stop(self._process)
            self._process = None

    async def restart(self) -> None:
        """Stop it and start it again on the same port."""
        await self.stop()
        await self.start()


@contextlib.asynccontextmanager
async def simulator_process(
    users: int, ping_interval: float = 15.0
) -> AsyncIterator[SimulatorProcess]:
    """A running :class:`SimulatorProcess` for the block."""
    process = SimulatorProcess(users, ping_interval)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()
