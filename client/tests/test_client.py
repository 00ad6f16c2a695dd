"""The installed aioicws wheel against the simulator over HTTP, as a program would use it."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
import importlib.metadata
import importlib.resources
import subprocess

import aiohttp
import pytest

from aioicws import (
    IcwsAuthenticationError,
    IcwsClient,
    IcwsInteractionError,
    IcwsSessionLostError,
    RetrievalMode,
    Station,
    StationMessage,
    StationSetting,
    WorkstationSettings,
)

from .conftest import (
    DISPLAY_NAME,
    PASSWORD,
    USER,
    Simulator,
    python_of_this_environment,
)
from .example import show_station

WAIT = 10.0


async def next_station(client: IcwsClient, mode: RetrievalMode) -> Station | None:
    """Subscribe and return the station the first station message reports."""
    await client.subscribe_station()
    async with asyncio.timeout(WAIT), aclosing(client.messages(mode, 0.1)) as messages:
        async for message in messages:
            if isinstance(message, StationMessage):
                return message.apply(None)
    raise AssertionError("the message stream ended")


def test_installed_as_a_typed_package_without_home_assistant() -> None:
    """The wheel names its dependencies, ships py.typed, and imports no Home Assistant."""
    requires = importlib.metadata.requires("aioicws") or []
    assert {requirement.split(">")[0] for requirement in requires} == {
        "aiohttp",
        "multidict",
        "orjson",
        "yarl",
    }
    assert importlib.resources.files("aioicws").joinpath("py.typed").is_file()
    loaded = subprocess.run(
        [python_of_this_environment(), "-c",
         "import sys, aioicws; print(*sorted(sys.modules), sep='\\n')"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    assert "aioicws.client" in loaded
    assert not [
        name
        for name in loaded
        if name.split(".")[0] in {"homeassistant", "custom_components"}
    ]


async def test_login_reports_the_account(client: IcwsClient) -> None:
    """A login answers who the user is on which server, and what the server offers."""
    info = await client.login()
    assert (info.user_id, info.user_display_name) == (USER, DISPLAY_NAME)
    assert info.supports_sse
    assert client.logged_in


async def test_wrong_password_is_an_authentication_error(
    http: aiohttp.ClientSession, simulator: Simulator
) -> None:
    """Bad credentials raise the error a caller must not retry, without the password."""
    client = IcwsClient(
        http, simulator.url, USER, "wrong-Pw-1", application_name="aioicws tests"
    )
    with pytest.raises(IcwsAuthenticationError) as caught:
        await client.login()
    assert "wrong-Pw-1" not in str(caught.value)
    assert not client.logged_in


@pytest.mark.parametrize("mode", [RetrievalMode.SSE, RetrievalMode.POLL])
async def test_station_logon_is_reported(
    client: IcwsClient, simulator: Simulator, mode: RetrievalMode
) -> None:
    """A workstation logon shows in the station subscription, streamed or polled."""
    await client.login()
    await client.connect_station(WorkstationSettings("WS-115"))
    station = await next_station(client, mode)
    assert station is not None
    assert (station.id, station.extension) == ("WS-115", "115")
    assert station.station_setting is StationSetting.WORKSTATION
    assert station.sip_password is not None
    assert station.sip_password.reveal() not in repr(station)
    assert [session["stationId"] for session in simulator.sessions()] == ["WS-115"]


async def test_ended_session_is_reported(
    client: IcwsClient, simulator: Simulator
) -> None:
    """When the server ends the session, the message stream says so."""
    await client.login()
    await client.subscribe_station()

    async def read_until_the_end() -> None:
        async with aclosing(client.messages()) as messages:
            async for message in messages:
                if isinstance(message, StationMessage):
                    simulator.control("sessions/end", {"reason": "Ended by a test"})

    with pytest.raises(IcwsSessionLostError):
        await asyncio.wait_for(read_until_the_end(), WAIT)


async def test_answer_and_place_a_call(
    client: IcwsClient, simulator: Simulator
) -> None:
    """A ringing call picked up and a call placed, as the server's queue then shows."""
    await client.login()
    rung = simulator.control("calls/ring", {"name": "Ada", "number": "+1 555 0100"})
    call: str = rung["interactionId"]

    await client.pickup_interaction(call)
    placed = await client.make_call("+1 555 0199")

    listed = simulator.control("interactions")["interactions"]
    states = {i["interactionId"]: i["state"] for i in listed}
    assert states[call] == "C"
    assert states[placed] in {"S", "R"}  # dialing, or already ringing at the far end
    with pytest.raises(IcwsInteractionError) as gone:
        await client.pickup_interaction("1234567890")
    assert gone.value.not_found
    for interaction_id in (call, placed):
        await client.disconnect_interaction(interaction_id)


async def test_close_logs_out(client: IcwsClient, simulator: Simulator) -> None:
    """Closing the client ends its session on the server."""
    await client.login()
    assert len(simulator.sessions()) == 1
    await client.close()
    assert simulator.sessions() == []
    assert not client.logged_in


async def test_example_program(simulator: Simulator) -> None:
    """The example in the package's README runs as written."""
    station = await show_station(simulator.url, USER, PASSWORD, "WS-114")
    assert station.extension == "114"
    assert simulator.sessions() == []
