"""The integration in a real Home Assistant process, driven as the frontend drives it."""

from __future__ import annotations

import asyncio
from typing import Any, Self

import aiohttp
import pytest

from .conftest import WAIT, RunningHomeAssistant

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("socket_enabled")]

PREFIX = "jane_doe_cic01"
EXTENSION = f"sensor.{PREFIX}_extension"
STATION_CONNECTED = f"binary_sensor.{PREFIX}_station_connected"
SERVER_CONNECTION = f"binary_sensor.{PREFIX}_server_connection"


class HomeAssistantSocket:
    """Home Assistant's websocket API, as the frontend uses it, watching state changes."""

    def __init__(self, http: aiohttp.ClientSession, ha: RunningHomeAssistant) -> None:
        """Prepare a connection to ``ha``."""
        self._http = http
        self._ha = ha
        self._next_id = 0
        self._results: dict[int, asyncio.Future[Any]] = {}
        self.changes: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()

    async def __aenter__(self) -> Self:
        """Connect, authenticate and subscribe to state changes."""
        self._ws = await self._http.ws_connect(f"{self._ha.url}/api/websocket")
        assert (await self._ws.receive_json())["type"] == "auth_required"
        await self._ws.send_json({"type": "auth", "access_token": self._ha.token})
        assert (await self._ws.receive_json())["type"] == "auth_ok"
        self._reader = asyncio.create_task(self._read())
        await self.call("subscribe_events", event_type="state_changed")
        return self

    async def __aexit__(self, *_: object) -> None:
        """Disconnect."""
        self._reader.cancel()
        await self._ws.close()

    async def call(self, kind: str, **data: Any) -> Any:
        """Send a command and return its result."""
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._results[self._next_id] = future
        await self._ws.send_json({"id": self._next_id, "type": kind, **data})
        async with asyncio.timeout(WAIT):
            return await future

    async def _read(self) -> None:
        async for raw in self._ws:
            message = raw.json()
            if message["type"] == "result":
                self._results.pop(message["id"]).set_result(message.get("result"))
            elif message["type"] == "event":
                data = message["event"]["data"]
                new = data.get("new_state")
                await self.changes.put(
                    (data["entity_id"], new["state"] if new else None)
                )

    async def states(self) -> dict[str, str]:
        """Return every entity's state."""
        return {
            state["entity_id"]: state["state"]
            for state in await self.call("get_states")
        }

    async def wait_for(self, entity_id: str, state: str | None) -> list[str | None]:
        """Wait (bounded) until ``entity_id`` changes to ``state``; return what it went through."""
        seen: list[str | None] = []
        async with asyncio.timeout(WAIT):
            while True:
                changed, new = await self.changes.get()
                if changed == entity_id:
                    seen.append(new)
                    if new == state:
                        return seen


async def call(
    http: aiohttp.ClientSession, ha: RunningHomeAssistant, method: str, path: str,
    data: dict[str, Any] | None = None,
) -> Any:  # fmt: skip
    """Call Home Assistant's REST API as the owner."""
    async with http.request(
        method,
        f"{ha.url}{path}",
        json=data,
        headers={"Authorization": f"Bearer {ha.token}"},
    ) as response:
        assert response.status < 300, await response.text()
        return await response.json()


async def control(
    http: aiohttp.ClientSession,
    ha: RunningHomeAssistant,
    path: str,
    data: dict[str, Any],
) -> Any:
    """Drive the simulator through its control interface."""
    async with http.post(
        f"{ha.simulator_url}/_simulator/{path}", json=data
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def simulator_state(http: aiohttp.ClientSession, ha: RunningHomeAssistant) -> Any:
    """Read the simulator's state (sessions, streams; never secrets)."""
    async with http.get(f"{ha.simulator_url}/_simulator/state") as response:
        return await response.json()


async def add_integration(http: aiohttp.ClientSession, ha: RunningHomeAssistant) -> str:
    """Run the config flow over the REST API exactly as the frontend does; return the entry."""
    flow = await call(
        http, ha, "POST", "/api/config/config_entries/flow",
        {"handler": "icws_station", "show_advanced_options": False},
    )  # fmt: skip
    assert flow["step_id"] == "user"
    steps: list[dict[str, Any]] = [
        {
            "url": ha.simulator_url,
            "username": "jdoe",
            "password": "secret",
            "verify_ssl": True,
        },
        {"station_type": "workstation"},
        {"workstation": "WS-114"},
    ]
    for answer in steps:
        assert flow["type"] == "form", flow
        assert not flow.get("errors"), flow
        flow = await call(
            http,
            ha,
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            answer,
        )
    assert flow["type"] == "create_entry", flow
    assert flow["title"] == "Jane Doe (CIC01)"
    entry_id: str = flow["result"]["entry_id"]
    return entry_id


def log_tail(ha: RunningHomeAssistant, start: int) -> str:
    """Return what Home Assistant logged since ``start`` (a byte offset)."""
    with ha.log.open("rb") as log:
        log.seek(start)
        return log.read().decode(errors="replace")


async def test_add_watch_recover_reload_remove(
    http: aiohttp.ClientSession, home_assistant: RunningHomeAssistant
) -> None:
    ha = home_assistant
    log_start = ha.log.stat().st_size
    async with HomeAssistantSocket(http, ha) as socket:
        entry_id = await add_integration(http, ha)
        await socket.wait_for(EXTENSION, "114")

        states = await socket.states()
        assert states[f"sensor.{PREFIX}_station"] == "WS-114"
        assert states[f"sensor.{PREFIX}_station_type"] == "workstation"
        assert states[STATION_CONNECTED] == "on"
        assert states[SERVER_CONNECTION] == "on"
        assert states[f"binary_sensor.{PREFIX}_can_be_dialed"] == "on"

        # A change on the server reaches the state machine.
        await control(http, ha, "stations/WS-114", {"extension": "4114"})
        assert await socket.wait_for(EXTENSION, "4114") == ["4114"]

        # The server ends the session: unavailable, then back with the current station.
        await control(http, ha, "sessions/end", {})
        went_through = await socket.wait_for(EXTENSION, "4114")
        assert went_through == ["unavailable", "4114"]

        # Reload, then remove: the session on the server goes with it.
        await call(
            http, ha, "POST", f"/api/config/config_entries/entry/{entry_id}/reload"
        )
        await socket.wait_for(EXTENSION, "4114")
        await call(http, ha, "DELETE", f"/api/config/config_entries/entry/{entry_id}")
        await socket.wait_for(EXTENSION, None)

    # Other processes: nothing to await but their answers, so ask again, bounded.
    async with asyncio.timeout(WAIT):
        while (await simulator_state(http, ha))["sessionCount"]:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        # Home Assistant writes its log from a thread: wait for the logout to be logged.
        while "Logout: HTTP" not in log_tail(ha, log_start):  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    logged = log_tail(ha, log_start)
    errors = [
        line for line in logged.splitlines() if " ERROR " in line or "Traceback" in line
    ]
    assert errors == []
