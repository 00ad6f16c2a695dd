"""The session through faults: checks, silent streams, streams that end, station switches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing, suppress
from typing import Any

import aiohttp
from aiohttp import web
import pytest
from yarl import URL

from custom_components.icws_station.icws import (
    ConnectionState,
    IcwsClient,
    IcwsConnectionError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsStationError,
    Message,
    RetrievalMode,
    SessionState,
    StatisticKey,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator
from icws_simulator.connection_http import ConnectionApi
from icws_simulator.sessions import SimSession
from icws_simulator.stations import StationSwitch
from icws_simulator.stations_http import StationsApi
from tests.conftest import PASSWORD, USERNAME, make_stations

from .conftest import APP, WAIT, next_station_message

type Api = ConnectionApi | StationsApi
type Handler = Callable[[Any, web.Request, SimSession], Awaitable[web.StreamResponse]]
type Patch = Callable[[type[Api], str, Handler], Awaitable[IcwsSimulator]]


@pytest.fixture
async def patched(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Patch]:
    """Start a simulator one of whose routes answers as a real server might instead.

    For answers the simulator does not give (the protocol notes mark them [guess]).
    """
    started: list[IcwsSimulator] = []

    async def start(api: type[Api], route: str, handler: Handler) -> IcwsSimulator:
        monkeypatch.setattr(api, route, handler)
        sim = IcwsSimulator(
            users={USERNAME: PASSWORD}, stations=make_stations(), sse_retry_ms=100
        )
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        await sim.stop()


def make_client(
    http_session: aiohttp.ClientSession, sim: IcwsSimulator, **options: Any
) -> IcwsClient:
    return IcwsClient(
        http_session,
        URL(sim.url),
        USERNAME,
        PASSWORD,
        application_name=APP,
        request_timeout=2.0,
        **options,
    )


def calls(sim: IcwsSimulator, method: str, tail: str) -> int:
    """Count requests to one session path, e.g. ``("GET", "messaging/messages")``."""
    return sum(
        1
        for sent, path, _ in sim.traffic.requests
        if sent == method and path.split("/", 3)[-1] == tail
    )


async def test_check_session_while_up(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    await client.login()

    state = await client.check_session()

    assert state == SessionState(ConnectionState.UP, "", should_reconnect=True)
    assert calls(simulator, "GET", "connection") == 1


async def test_check_session_after_the_session_ended(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    await client.login()
    simulator.sessions.end(notify=False)

    with pytest.raises(IcwsSessionLostError) as caught:
        await client.check_session()

    assert caught.value.status == 401
    assert not client.logged_in


async def test_check_session_reports_a_down_session(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    await client.login()
    # The server ends the session; its "down" message waits unread in the queue.
    simulator.sessions.end(
        should_reconnect=False, reason="Logged off by an administrator"
    )

    with pytest.raises(IcwsSessionLostError) as caught:
        await client.check_session()

    assert caught.value.reason == "Logged off by an administrator"
    assert not caught.value.should_reconnect
    assert not client.logged_in


@pytest.mark.parametrize(
    ("switch", "deletes", "puts"),
    [
        # The simulator's default, as docs/icws-protocol.md §11 says servers do [guess]:
        # the new station replaces the old one, no DELETE needed.
        ("replace", 0, ["WS-114", "WS-115"]),
        # A server that asks to disconnect first: DELETE, then the PUT again.
        ("disconnect_first", 1, ["WS-114", "WS-115", "WS-115"]),
    ],
)
async def test_switching_station_while_connected(
    client: IcwsClient,
    simulator: IcwsSimulator,
    switch: StationSwitch,
    deletes: int,
    puts: list[str],
) -> None:
    simulator.stations.switch = switch
    await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))

    await client.connect_station(WorkstationSettings("WS-115"))

    station = await client.get_station()
    assert station is not None
    assert station.id == "WS-115"
    assert calls(simulator, "DELETE", "connection/station") == deletes
    assert [
        body.get("workstation") for body in simulator.traffic.station_requests
    ] == puts


async def test_an_unknown_station_never_costs_the_current_one(
    http_session: aiohttp.ClientSession,
    patched: Patch,
) -> None:
    original = StationsApi.put_station

    async def refuse_while_connected(
        api: StationsApi, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        if session.station is not None:
            return web.json_response(
                {
                    "errorId": "-2147221496",
                    "message": "No such station; WS-114 is already connected.",
                },
                status=400,
            )
        return await original(api, request, session)

    sim = await patched(StationsApi, "put_station", refuse_while_connected)
    client = make_client(http_session, sim)
    async with client:
        await client.login()
        await client.connect_station(WorkstationSettings("WS-114"))

        with pytest.raises(IcwsStationError) as caught:
            await client.connect_station(WorkstationSettings("WS-999"))

        station = await client.get_station()
    assert caught.value.not_found
    assert station is not None
    assert station.id == "WS-114"
    assert calls(sim, "DELETE", "connection/station") == 0


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {"id": 5, "extension": "114", "stationSetting": 1},
        {"extension": "114", "canBeDialed": True},
    ],
)
async def test_a_malformed_station_answer_is_an_error(
    http_session: aiohttp.ClientSession,
    patched: Patch,
    answer: object,
) -> None:
    async def malformed(
        _api: object, _request: web.Request, _session: SimSession
    ) -> web.StreamResponse:
        return web.json_response(answer)

    sim = await patched(StationsApi, "get_station", malformed)
    async with make_client(http_session, sim) as client:
        await client.login()

        with pytest.raises(IcwsResponseError, match="malformed answer"):
            await client.get_station()
        assert client.logged_in


async def open_messages(client: IcwsClient) -> AsyncGenerator[Message]:
    await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))
    await client.subscribe_station()
    return client.messages(RetrievalMode.SSE)


@pytest.mark.parametrize("simulator_options", [{"sse_ping_interval": 60.0}])
async def test_silent_stream_that_carried_keepalives_is_reopened(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = make_client(http_session, simulator, stream_idle_timeout=0.3)
    async with client, aclosing(await open_messages(client)) as messages:
        await next_station_message(messages)
        # One keep-alive, then silence with the connection open (the next ping is 60 s away).
        (stream,) = simulator.sessions._streams
        await stream.response.write(b":ping\r\n\r\n")

        message = await next_station_message(messages)

        assert not message.is_delta  # the subscription was renewed on the new stream
        assert calls(simulator, "GET", "connection") == 1
        assert calls(simulator, "GET", "messaging/messages") == 2
        assert len(simulator.sessions) == 1


@pytest.mark.parametrize("simulator_options", [{"sse_ping_interval": 60.0}])
async def test_quiet_stream_without_keepalives_is_kept(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = make_client(http_session, simulator, stream_idle_timeout=0.2)
    async with client, aclosing(await open_messages(client)) as messages:
        station = (await next_station_message(messages)).apply(None)
        reader = asyncio.create_task(next_station_message(messages))
        # A server that sends no keep-alives is merely quiet: one check per idle period.
        async with asyncio.timeout(WAIT):
            await simulator.wait_until(
                lambda: calls(simulator, "GET", "connection") >= 2
            )
        simulator.stations.change("WS-114", extension="204")
        message = await reader

        assert message.is_delta
        station = message.apply(station)
        assert station is not None
        assert station.extension == "204"
        assert calls(simulator, "GET", "messaging/messages") == 1


async def test_stream_that_keeps_ending_is_a_connection_error(
    http_session: aiohttp.ClientSession,
    patched: Patch,
) -> None:
    async def empty_stream(
        _api: object, _request: web.Request, _session: SimSession
    ) -> web.StreamResponse:
        return web.Response(
            status=200, body=b"retry: 10\n\n", content_type="text/event-stream"
        )

    sim = await patched(ConnectionApi, "messages", empty_stream)
    client = make_client(http_session, sim)
    async with client:
        await client.login()
        async with aclosing(client.messages(RetrievalMode.SSE)) as messages:
            with pytest.raises(IcwsConnectionError) as caught:
                await next_station_message(messages)

        assert "keeps ending" in str(caught.value)
        assert client.logged_in
        assert calls(sim, "GET", "messaging/messages") == 2
        assert calls(sim, "GET", "connection") == 1


async def test_closing_the_messages_ends_the_stream_before_logout(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    messages = await open_messages(client)
    await next_station_message(messages)
    response = client._retrieval.stream
    assert response is not None

    await messages.aclose()

    # Closed at once, not later by the garbage collector's finaliser racing the logout.
    assert response.closed
    async with asyncio.timeout(WAIT):
        await simulator.wait_until(lambda: simulator.sessions.open_streams == 0)
    assert client.logged_in
    assert len(simulator.sessions) == 1


async def test_polling_through_an_outage_keeps_the_session(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = make_client(http_session, simulator)
    async with client:
        await client.login()
        await client.subscribe_station()
        session_id = next(iter(simulator.sessions))
        async with aclosing(client.messages(RetrievalMode.POLL, 0.05)) as messages:
            await next_station_message(messages)
            simulator.set_outage("refuse")

            # Two failed polls in a row: the server cannot be reached for now.
            with pytest.raises(IcwsConnectionError):
                await next_station_message(messages)
        assert client.logged_in

        simulator.set_outage(None)
        simulator.stations.change("WS-114", extension="301")
        async with aclosing(client.messages(RetrievalMode.POLL, 0.05)) as messages:
            message = await next_station_message(messages)

        assert list(simulator.sessions) == [session_id]
    assert message.apply(None) is None  # renewed in full: the session has no station


@pytest.mark.parametrize("simulator_options", [{"messaging_version": 1}])
async def test_stream_refused_by_a_server_without_events(
    client: IcwsClient,
) -> None:
    await client.login()

    async with aclosing(client.messages(RetrievalMode.SSE)) as messages:
        with pytest.raises(IcwsConnectionError, match="not an event stream"):
            await next_station_message(messages)
    assert client.logged_in


SUPPORT_WAITING = StatisticKey.workgroup(
    "inin.workgroup:InteractionsWaiting", "Support"
)
SALES_WAITING = StatisticKey.workgroup("inin.workgroup:InteractionsWaiting", "Sales")
STATISTICS = "messaging/subscriptions/statistics/statistic-values"
ACTIVATIONS = "messaging/subscriptions/activations/users/"


def puts_since(sim: IcwsSimulator, mark: int, tail: str = "") -> int:
    """PUTs of subscriptions answered since ``mark`` (those whose path has ``tail``)."""
    return sum(
        1
        for method, path, _ in sim.traffic.requests[mark:]
        if method == "PUT" and "/messaging/subscriptions/" in path and tail in path
    )


async def _renewing(client: IcwsClient, simulator: IcwsSimulator) -> int:
    """Subscribe to much, the statistics second to last; cut the stream; return the mark.

    Returns once the renewal after the cut is under way: every answer is held a moment,
    so the subscriptions before the statistics take a while to renew.
    """
    await client.subscribe_user_statuses()
    await client.subscribe_status_catalogue()
    await client.subscribe_user_status_access()
    await client.subscribe_queue()
    await client.subscribe_messages_waiting()
    await client.subscribe_statistics([SUPPORT_WAITING])
    await client.subscribe_user_activations()
    mark = len(simulator.traffic.requests)
    simulator.traffic.response_delay = 0.2
    simulator.sessions.drop_sse_mid_event()
    simulator.sessions.inject_message(
        {"__type": "urn:example:unknownMessage", "isDelta": False}
    )
    async with asyncio.timeout(WAIT):
        await simulator.wait_until(lambda: puts_since(simulator, mark) >= 1)
    return mark


async def _read(messages: AsyncIterator[Message]) -> None:
    async for _ in messages:
        pass


async def test_a_subscription_replaced_during_renewal_is_renewed_as_replaced(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    """A workgroup added while the session renews after a gap stays watched."""
    async with aclosing(await open_messages(client)) as messages:
        reader = asyncio.create_task(_read(messages))
        mark = await _renewing(client, simulator)

        await client.subscribe_statistics([SUPPORT_WAITING, SALES_WAITING])
        async with asyncio.timeout(WAIT):
            # The new set's PUT, then the renewal's.
            await simulator.wait_until(
                lambda: puts_since(simulator, mark, STATISTICS) >= 2
            )
        simulator.traffic.response_delay = 0
        reader.cancel()
        with suppress(asyncio.CancelledError):
            await reader

    assert list(simulator.statistics.snapshot()["subscriptions"].values()) == [2]


async def test_a_subscription_ended_during_renewal_is_not_renewed(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    """The last workgroup removed while the session renews after a gap stays removed."""
    async with aclosing(await open_messages(client)) as messages:
        reader = asyncio.create_task(_read(messages))
        mark = await _renewing(client, simulator)

        await client.subscribe_statistics([])
        async with asyncio.timeout(WAIT):
            # The activations, renewed after the statistics' turn.
            await simulator.wait_until(
                lambda: puts_since(simulator, mark, ACTIVATIONS) >= 1
            )
        simulator.traffic.response_delay = 0
        reader.cancel()
        with suppress(asyncio.CancelledError):
            await reader

    assert puts_since(simulator, mark, STATISTICS) == 0
    assert simulator.statistics.snapshot()["subscriptions"] == {}
