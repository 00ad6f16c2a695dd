"""A real Home Assistant process, as ``scripts/develop`` starts it, driven over its APIs.

The same start as ``scripts/develop``: the repository's ``config/configuration.yaml`` in a
fresh configuration directory, ``custom_components`` linked in, the HTTP settings written by
``scripts/http_settings.py`` where it exists (``HA_PORT`` for a configuration that still
reads it), onboarded through the REST API as the frontend does on a first visit, and an
entry added through the config flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import socket
import sys
import tempfile
import time
from typing import Any, Self

import aiohttp

from bench.processes import ROOT, stop

START_LIMIT = 180.0
OWNER = {"name": "Owner", "username": "owner", "password": "bench-Owner-8812"}


@dataclass(frozen=True)
class RunningHass:
    """Where it listens, the owner's token, and how long it took to answer."""

    url: str
    token: str
    started_in: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _json(
    http: aiohttp.ClientSession,
    url: str,
    data: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    form: bool = False,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"data": data} if form else {"json": data}
    method = "GET" if data is None else "POST"
    async with http.request(method, url, headers=headers, **kwargs) as response:
        if response.status >= 300:
            raise RuntimeError(
                f"{url}: HTTP {response.status}: {await response.text()}"
            )
        return await response.json() if response.content_length != 0 else None


async def _onboard(http: aiohttp.ClientSession, url: str) -> str:
    client_id = f"{url}/"
    created = await _json(
        http,
        f"{url}/api/onboarding/users",
        {**OWNER, "client_id": client_id, "language": "en"},
    )
    tokens = await _json(
        http,
        f"{url}/auth/token",
        {
            "grant_type": "authorization_code",
            "code": created["auth_code"],
            "client_id": client_id,
        },
        form=True,
    )
    token: str = tokens["access_token"]
    await _json(http, f"{url}/api/onboarding/core_config", {}, token=token)
    await _json(http, f"{url}/api/onboarding/analytics", {}, token=token)
    await _json(
        http,
        f"{url}/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": f"{url}/?auth_callback=1"},
        token=token,
    )
    return token


async def _wait_up(
    http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process
) -> None:
    async with asyncio.timeout(START_LIMIT):
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"Home Assistant exited with {process.returncode}")
            try:
                async with http.get(f"{url}/manifest.json") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def hass_process(http: aiohttp.ClientSession) -> AsyncIterator[RunningHass]:
    """Start Home Assistant, onboard it, and stop it after the block."""
    with tempfile.TemporaryDirectory(prefix="icws-bench-") as tmp:
        config = Path(tmp)
        shutil.copy(ROOT / "config" / "configuration.yaml", config)
        for name in ("automations.yaml", "scripts.yaml", "scenes.yaml"):  # its includes
            (config / name).touch()
        (config / "custom_components").symlink_to(ROOT / "custom_components")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        http_settings = ROOT / "scripts" / "http_settings.py"
        if (
            http_settings.exists()
        ):  # the HTTP settings live in .storage, as scripts/develop writes them
            writer = await asyncio.create_subprocess_exec(
                sys.executable, str(http_settings), str(config), str(port), cwd=ROOT
            )
            if await writer.wait():
                raise RuntimeError("scripts/http_settings.py failed")
        begin = time.perf_counter()
        with (config / "processes.log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "homeassistant", "--config", str(config),
                "--skip-pip", "--log-file", str(config / "home-assistant.log"),
                stdout=log, stderr=log, cwd=ROOT,
                env={**os.environ, "HA_PORT": str(port)},
            )  # fmt: skip
        try:
            await _wait_up(http, url, process)
            started_in = time.perf_counter() - begin
            token = await _onboard(http, url)
            yield RunningHass(url, token, started_in)
        finally:
            await stop(process)


async def add_entry(
    http: aiohttp.ClientSession, ha: RunningHass, answers: dict[str, Any]
) -> str:
    """Run the config flow over the REST API as the frontend does; return the entry id.

    Each form gets the answers its schema asks for, whatever the order of the steps.
    """
    base = f"{ha.url}/api/config/config_entries/flow"
    flow = await _json(
        http, base, {"handler": "icws_station", "show_advanced_options": False},
        token=ha.token,
    )  # fmt: skip
    for _ in range(10):
        if flow["type"] != "form":
            break
        if flow.get("errors"):
            raise RuntimeError(f"the config flow answered {flow['errors']}")
        fields = {field["name"] for field in flow.get("data_schema", [])}
        flow = await _json(
            http,
            f"{base}/{flow['flow_id']}",
            {name: value for name, value in answers.items() if name in fields},
            token=ha.token,
        )
    if flow["type"] != "create_entry":
        raise RuntimeError(f"the config flow ended with {flow}")
    entry_id: str = flow["result"]["entry_id"]
    return entry_id


class StateSocket:
    """Home Assistant's websocket API, subscribed to state changes.

    Records the time each (entity, state) pair is first seen, as the client reads it.
    """

    def __init__(self, http: aiohttp.ClientSession, ha: RunningHass) -> None:
        """Prepare; use as an async context manager."""
        self._http = http
        self._ha = ha
        self.first_seen: dict[str, float] = {}  # state -> when, for any entity
        self._seen = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        """Connect, authenticate, subscribe and start reading."""
        self._ws = await self._http.ws_connect(f"{self._ha.url}/api/websocket")
        if (await self._ws.receive_json())["type"] != "auth_required":
            raise RuntimeError("no websocket auth request")
        await self._ws.send_json({"type": "auth", "access_token": self._ha.token})
        if (await self._ws.receive_json())["type"] != "auth_ok":
            raise RuntimeError("websocket auth failed")
        await self._ws.send_json(
            {"id": 1, "type": "subscribe_events", "event_type": "state_changed"}
        )
        if not (await self._ws.receive_json())["success"]:
            raise RuntimeError("could not subscribe to state changes")
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        """Disconnect."""
        if self._task is not None:
            self._task.cancel()
        await self._ws.close()

    async def _read(self) -> None:
        perf_counter = time.perf_counter
        async for message in self._ws:
            now = perf_counter()
            data = message.json()
            if data.get("type") != "event":
                continue
            new = data["event"]["data"].get("new_state")
            if new is not None:
                self.first_seen.setdefault(new["state"], now)
                self._seen.set()

    async def wait_for(self, state: str, limit: float) -> None:
        """Wait (bounded) until some entity took ``state``."""
        async with asyncio.timeout(limit):
            while state not in self.first_seen:
                self._seen.clear()
                await self._seen.wait()
