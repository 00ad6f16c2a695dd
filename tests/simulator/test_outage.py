"""A failing network in front of the server, and sessions that live on through it."""

import aiohttp
import pytest

from icws_simulator import IcwsSimulator
from icws_simulator.state import Outage

from .helpers import (
    REMOTE_NUMBER,
    control,
    login,
    login_body,
    next_event,
    open_stream,
    poll,
    read_to_end,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def try_login(http: aiohttp.ClientSession, sim: IcwsSimulator) -> int:
    """Send a login; return its status (raises what the network does to it)."""
    async with http.post(
        f"{sim.url}/icws/connection",
        json=login_body(),
        headers={"Accept-Language": "en-US"},
    ) as response:
        await response.read()
        return response.status


async def test_refuse_resets_before_the_server_sees_anything(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Requests are reset unprocessed; the session lives on and works afterwards."""
    me = await login(http, sim.url)
    before = list(sim.traffic.requests)
    sim.set_outage("refuse")
    with pytest.raises(aiohttp.ClientError):
        await try_login(http, sim)
    with pytest.raises(aiohttp.ClientError):
        async with http.get(me.url("connection"), headers=me.headers) as response:
            await response.read()
    assert sim.traffic.login_attempts == 1  # the second login never reached the server
    assert sim.traffic.requests == before
    assert sim.sessions.count_of("jdoe") == 1
    async with http.get(f"{sim.url}/_simulator/state") as response:
        assert (await response.json())["outage"] == "refuse"  # control still works
    sim.set_outage(None)
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert response.status == 200
    assert sim.sessions.ids_of("jdoe") == [me.session_id]


async def test_cut_processes_requests_and_loses_answers(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """An abandoned login completes on the server: an orphan session exists."""
    me = await login(http, sim.url)
    sim.set_outage("cut")
    with pytest.raises(aiohttp.ClientError):
        await try_login(http, sim)
    with pytest.raises(aiohttp.ClientError):
        async with http.put(
            me.url("connection/station"),
            json={"__type": REMOTE_NUMBER, "remoteNumber": "3175550000"},
            headers=me.headers,
        ) as response:
            await response.read()
    assert sim.traffic.login_attempts == 2
    assert sim.sessions.count_of("jdoe") == 2
    orphan = next(i for i in sim.sessions.ids_of("jdoe") if i != me.session_id)
    assert sim.sessions[orphan].user_id == "jdoe"
    station = sim.sessions[me.session_id].station
    assert station is not None
    assert station.remote_number == "3175550000"  # processed, though never answered
    assert ("POST", "/icws/connection", 201) not in sim.traffic.requests[1:]
    sim.set_outage(None)
    assert await try_login(http, sim) == 201
    assert sim.sessions.count_of("jdoe") == 3
    assert sim.sessions.count_of("nobody") == 0


@pytest.mark.parametrize("mode", ["drop_streams", "cut", "refuse"])
async def test_outage_drops_streams_without_a_down_message(
    sim: IcwsSimulator, http: aiohttp.ClientSession, mode: Outage
) -> None:
    """Open streams are dropped mid-air; queued messages wait for the next reader."""
    me = await login(http, sim.url)
    received = bytearray()
    async with await open_stream(http, me) as stream:
        await stream.content.readuntil(b"\r\n\r\n")
        await wait_for(sim, lambda: sim.sessions.open_streams == 1)
        sim.set_outage(mode)
        with pytest.raises(aiohttp.ClientError):
            await read_to_end(stream, received)
    assert b"connectionStateChange" not in received
    await wait_for(sim, lambda: sim.sessions.open_streams == 0)
    sim.sessions.inject_message({"__type": "urn:kept", "isDelta": False})
    with pytest.raises(aiohttp.ClientError):  # a new stream is dropped as well
        async with await open_stream(http, me) as stream:
            await read_to_end(stream, bytearray())
    assert sim.sessions[me.session_id].pending == 1
    sim.set_outage(None)
    async with await open_stream(http, me) as stream:
        assert (await next_event(stream))["__type"] == "urn:kept"
    assert sim.sessions.ids_of("jdoe") == [me.session_id]


async def test_drop_streams_leaves_other_calls_working(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """While streams drop, polls and other calls are answered."""
    me = await login(http, sim.url)
    sim.set_outage("drop_streams")
    sim.sessions.inject_message({"__type": "urn:polled", "isDelta": False})
    assert [m["__type"] for m in await poll(http, me)] == ["urn:polled"]
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert response.status == 200


async def test_outage_over_http_control(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The control interface sets and ends outages and counts a user's sessions."""
    status, state = await control(http, sim, "outage", {"mode": "cut"})
    assert (status, state["outage"], sim.outage) == (200, "cut", "cut")
    with pytest.raises(aiohttp.ClientError):
        await try_login(http, sim)
    async with http.get(f"{sim.url}/_simulator/users/jdoe/sessions") as response:
        sessions = await response.json()
    assert sessions == {
        "userId": "jdoe",
        "liveSessions": 1,
        "sessionIds": sim.sessions.ids_of("jdoe"),
    }
    assert (await control(http, sim, "outage", {"mode": "flood"}))[0] == 400
    assert (await control(http, sim, "outage", {}))[0] == 400
    assert (await control(http, sim, "outage", {"mode": 1}))[0] == 400
    status, state = await control(http, sim, "outage", {"mode": None})
    assert (status, state["outage"], sim.outage) == (200, None, None)
    async with http.get(f"{sim.url}/_simulator/users/nobody/sessions") as response:
        assert response.status == 404
    with pytest.raises(ValueError, match="outage"):
        sim.set_outage("flood")  # type: ignore[arg-type]


async def test_unreachable_refuses_connections_and_keeps_sessions(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Nothing listens: connections are refused, open streams reset, sessions live on."""
    me = await login(http, sim.url)
    port = sim.port
    async with await open_stream(http, me) as stream:
        await stream.content.readuntil(b"\r\n\r\n")
        await sim.set_unreachable(True)
        with pytest.raises(aiohttp.ClientError):
            await read_to_end(stream, bytearray())
    assert sim.unreachable
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        await try_login(http, sim)
    assert isinstance(refused.value.os_error, ConnectionRefusedError)
    await wait_for(sim, lambda: sim.sessions.open_streams == 0)
    sim.sessions.inject_message({"__type": "urn:kept", "isDelta": False})
    assert sim.traffic.login_attempts == 1
    await sim.set_unreachable(True)  # already: nothing changes

    await sim.set_unreachable(False)
    assert (sim.port, sim.unreachable) == (port, False)
    async with await open_stream(http, me) as stream:
        assert (await next_event(stream))["__type"] == "urn:kept"
    assert sim.sessions.ids_of("jdoe") == [me.session_id]
    await sim.stop()
    with pytest.raises(RuntimeError, match="not running"):
        await sim.set_unreachable(True)
