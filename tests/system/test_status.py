"""The user's status in a real Home Assistant process, set through the select as the UI does."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from .conftest import WAIT, RunningHomeAssistant
from .test_system import PREFIX, HomeAssistantSocket, add_integration, call, control

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("socket_enabled")]

STATUS = f"sensor.{PREFIX}_status"
STATUS_SELECT = f"select.{PREFIX}_set_status"
DO_NOT_DISTURB = f"binary_sensor.{PREFIX}_do_not_disturb"


async def server_status(http: aiohttp.ClientSession, ha: RunningHomeAssistant) -> Any:
    """Return the status the simulator holds for the user (its wire form)."""
    async with http.get(f"{ha.simulator_url}/_simulator/status") as response:
        assert response.status == 200, await response.text()
        return (await response.json())["users"]["jdoe"]["status"]


async def test_select_sets_the_status_on_the_server(
    http: aiohttp.ClientSession, home_assistant: RunningHomeAssistant
) -> None:
    """An option chosen over the websocket API reaches the server and comes back."""
    ha = home_assistant
    await control(http, ha, "status/users/jdoe", {"status_id": "Available"})
    async with HomeAssistantSocket(http, ha) as socket:
        entry_id = await add_integration(http, ha)
        try:
            await socket.wait_for(STATUS_SELECT, "Available")
            states = await socket.states()
            assert states[STATUS] == "Available"
            assert states[DO_NOT_DISTURB] == "off"

            # What the frontend sends when a person picks an option.
            await socket.call(
                "call_service",
                domain="select",
                service="select_option",
                service_data={"option": "In a Meeting"},
                target={"entity_id": STATUS_SELECT},
            )
            assert (await server_status(http, ha))["statusId"] == "In a Meeting"
            assert await socket.wait_for(STATUS_SELECT, "In a Meeting") == [
                "In a Meeting"
            ]
            assert (await socket.states())[STATUS] == "In a Meeting"

            # Set elsewhere (the desktop client): Home Assistant follows.
            await control(
                http, ha, "status/users/jdoe", {"status_id": "Do Not Disturb"}
            )
            assert await socket.wait_for(DO_NOT_DISTURB, "on") == ["on"]
            states = await socket.states()
            assert states[STATUS_SELECT] == "Do Not Disturb"
            assert states[STATUS] == "Do Not Disturb"
        finally:
            await call(
                http, ha, "DELETE", f"/api/config/config_entries/entry/{entry_id}"
            )
            async with asyncio.timeout(WAIT):
                await socket.wait_for(STATUS_SELECT, None)
            await control(http, ha, "status/users/jdoe", {"status_id": "Available"})
