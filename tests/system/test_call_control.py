"""Call control in a real Home Assistant process, over the websocket API as the UI does it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from .conftest import WAIT, RunningHomeAssistant
from .test_system import PREFIX, HomeAssistantSocket, add_integration, call, control

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("socket_enabled")]

CALL_STATE = f"sensor.{PREFIX}_call_state"
END_BUTTON = f"button.{PREFIX}_end_call"


async def interaction(
    http: aiohttp.ClientSession, ha: RunningHomeAssistant, interaction_id: str
) -> dict[str, Any]:
    """Return the simulator's view of one interaction."""
    async with http.get(f"{ha.simulator_url}/_simulator/interactions") as response:
        listed: list[dict[str, Any]] = (await response.json())["interactions"]
    [found] = [i for i in listed if i["interactionId"] == interaction_id]
    return found


async def test_answer_a_ringing_call_hang_up_and_dial(
    http: aiohttp.ClientSession, home_assistant: RunningHomeAssistant
) -> None:
    """answer_call picks up on the server, the end button hangs up, dial responds."""
    ha = home_assistant
    async with HomeAssistantSocket(http, ha) as socket:
        entry_id = await add_integration(http, ha)
        try:
            await socket.wait_for(CALL_STATE, "idle")
            rung = await control(
                http,
                ha,
                "calls/ring",
                {"name": "Ada Lovelace", "number": "+1 555 0100"},
            )
            call_id = rung["interactionId"]
            assert await socket.wait_for(CALL_STATE, "ringing") == ["ringing"]

            # What the frontend sends for an action, and for a button's press.
            await socket.call(
                "call_service",
                domain="icws_station",
                service="answer_call",
                service_data={"config_entry_id": entry_id},
            )
            assert (await interaction(http, ha, call_id))["state"] == "C"
            assert await socket.wait_for(CALL_STATE, "connected") == ["connected"]
            await socket.call(
                "call_service",
                domain="button",
                service="press",
                target={"entity_id": END_BUTTON},
            )
            assert await socket.wait_for(CALL_STATE, "idle") == ["idle"]

            result = await socket.call(
                "call_service",
                domain="icws_station",
                service="dial",
                service_data={"config_entry_id": entry_id, "number": "+1 555 0199"},
                return_response=True,
            )
            placed = result["response"]["interaction_id"]
            assert await socket.wait_for(CALL_STATE, "dialing") == ["dialing"]
            dialled = await interaction(http, ha, placed)
            assert (dialled["direction"], dialled["remoteNumber"]) == (
                "O",
                "+1 555 0199",
            )
            await control(http, ha, f"interactions/{placed}/disconnect", {})
            assert await socket.wait_for(CALL_STATE, "idle") == ["idle"]
        finally:
            await call(
                http, ha, "DELETE", f"/api/config/config_entries/entry/{entry_id}"
            )
            async with asyncio.timeout(WAIT):
                await socket.wait_for(CALL_STATE, None)
