"""Setting the entry up and tearing it down: nothing may be left behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.icws import IcwsClient, Message
from icws_simulator import IcwsSimulator


async def test_unload_logs_out_and_leaves_nothing(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    assert len(simulator.sessions) == 1
    before = len(simulator.traffic.requests)

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not simulator.sessions
    calls = [
        (method, path.split("/", 3)[-1])
        for method, path, _ in simulator.traffic.requests[before:]
    ]
    assert calls[0] == ("DELETE", "connection/station")
    assert calls[-1] == ("DELETE", "connection")
    # Every subscription ends before the logout: the station's, the status's, the
    # queue's and the activations'.
    assert sorted(calls[1:-1]) == [
        ("DELETE", f"messaging/subscriptions/{name}")
        for name in (
            "activations/users/icws-station-activations",
            "connection/station",
            "queues/icws-station-user-queue",
            "status/status-messages",
            "status/status-messages-user-access",
            "status/user-statuses",
            "unified-messaging/messages-waiting-indicator",
        )
    ]
    assert simulator.sessions.open_streams == 0


async def test_home_assistant_stop_logs_out(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    assert not simulator.sessions


async def test_server_unreachable_is_not_ready(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    await simulator.stop()
    mock_config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(mock_config_entry.entry_id)

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason is not None
    assert mock_config_entry.reason.startswith(
        "Cannot connect to the CIC server 127.0.0.1"
    )


async def test_bad_password_asks_to_reauthenticate(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    simulator.set_password("jdoe", "changed")
    mock_config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert (
        len(list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1
    )
    assert simulator.traffic.login_attempts == 1


async def test_no_initial_station_message_is_not_ready(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    async def silent(*_: object) -> AsyncGenerator[Message]:
        # A server that never reports the station: the simulator always does.
        await hass.loop.create_future()
        yield  # type: ignore[misc]

    mock_config_entry.add_to_hass(hass)
    with (
        patch.object(IcwsClient, "messages", silent),
        patch("custom_components.icws_station.session.INITIAL_MESSAGE_TIMEOUT", 0.1),
    ):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason is not None
    assert "did not report the session's state in time" in mock_config_entry.reason
    assert not simulator.sessions


async def test_unexpected_error_in_setup_logs_out(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """A bug after the login must not leave the session, and its station, behind."""
    mock_config_entry.add_to_hass(hass)
    with patch.object(IcwsClient, "subscribe_queue", side_effect=RuntimeError("a bug")):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert simulator.traffic.login_attempts == 1
    assert not simulator.sessions
    # The station was logged on and is logged off again.
    assert simulator.traffic.station_requests


async def test_cancelled_setup_logs_out(
    hass: HomeAssistant, simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """Setup cancelled while it waits on the server (Home Assistant stopping) logs out."""
    mock_config_entry.add_to_hass(hass)
    waiting = asyncio.Event()

    async def never_answered(self: IcwsClient) -> None:
        waiting.set()
        await asyncio.Event().wait()

    with patch.object(IcwsClient, "subscribe_station", never_answered):
        setup = hass.async_create_task(
            hass.config_entries.async_setup(mock_config_entry.entry_id)
        )
        async with asyncio.timeout(5):
            await waiting.wait()
        assert len(simulator.sessions) == 1
        setup.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await setup

    assert not simulator.sessions
