"""Station control: switching while connected (§11) and a station taken by the server."""

import aiohttp
import pytest

from icws_simulator import IcwsSimulator

from .helpers import (
    REMOTE_NUMBER,
    WORKSTATION,
    Login,
    control,
    login,
    poll,
    put_station,
    subscribe,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")

WS_114 = {"__type": WORKSTATION, "workstation": "WS-114"}
WS_115 = {"__type": WORKSTATION, "workstation": "WS-115"}


async def on_station(http: aiohttp.ClientSession, sim: IcwsSimulator) -> Login:
    """Log in, subscribe, log on to WS-114 and read the messages so far."""
    me = await login(http, sim.url)
    await subscribe(http, me)
    assert (await put_station(http, me, WS_114)).status == 200
    await poll(http, me)
    return me


async def test_switch_replaces_the_station(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A PUT while on a station switches: the old one is logged off in the same message."""
    me = await on_station(http, sim)
    assert (await put_station(http, me, WS_115)).status == 200
    [message] = await poll(http, me)
    assert message["previousStationInfo"]["id"] == "WS-114"
    assert message["newStationInfo"]["id"] == "WS-115"
    assert "reason" not in message  # the client asked for it
    async with http.get(me.url("connection/station"), headers=me.headers) as response:
        assert (await response.json(content_type=None))["id"] == "WS-115"


async def test_switch_needing_a_disconnect_first(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """In ``disconnect_first`` mode a switch answers 400 and changes nothing."""
    me = await on_station(http, sim)
    status, state = await control(
        http, sim, "settings", {"station_switch": "disconnect_first"}
    )
    assert (status, state["stationSwitch"]) == (200, "disconnect_first")
    async with http.put(
        me.url("connection/station"), json=WS_115, headers=me.headers
    ) as response:
        assert response.status == 400
        error = await response.json(content_type=None)
    assert error["errorId"] == "error.request.connection.station.alreadyConnected"
    assert "disconnect" in error["message"]
    assert await poll(http, me) == []
    station = sim.sessions[me.session_id].station
    assert station is not None
    assert station.id == "WS-114"
    async with http.delete(me.url("connection/station"), headers=me.headers) as r:
        assert r.status == 200
    assert (await put_station(http, me, WS_115)).status == 200
    assert [m["newStationInfo"]["id"] for m in await poll(http, me)] == ["", "WS-115"]
    assert (await control(http, sim, "settings", {"station_switch": "x"}))[0] == 400


async def test_take_station(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """Another logon takes the station: "no station" with the reason, no fight."""
    me = await on_station(http, sim)
    assert sim.stations.take("jdoe", reason="Logged on at WS-200") == 1
    [message] = await poll(http, me)
    assert message["reason"] == "Logged on at WS-200"
    assert message["previousStationInfo"]["id"] == "WS-114"
    assert message["newStationInfo"]["stationSetting"] == 0
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert await response.json(content_type=None) == {
            "connectionState": 1,
            "reason": "Logged on at WS-200",
            "shouldReconnect": True,
        }
    async with http.get(me.url("connection/station"), headers=me.headers) as r:
        assert r.status == 400
    assert sim.sessions.count_of("jdoe") == 1  # the session stays
    assert sim.stations.take("jdoe") == 0  # nothing left to take
    # A new logon clears the reason.
    await put_station(http, me, {"__type": REMOTE_NUMBER, "remoteNumber": "555"})
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert (await response.json(content_type=None))["reason"] == ""
    with pytest.raises(KeyError):
        sim.stations.take("nobody")


async def test_take_station_over_http(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """``users/{user}/station/take`` does the same, with a default reason."""
    me = await on_station(http, sim)
    status, state = await control(http, sim, "users/jdoe/station/take")
    assert (status, state["sessions"][0]["stationId"]) == (200, None)
    [message] = await poll(http, me)
    assert "another logon" in message["reason"]
    assert (await control(http, sim, "users/nobody/station/take"))[0] == 404
    assert (await control(http, sim, "users/jdoe/station/take", {"reason": 1}))[
        0
    ] == 400


async def test_second_logon_names_its_reason(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A user's logon in another session takes the station with a reason."""
    first = await on_station(http, sim)
    second = await login(http, sim.url)
    await put_station(http, second, WS_115)
    [message] = await poll(http, first)
    assert "another logon" in message["reason"]
    assert message["newStationInfo"]["stationSetting"] == 0


async def test_station_logoffs_name_their_cause(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Each loss of a station is recorded with who caused it: the client or the server."""
    me = await on_station(http, sim)
    assert (await put_station(http, me, WS_114)).status == 200  # the same: no logoff
    assert (await put_station(http, me, WS_115)).status == 200
    async with http.delete(me.url("connection/station"), headers=me.headers) as r:
        assert r.status == 200
    await put_station(http, me, WS_114)
    sim.stations.take("jdoe")
    await put_station(http, me, WS_114)
    sim.stations.remove()
    await put_station(http, me, WS_114)
    second = await login(http, sim.url)
    await put_station(http, second, WS_115)
    sim.sessions.end(second.session_id, notify=False)
    await put_station(http, me, WS_114)
    async with http.delete(me.url("connection"), headers=me.headers) as r:
        assert r.status == 200

    assert [
        (logoff.session_id == me.session_id, logoff.station_id, logoff.cause)
        for logoff in sim.stations.logoffs
    ] == [
        (True, "WS-114", "switched"),
        (True, "WS-115", "disconnected"),
        (True, "WS-114", "taken"),
        (True, "WS-114", "removed"),
        (True, "WS-114", "another_logon"),
        (False, "WS-115", "ended"),
        (True, "WS-114", "logged_out"),
    ]
    assert {logoff.user_id for logoff in sim.stations.logoffs} == {"jdoe"}
