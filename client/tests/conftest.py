"""The project's ICWS simulator as a process, and a client of the installed wheel for it.

The simulator runs under the development environment's Python (ICWS_SIMULATOR_PYTHON, by
default the repository's .venv): the environment under test holds the wheel, its declared
dependencies and the test tools, nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import json
import os
from pathlib import Path
import re
import subprocess
import sys
from typing import Any
import urllib.request

import aiohttp
import pytest
from yarl import URL

from aioicws import IcwsClient

ROOT = Path(__file__).parents[2]
USER, PASSWORD, DISPLAY_NAME = "jdoe", "pw-Lo9-secret", "Jane Doe"
START_BOUND = 60.0
LISTENING = re.compile(r"listening on (http://\S+)")


class Simulator:
    """Where the simulator listens, and its control API."""

    def __init__(self, url: str) -> None:
        """Remember the simulator's address."""
        self.url = URL(url)

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API (GET without a body, POST with one); return its answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our simulator on loopback
            str(self.url / "_simulator" / path), data=data
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)

    def sessions(self) -> list[dict[str, Any]]:
        """The sessions the server holds."""
        sessions: list[dict[str, Any]] = self.control("state")["sessions"]
        return sessions


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """Start the simulator on a free loopback port for the whole run."""
    python = os.environ.get("ICWS_SIMULATOR_PYTHON", str(ROOT / ".venv/bin/python"))
    process = subprocess.Popen(
        [python, "-m", "icws_simulator", "--port", "0",
         "--user", f"{USER}:{PASSWORD}:{DISPLAY_NAME}"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        # The first line says where it listens; readline returns "" if it exits.
        line = process.stdout.readline()
        if not (match := LISTENING.search(line)):
            pytest.fail(f"The simulator did not start: {line!r}")
        yield Simulator(match[1])
    finally:
        process.terminate()
        process.wait(START_BOUND)
        process.stdout.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as any asyncio program has."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def client(
    http: aiohttp.ClientSession, simulator: Simulator
) -> AsyncIterator[IcwsClient]:
    """A client of the simulator's user, closed after the test."""
    icws = IcwsClient(
        http, simulator.url, USER, PASSWORD, application_name="aioicws tests"
    )
    yield icws
    await icws.close()


def python_of_this_environment() -> str:
    """The interpreter of the environment under test."""
    return sys.executable
