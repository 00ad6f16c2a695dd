"""Sessions: how the server ends them, idle expiry, and what other API parts build on."""

from typing import Any

import aiohttp
from aiohttp import web
import pytest

from icws_simulator import IcwsSimulator, SimSession, app
from icws_simulator.__main__ import parse_args
from icws_simulator.control import ControlApi
from icws_simulator.protocol import TYPE_CONNECTION_STATE
from icws_simulator.routing import IcwsRoutes
from icws_simulator.state import SimulatorState

from .helpers import control, login, next_event, open_stream, poll, wait_for

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_end_session_without_reconnect(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """An administrator ends a user's sessions: down with the reason, no reconnect, 401."""
    streamed = await login(http, sim.url)
    polled = await login(http, sim.url)
    async with await open_stream(http, streamed) as stream:
        sim.sessions.end(user="jdoe", should_reconnect=False, reason="Ended by admin")
        message = await next_event(stream)
    assert message == {
        "__type": TYPE_CONNECTION_STATE,
        "isDelta": False,
        "previousConnectionState": 1,
        "newConnectionState": 2,
        "reason": "Ended by admin",
        "shouldReconnect": False,
    }
    # Until its client reads the message, the session reports the same state.
    async with http.get(polled.url("connection"), headers=polled.headers) as response:
        assert await response.json(content_type=None) == {
            "connectionState": 2,
            "reason": "Ended by admin",
            "shouldReconnect": False,
        }
    assert [m["shouldReconnect"] for m in await poll(http, polled)] == [False]
    for me in (streamed, polled):
        async with http.get(me.url("connection"), headers=me.headers) as response:
            assert response.status == 401
    assert sim.sessions.count_of("jdoe") == 0
    with pytest.raises(KeyError):
        sim.sessions.end(user="nobody")


async def test_end_session_by_user_over_http(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """``sessions/end`` takes a user and ends only that user's sessions."""
    sim.set_password("amy", "pw")
    amy = await login(http, sim.url, "amy", "pw")
    await login(http, sim.url)
    status, state = await control(
        http,
        sim,
        "sessions/end",
        {"user": "jdoe", "should_reconnect": False, "reason": "bye"},
    )
    assert status == 200
    ending = {s["userId"]: s["ending"] for s in state["sessions"]}
    assert ending == {"amy": False, "jdoe": True}
    [jdoe] = sim.sessions.of("jdoe")
    assert (jdoe.end_reason, jdoe.end_should_reconnect) == ("bye", False)
    assert sim.sessions.of("amy")[0].session_id == amy.session_id
    assert (await control(http, sim, "sessions/end", {"user": "x"}))[0] == 404


async def test_idle_sessions_expire(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A session without requests or a stream expires; an open stream keeps one alive."""
    async with IcwsSimulator(session_idle_timeout=0.2) as sim:
        # Logged in first, so its idle check runs before the other session's.
        streaming = await login(http, sim.url)
        async with await open_stream(http, streaming) as stream:
            await stream.content.readuntil(b"\r\n\r\n")
            idle = await login(http, sim.url)
            await wait_for(sim, lambda: idle.session_id not in sim.sessions)
            assert streaming.session_id in sim.sessions
            async with http.get(idle.url("connection"), headers=idle.headers) as r:
                assert r.status == 401
        # Without its stream the session expires too.
        await wait_for(sim, lambda: streaming.session_id not in sim.sessions)
        assert sim.sessions.count_of("jdoe") == 0


async def test_idle_timeout_can_change(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Setting a timeout later applies to sessions already there; None turns it off."""
    assert sim.sessions.idle_timeout is None
    me = await login(http, sim.url)
    status, state = await control(http, sim, "settings", {"session_idle_timeout": 0.1})
    assert (status, state["sessionIdleTimeout"]) == (200, 0.1)
    await wait_for(sim, lambda: me.session_id not in sim.sessions)
    await control(http, sim, "settings", {"session_idle_timeout": None})
    assert sim.sessions.idle_timeout is None
    assert (await control(http, sim, "settings", {"session_idle_timeout": "1"}))[
        0
    ] == 400
    with pytest.raises(ValueError, match="positive"):
        sim.sessions.idle_timeout = 0


def test_cli_idle_timeout() -> None:
    """The command line ends idle sessions after a default; "none" turns it off."""
    assert parse_args([]).session_idle_timeout == 300.0
    assert parse_args(["--session-idle-timeout", "none"]).session_idle_timeout is None
    assert parse_args(["--session-idle-timeout", "12.5"]).session_idle_timeout == 12.5
    with pytest.raises(SystemExit):
        parse_args(["--session-idle-timeout", "soon"])
    with pytest.raises(SystemExit):
        parse_args(["--session-idle-timeout", "-1"])


async def test_fan_out_and_session_hooks(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Other API parts find a user's sessions, reach subscribers, and see sessions come and go."""
    started: list[SimSession] = []
    ended: list[SimSession] = []
    sim.sessions.on_start.append(started.append)
    sim.sessions.on_end.append(ended.append)
    watching = await login(http, sim.url)
    other = await login(http, sim.url)
    assert [s.session_id for s in started] == [watching.session_id, other.session_id]
    assert [s.session_id for s in sim.sessions.of("jdoe")] == [
        watching.session_id,
        other.session_id,
    ]
    sim.sessions[watching.session_id].subscriptions["example/things"] = {"ids": [1]}
    assert sim.sessions.subscribers("example/things") == [
        sim.sessions[watching.session_id]
    ]
    sim.sessions.publish(
        {"__type": "urn:example", "isDelta": True},
        sim.sessions.subscribers("example/things"),
    )
    assert await poll(http, watching) == [{"__type": "urn:example", "isDelta": True}]
    assert await poll(http, other) == []
    async with http.get(f"{sim.url}/_simulator/state") as response:
        snapshot = await response.json()
    assert snapshot["sessions"][0]["subscriptions"] == ["example/things"]
    sim.sessions.end(watching.session_id)
    assert (
        sim.sessions.subscribers("example/things") == []
    )  # an ending session is told nothing
    async with http.delete(other.url("connection"), headers=other.headers) as response:
        assert response.status == 200
    assert [s.session_id for s in ended] == [other.session_id]


class ExampleApi:
    """A part of the API kept in a module of its own, as the extension point expects."""

    def __init__(self, state: SimulatorState) -> None:
        """Keep the state."""
        self.state = state
        self.calls = 0

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register one ICWS session route and one control route."""
        icws.add_session("PUT", "/example/things", self.put_things)
        control.add("/example/poke", self.poke)
        control.add_snapshot(lambda: {"exampleCalls": self.calls})

    async def put_things(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """Subscribe the session to things."""
        session.subscriptions["example/things"] = True
        self.calls += 1
        return web.Response(status=200)

    async def poke(self, _request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
        """Tell every subscriber."""
        self.state.sessions.publish(
            {"__type": "urn:example", "isDelta": True, **body},
            self.state.sessions.subscribers("example/things"),
        )
        return {"subscribers": len(self.state.sessions.subscribers("example/things"))}


async def test_extra_api_registers_routes(
    http: aiohttp.ClientSession, socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An API part listed in APIS gets session-checked routes and control routes."""
    monkeypatch.setattr(app, "APIS", (*app.APIS, ExampleApi))
    async with IcwsSimulator() as sim:
        me = await login(http, sim.url)
        async with http.put(me.url("example/things"), headers=me.headers) as response:
            assert response.status == 200
        async with http.put(me.url("example/things")) as response:
            assert response.status == 401  # the session check covers new routes
        assert await control(http, sim, "example/poke", {"n": 1}) == (
            200,
            {"subscribers": 1},
        )
        assert await poll(http, me) == [
            {"__type": "urn:example", "isDelta": True, "n": 1}
        ]
        async with http.get(f"{sim.url}/_simulator/state") as response:
            assert (await response.json())["exampleCalls"] == 1
