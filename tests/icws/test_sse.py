"""What only the server-sent-event stream has to survive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

import aiohttp
import pytest
from yarl import URL

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsSessionLostError,
    Message,
    RetrievalMode,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator
from tests.conftest import PASSWORD, USERNAME

from .conftest import APP, WAIT, next_station_message


async def open_stream(
    client: IcwsClient, mode: RetrievalMode = RetrievalMode.AUTO
) -> AsyncGenerator[Message]:
    await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))
    await client.subscribe_station()
    return client.messages(mode)


async def test_auto_uses_events_when_offered(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    async with aclosing(await open_stream(client)) as messages:
        await next_station_message(messages)

    polls = [
        path
        for method, path, _ in simulator.traffic.requests
        if path.endswith("/messaging/messages")
    ]
    assert len(polls) == 1


@pytest.mark.parametrize("simulator_options", [{"messaging_version": 1}])
async def test_auto_polls_when_events_are_not_offered(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    async with aclosing(await open_stream(client)) as messages:
        await next_station_message(messages)
        simulator.stations.change("WS-114", extension="200")
        await next_station_message(messages)

    assert client.login_info is not None
    assert not client.login_info.supports_sse
    polls = [
        path
        for method, path, _ in simulator.traffic.requests
        if path.endswith("/messaging/messages")
    ]
    assert len(polls) >= 2


async def test_events_split_across_chunks(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    simulator.sse_chunk_size = 7
    async with aclosing(await open_stream(client, RetrievalMode.SSE)) as messages:
        station = (await next_station_message(messages)).apply(None)
        simulator.stations.change("WS-114", extension="201")
        station = (await next_station_message(messages)).apply(station)

    assert station is not None
    assert station.extension == "201"


async def test_stream_dropped_mid_event_is_reopened_and_resynced(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    async with aclosing(await open_stream(client, RetrievalMode.SSE)) as messages:
        station = (await next_station_message(messages)).apply(None)

        simulator.sessions.drop_sse_mid_event()
        simulator.stations.change("WS-114", extension="202")

        # The cut event is lost; reopening the stream resubscribes, and the full message
        # that follows carries the current station.
        message = await next_station_message(messages)
        station = message.apply(station)

    assert not message.is_delta
    assert station is not None
    assert station.extension == "202"
    assert client.logged_in


async def test_unreachable_server_is_a_connection_error_and_the_session_lives_on(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        application_name=APP,
        request_timeout=0.3,
    )
    async with client:
        async with aclosing(await open_stream(client, RetrievalMode.SSE)) as messages:
            await next_station_message(messages)
            session_id = next(iter(simulator.sessions))
            simulator.traffic.response_delay = (
                5.0  # the reopened stream never answers in time
            )
            simulator.sessions.drop_sse_mid_event()
            simulator.stations.change("WS-114", extension="203")

            with pytest.raises(IcwsConnectionError) as caught:
                await next_station_message(messages)
        assert not isinstance(caught.value, IcwsSessionLostError)
        assert client.logged_in

        # The server answers again: a new retrieval reopens the stream in the same
        # session and renews the subscription, so a full message brings the station.
        simulator.traffic.response_delay = 0.0
        async with aclosing(client.messages(RetrievalMode.SSE)) as messages:
            message = await next_station_message(messages)
        station = message.apply(None)
        assert list(simulator.sessions) == [session_id]

    assert not message.is_delta
    assert station is not None
    assert station.extension == "203"
    assert simulator.traffic.login_attempts == 1
    # The station stayed connected throughout.
    assert ("DELETE", f"/icws/{session_id}/connection/station") not in {
        (method, path) for method, path, _ in simulator.traffic.requests
    }


@pytest.mark.parametrize("simulator_options", [{"sse_ping_interval": 30.0}])
async def test_silent_stream_is_checked_and_reopened(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        stream_idle_timeout=0.3,
        application_name=APP,
    )
    try:
        async with aclosing(await open_stream(client, RetrievalMode.SSE)) as messages:
            station = (await next_station_message(messages)).apply(None)
            reader = asyncio.create_task(next_station_message(messages))
            # The stream falls silent past the idle timeout: the client checks the session.
            async with asyncio.timeout(WAIT):
                await simulator.wait_until(
                    lambda: any(
                        method == "GET" and path.endswith("/connection")
                        for method, path, _ in simulator.traffic.requests
                    )
                )
            simulator.stations.change("WS-114", extension="204")
            station = (await reader).apply(station)
            while station is None or station.extension != "204":
                station = (await next_station_message(messages)).apply(station)
    finally:
        await client.close()
