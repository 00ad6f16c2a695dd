"""Faults that meet the entry's life cycle: a changed password, unloading, stopping."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.icws_station.icws.transport import Response, Transport
from icws_simulator import IcwsSimulator
from tests.conftest import USERNAME
from tests.helpers import wait_for_state

from .conftest import (
    EXTENSION,
    WAIT,
    BackoffSpy,
    LiveSessions,
    Secrets,
    server_station,
    showing,
    shown,
    unavailable,
    until,
)

STOP_WITHIN = 2.0


def refused_logins(simulator: IcwsSimulator) -> int:
    """How many logins the server refused for bad credentials."""
    return sum(
        1
        for method, path, status in simulator.traffic.requests
        if method == "POST" and path == "/icws/connection" and status == 400
    )


# ---- 11. password changed ----------------------------------------------------------------


async def test_password_changed_on_the_server(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    secrets: Secrets,
) -> None:
    """One refused login, then a reauth flow and no retry; the new password brings it back."""
    new_password = "pw-Changed-7Qx"
    secrets.add(new_password)
    coordinator = init_integration.runtime_data.session
    listener = coordinator._task
    assert listener is not None
    logins = simulator.traffic.login_attempts

    simulator.set_password(USERNAME, new_password)
    simulator.sessions.end()

    async with asyncio.timeout(WAIT):
        await listener  # ends by itself: no retry loop is left running
    assert simulator.traffic.login_attempts == logins + 1
    assert refused_logins(simulator) == 1
    assert shown(hass) == unavailable()
    assert not simulator.sessions
    (flow,) = init_integration.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert flow["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: new_password}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.data[CONF_PASSWORD] == new_password
    assert shown(hass) == showing(server_station(simulator))
    # The flow's check and the reload each logged in once; nothing was refused again.
    assert simulator.traffic.login_attempts == logins + 3
    assert refused_logins(simulator) == 1


# ---- 12. unloaded during a reconnect backoff ---------------------------------------------


async def test_unload_during_a_reconnect_backoff(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    backoff: BackoffSpy,
) -> None:
    """Unloading does not wait for the backoff: prompt, no task, no session left."""
    coordinator = init_integration.runtime_data.session
    listener = coordinator._task
    assert listener is not None
    logins = simulator.traffic.login_attempts

    with patch("custom_components.icws_station.backoff.BACKOFF_MIN", 60.0):
        simulator.sessions.end()
        await backoff.wait_for(1)
        assert backoff.ranges == [(30.0, 60.0)]  # the listener sleeps for a minute
        await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)

        async with asyncio.timeout(STOP_WITHIN):
            assert await hass.config_entries.async_unload(init_integration.entry_id)

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert listener.done()
    assert coordinator._task is None
    assert not simulator.sessions
    assert simulator.traffic.login_attempts == logins
    assert simulator.traffic.in_flight == 0


# ---- 13. stopped during a login ----------------------------------------------------------


@pytest.fixture
def login_sent() -> Iterator[asyncio.Event]:
    """Set when a client of the integration sends a login."""
    sent = asyncio.Event()
    request = Transport.request

    async def watching(
        transport: Transport, method: str, url: URL, *, what: str, **kwargs: Any
    ) -> Response:
        if what == "Login":
            sent.set()
        return await request(transport, method, url, what=what, **kwargs)

    with patch.object(Transport, "request", watching):
        yield sent


async def _login_waiting(simulator: IcwsSimulator, login_sent: asyncio.Event) -> None:
    """Wait until a login was sent and is the one request the server holds."""
    async with asyncio.timeout(WAIT):
        await login_sent.wait()
    await until(
        simulator,
        lambda: (
            simulator.sessions.open_streams == 0 and simulator.traffic.in_flight == 1
        ),
    )


# The client's logout waits this long for a login still unanswered (``logout_timeout``).
LOGOUT_WITHIN = 5.0


@pytest.mark.parametrize("how", ["stop", "unload"])
async def test_stopped_during_a_reconnect_login(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    login_sent: asyncio.Event,
    how: str,
) -> None:
    """Home Assistant stops (or the entry unloads) while a reconnect waits for its login.

    The server answers a second later: the stop waits for that answer and logs the session
    it brings out, so nothing is left behind.
    """
    coordinator = init_integration.runtime_data.session
    listener = coordinator._task
    assert listener is not None
    logins = simulator.traffic.login_attempts
    simulator.traffic.response_delay = 1.0
    simulator.sessions.end()
    await _login_waiting(simulator, login_sent)

    async with asyncio.timeout(LOGOUT_WITHIN + STOP_WITHIN):
        if how == "stop":
            await hass.async_stop()
        else:
            assert await hass.config_entries.async_unload(init_integration.entry_id)

    assert listener.done()
    assert simulator.traffic.login_attempts == logins + 1
    await until(simulator, lambda: simulator.traffic.in_flight == 0)
    assert not simulator.sessions


async def test_home_assistant_stops_during_the_first_login(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    login_sent: asyncio.Event,
) -> None:
    """Home Assistant stops while the entry's setup waits for its first login.

    Stopping cancels the setup and closes Home Assistant's connections, the login's with
    them: the server finishes the login it received, the one session nobody can end (README,
    Known limitations).
    """
    simulator.traffic.response_delay = 30.0
    mock_config_entry.add_to_hass(hass)
    setup = hass.async_create_task(
        hass.config_entries.async_setup(mock_config_entry.entry_id)
    )
    await _login_waiting(simulator, login_sent)

    async with asyncio.timeout(LOGOUT_WITHIN + STOP_WITHIN):
        await hass.async_stop()

    assert setup.done()
    assert mock_config_entry.state is not ConfigEntryState.LOADED
    await until(simulator, lambda: simulator.traffic.abandoned_logins == 1)
    simulator.traffic.response_delay = 0.0
    await until(simulator, lambda: simulator.traffic.in_flight == 0)
    (session,) = simulator.sessions.values()
    assert session.login_abandoned
    assert simulator.traffic.login_attempts == 1


async def test_stop_is_bounded_when_the_login_never_comes(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    login_sent: asyncio.Event,
) -> None:
    """A server that holds the login past the logout's bound: the stop does not wait longer.

    The server finishes that login later: the one session nobody can end (README, Known
    limitations).
    """
    simulator.traffic.response_delay = 30.0
    simulator.sessions.end()
    await _login_waiting(simulator, login_sent)

    async with asyncio.timeout(LOGOUT_WITHIN + STOP_WITHIN):
        await hass.async_stop()

    await until(simulator, lambda: simulator.traffic.abandoned_logins == 1)
    simulator.traffic.response_delay = 0.0
    await until(simulator, lambda: simulator.traffic.in_flight == 0)
    (session,) = simulator.sessions.values()
    assert session.login_abandoned


# ---- 14. reloaded while the network loses the logout --------------------------------------


@pytest.mark.parametrize("outage", ["refuse", "unreachable"])
async def test_reload_during_an_outage(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    live_sessions: LiveSessions,
    outage: str,
) -> None:
    """A reload while nothing reaches the server: once it does, one session, not two.

    The unload's logout cannot reach the server; the next setup logs that session out
    before it logs in, and refuses to log in while it cannot.
    """
    (before,) = simulator.sessions.ids_of(USERNAME)
    if outage == "unreachable":
        await simulator.set_unreachable(True)
    else:
        simulator.set_outage("refuse")
    await wait_for_state(hass, EXTENSION, STATE_UNAVAILABLE)
    assert not await hass.config_entries.async_reload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.SETUP_RETRY

    if outage == "unreachable":
        await simulator.set_unreachable(False)
    else:
        simulator.set_outage(None)
    # Home Assistant retries the setup after a while; here at once.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    assert before not in simulator.sessions.ids_of(USERNAME)
    assert simulator.sessions.count_of(USERNAME) == 1
    assert shown(hass) == showing(server_station(simulator))
