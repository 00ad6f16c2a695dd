"""Station messages over server-sent events and short polling, against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsSessionLostError,
    MediaType,
    Message,
    RetrievalMode,
    Station,
    StationSetting,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator

from .conftest import WAIT, next_station_message

POLL_INTERVAL = 0.05


@pytest.fixture(params=[RetrievalMode.SSE, RetrievalMode.POLL])
def mode(request: pytest.FixtureRequest) -> RetrievalMode:
    """Run each test once with each retrieval mode."""
    mode: RetrievalMode = request.param
    return mode


@pytest.fixture
async def messages(
    client: IcwsClient, mode: RetrievalMode
) -> AsyncIterator[AsyncIterator[Message]]:
    """A logged-in client on WS-114, subscribed, with its message stream open."""
    await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))
    await client.subscribe_station()
    async with aclosing(client.messages(mode, poll_interval=POLL_INTERVAL)) as stream:
        yield stream


async def initial_station(messages: AsyncIterator[Message]) -> Station:
    """Read the full message that follows the subscription."""
    message = await next_station_message(messages)
    assert not message.is_delta
    station = message.apply(None)
    assert station is not None
    return station


async def test_initial_message_is_full(messages: AsyncIterator[Message]) -> None:
    station = await initial_station(messages)

    assert station.id == "WS-114"
    assert station.extension == "114"
    assert station.station_setting is StationSetting.WORKSTATION
    assert station.can_be_dialed is True
    assert station.ring_always is False
    assert station.managed_ip_phone == "MIP-WS-114"
    assert station.emergency_responder_location_id == "ERL-1"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("extension", "1140", "1140"),
        ("can_be_dialed", False, False),
        ("ring_always", True, True),
        ("sip_address", "sip:new@cic01.example.com", "sip:new@cic01.example.com"),
        ("sip_user", "new-user", "new-user"),
        ("remote_number", "3175550000", "3175550000"),
        ("allowed_media_types", (1, 7), (MediaType.CALL, MediaType.WORK_ITEM)),
        ("managed_ip_phone", "MIP-NEW", "MIP-NEW"),
        ("emergency_responder_location_id", "ERL-9", "ERL-9"),
    ],
)
async def test_delta_merges_one_field(
    simulator: IcwsSimulator,
    messages: AsyncIterator[Message],
    field: str,
    value: Any,
    expected: Any,
) -> None:
    before = await initial_station(messages)

    simulator.stations.change("WS-114", **{field: value})
    message = await next_station_message(messages)
    after = message.apply(before)

    assert message.is_delta
    assert after is not None
    assert getattr(after, field) == expected
    untouched = {name for name in Station.__dataclass_fields__ if name != field}
    assert {name: getattr(after, name) for name in untouched} == {
        name: getattr(before, name) for name in untouched
    }


async def test_sip_password_change_is_merged_but_not_a_visible_change(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    before = await initial_station(messages)

    simulator.stations.change("WS-114", sip_password="sip-Rotated-114")
    after = (await next_station_message(messages)).apply(before)

    assert after is not None
    assert after.sip_password is not None
    assert after.sip_password.reveal() == "sip-Rotated-114"
    assert after == before


async def test_unknown_media_type_numbers_are_kept(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    before = await initial_station(messages)

    simulator.stations.change("WS-114", allowed_media_types=(1, 42))
    after = (await next_station_message(messages)).apply(before)

    assert after is not None
    assert after.allowed_media_types == (MediaType.CALL, 42)
    assert after.allowed_media_types[1].name == "UNKNOWN_42"


async def test_station_removed(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    before = await initial_station(messages)

    simulator.stations.remove()
    message = await next_station_message(messages)

    assert message.apply(before) is None


async def test_flat_shape_of_the_seed_text(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    simulator.stations.flat_messages = True
    before = await initial_station(messages)

    simulator.stations.change("WS-114", extension="777")
    after = (await next_station_message(messages)).apply(before)

    assert after is not None
    assert after.extension == "777"
    assert after.id == "WS-114"


async def test_unknown_message_types_are_ignored(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    before = await initial_station(messages)

    simulator.sessions.inject_message(
        {"__type": "urn:inin.com:status:userStatusMessage", "isDelta": False}
    )
    simulator.stations.change("WS-114", extension="555")

    after = (await next_station_message(messages)).apply(before)
    assert after is not None
    assert after.extension == "555"


async def test_malformed_json_is_survived(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    station: Station | None = await initial_station(messages)

    simulator.sessions.inject_raw('{"__type": "urn:inin.com:connection:stationConn')
    simulator.stations.change("WS-114", extension="556")

    # Whatever the malformed message cost (a poll answer is one JSON array), the client
    # keeps going and ends up with the server's current station.
    async with asyncio.timeout(WAIT):
        while station is None or station.extension != "556":
            station = (await next_station_message(messages)).apply(station)


async def test_session_ended_by_the_server(
    client: IcwsClient, simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    await initial_station(messages)

    simulator.sessions.end()

    with pytest.raises(IcwsSessionLostError) as caught:
        await next_station_message(messages)
    assert not client.logged_in
    assert caught.value.should_reconnect


async def test_session_gone_without_notice(
    client: IcwsClient, simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    await initial_station(messages)

    simulator.sessions.end(notify=False)

    with pytest.raises(IcwsSessionLostError):
        await next_station_message(messages)
    assert not client.logged_in


async def test_server_restart_loses_the_session(
    client: IcwsClient, simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    await initial_station(messages)

    await simulator.restart()

    with pytest.raises(IcwsSessionLostError):
        await next_station_message(messages)


async def test_close_ends_the_stream(
    client: IcwsClient, messages: AsyncIterator[Message]
) -> None:
    await initial_station(messages)

    await client.close()

    async with asyncio.timeout(WAIT):
        assert [message async for message in messages] == []
    assert not client.logged_in
