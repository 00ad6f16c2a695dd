"""A call placed through the simulator, seen by a real Home Assistant process."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from .conftest import WAIT, RunningHomeAssistant
from .test_system import PREFIX, HomeAssistantSocket, add_integration, call, control

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("socket_enabled")]

CALL_STATE = f"sensor.{PREFIX}_call_state"
RINGING = f"binary_sensor.{PREFIX}_ringing"
ON_CALL = f"binary_sensor.{PREFIX}_on_call"
CALL_EVENT = f"event.{PREFIX}_call"


async def event_attributes(socket: HomeAssistantSocket) -> dict[str, Any]:
    """Return the call event entity's attributes."""
    for state in await socket.call("get_states"):
        if state["entity_id"] == CALL_EVENT:
            attributes: dict[str, Any] = state["attributes"]
            return attributes
    raise AssertionError(f"{CALL_EVENT} is missing")


async def test_call_rings_then_connects(
    http: aiohttp.ClientSession, home_assistant: RunningHomeAssistant
) -> None:
    """Ringing, then connected, then idle; the event entity fires at each step."""
    ha = home_assistant
    async with HomeAssistantSocket(http, ha) as socket:
        entry_id = await add_integration(http, ha)
        try:
            await socket.wait_for(CALL_STATE, "idle")
            assert (await socket.states())[ON_CALL] == "off"

            rung = await control(
                http,
                ha,
                "calls/ring",
                {"name": "Ada Lovelace", "number": "+1 555 0100"},
            )
            call_id = rung["interactionId"]
            assert await socket.wait_for(CALL_STATE, "ringing") == ["ringing"]
            states = await socket.states()
            assert states[RINGING] == "on"
            event = await event_attributes(socket)
            assert event["event_type"] == "ringing"
            assert event["remote_name"] == "Ada Lovelace"
            assert event["remote_number"] == "+1 555 0100"

            await control(http, ha, f"interactions/{call_id}/answer", {})
            assert await socket.wait_for(CALL_STATE, "connected") == ["connected"]
            assert (await socket.states())[ON_CALL] == "on"
            assert (await event_attributes(socket))["event_type"] == "answered"

            await control(http, ha, f"interactions/{call_id}/disconnect", {})
            assert await socket.wait_for(CALL_STATE, "idle") == ["idle"]
            event = await event_attributes(socket)
            assert event["event_type"] == "ended"
            assert event["duration"] >= 0
        finally:
            await call(
                http, ha, "DELETE", f"/api/config/config_entries/entry/{entry_id}"
            )
            async with asyncio.timeout(WAIT):
                await socket.wait_for(CALL_STATE, None)
