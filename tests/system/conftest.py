"""A real Home Assistant and the ICWS simulator as processes on free loopback ports.

Started once for the session (Home Assistant takes a while to start) and onboarded through
its REST API, as the frontend does on a first visit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp
import pytest
from pytest_socket import enable_socket

ROOT = Path(__file__).parents[2]
# The leg of scripts/test. A test run rewrites no tracked file: the browser test's screenshots
# go to screenshots/<leg>/ (ignored by git) to look at, and replace the README's only when
# ICWS_REFRESH_SCREENSHOTS=1 asks, from the pinned release's frontend.
LEG = os.environ.get("ICWS_TEST_LEG", "pinned")
REFRESH_SCREENSHOTS = os.environ.get("ICWS_REFRESH_SCREENSHOTS") == "1"
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if REFRESH_SCREENSHOTS and LEG == "pinned"
    else ROOT / "screenshots" / LEG
)
# What configuration.yaml includes: the files the automation, script and scene editors write.
EDITOR_FILES = ("automations.yaml", "scripts.yaml", "scenes.yaml")
START_BOUND = 180.0  # seconds Home Assistant may take to answer after start
STOP_BOUND = 30.0
WAIT = 30.0  # seconds for any one step of a test
OWNER = {"name": "Owner", "username": "owner", "password": "owner-Pw-8812"}


@dataclass(frozen=True)
class RunningHomeAssistant:
    """Where the processes listen, and the owner's access token."""

    url: str
    simulator_url: str
    token: str
    config_dir: Path

    @property
    def log(self) -> Path:
        """Home Assistant's log file."""
        return self.config_dir / "home-assistant.log"


def free_port(preferred: int = 0) -> int:
    """Return a loopback port nothing listens on right now, ``preferred`` if it is free."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(
    url: str,
    data: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    form: bool = False,
) -> Any:
    """Send one request (POST with data, else GET) and decode the JSON answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = None
    if data is not None:
        if form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
    # The URL is ours, on loopback.
    prepared = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
    with urllib.request.urlopen(prepared, timeout=30) as response:  # noqa: S310
        text = response.read()
    return json.loads(text) if text else None


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    """Wait (bounded) until ``url`` answers, failing early if the process died."""
    deadline = time.monotonic() + START_BOUND
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310
        except OSError:
            time.sleep(0.5)
        else:
            return
    pytest.fail(f"{what} did not answer within {START_BOUND:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process as Ctrl-C in scripts/develop does, bounded."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_BOUND)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_BOUND)


def onboard(url: str) -> str:
    """Create the owner and finish onboarding; return an access token."""
    client_id = f"{url}/"
    created = request(
        f"{url}/api/onboarding/users",
        {**OWNER, "client_id": client_id, "language": "en"},
    )
    tokens = request(
        f"{url}/auth/token",
        {
            "grant_type": "authorization_code",
            "code": created["auth_code"],
            "client_id": client_id,
        },
        form=True,
    )
    token: str = tokens["access_token"]
    request(f"{url}/api/onboarding/core_config", {}, token=token)
    request(f"{url}/api/onboarding/analytics", {}, token=token)
    request(
        f"{url}/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": f"{url}/?auth_callback=1"},
        token=token,
    )
    return token


def websocket_command(url: str, token: str, command: dict[str, Any]) -> Any:
    """Send one command over Home Assistant's websocket API, as the frontend does.

    Returns the answer's result; fails the test on an error answer.
    """

    async def send() -> Any:
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.ws_connect(f"{url}/api/websocket") as ws,
        ):
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, **command})
            answer = await ws.receive_json()
            assert answer["success"], answer
            return answer["result"]

    # Its own thread and event loop: the tests' loops belong to pytest-asyncio.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, send()).result()


@pytest.fixture(scope="session")
def home_assistant(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningHomeAssistant]:
    """Start the simulator and Home Assistant (as scripts/develop does) and onboard."""
    enable_socket()  # the harness blocks sockets per test; these fixtures outlive one test
    config_dir = tmp_path_factory.mktemp("config")
    shutil.copy(
        ROOT / "config" / "configuration.yaml", config_dir / "configuration.yaml"
    )
    for name in EDITOR_FILES:
        (config_dir / name).touch()
    (config_dir / "custom_components").symlink_to(ROOT / "custom_components")
    # The simulator's address shows in the README's screenshots: keep it the same run to run.
    ha_port, sim_port = free_port(), free_port(preferred=18018)
    bin_dir = Path(sys.executable).parent
    # Home Assistant keeps its HTTP settings in .storage/http; configuration.yaml has none.
    subprocess.run(
        [
            sys.executable,
            ROOT / "scripts" / "http_settings.py",
            config_dir,
            str(ha_port),
        ],
        check=True,
    )
    logs = config_dir / "processes.log"
    with logs.open("ab") as output:
        simulator = subprocess.Popen(
            [sys.executable, "-m", "icws_simulator", "--port", str(sim_port),
             "--ping-interval", "5", "--users", "24"],
            cwd=ROOT, stdout=output, stderr=output,
        )  # fmt: skip
        hass = subprocess.Popen(
            [bin_dir / "hass", "--config", config_dir, "--skip-pip",
             "--log-file", config_dir / "home-assistant.log"],
            cwd=ROOT, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        simulator_url = f"http://127.0.0.1:{sim_port}"
        url = f"http://127.0.0.1:{ha_port}"
        wait_until_up(f"{simulator_url}/_simulator/state", simulator, "The simulator")
        wait_until_up(f"{url}/manifest.json", hass, "Home Assistant")
        token = onboard(url)
        yield RunningHomeAssistant(url, simulator_url, token, config_dir)
    finally:
        stop(hass)
        stop(simulator)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session for the test's calls."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=WAIT)
    ) as session:
        yield session
