"""Where the simulator behaves as real servers evidently do for clients written against them.

Each test names the behaviour from docs/icws-protocol.md or a real server's answer.
"""

import asyncio
from datetime import UTC, datetime, timedelta
import json
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator

from .helpers import BOUND, REMOTE_NUMBER, WORKSTATION, login, login_body, put_station

pytestmark = pytest.mark.usefixtures("socket_enabled")

ORIGIN = "https://agent.example.test"
NO_CONTENT_TYPE = ("Content-Type",)  # aiohttp adds one unless told not to


async def test_json_without_content_type(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A JSON body sent without Content-Type is read as JSON (login and station PUT)."""
    async with http.post(
        f"{sim.url}/icws/connection",
        data=json.dumps(login_body()).encode(),
        headers={"Accept-Language": "en-US"},
        skip_auto_headers=NO_CONTENT_TYPE,
    ) as response:
        assert "Content-Type" not in response.request_info.headers
        assert response.status == 201, await response.text()
        body = await response.json(content_type=None)
    me = await login(http, sim.url)
    async with http.put(
        me.url("connection/station"),
        data=json.dumps({"__type": WORKSTATION, "workstation": "WS-114"}).encode(),
        headers=me.headers,
        skip_auto_headers=NO_CONTENT_TYPE,
    ) as response:
        assert response.status == 200
    assert body["userID"] == "jdoe"
    assert sim.sessions[me.session_id].station is not None


async def test_ended_or_unknown_session_is_401_on_any_path(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The session check comes before routing: 401 even where nothing is implemented."""
    me = await login(http, sim.url)
    unimplemented = me.url("dialer/campaigns")
    async with http.get(unimplemented, headers=me.headers) as response:
        assert response.status == 404  # a live session: the path is just unknown
    async with http.delete(me.url("connection"), headers=me.headers) as response:
        assert response.status == 200
    for method, url in (
        ("GET", unimplemented),
        ("PUT", me.url("messaging/subscriptions/queues/q1")),
        ("GET", me.url("connection")),
        ("GET", f"{sim.url}/icws/123456789012/status/user-statuses/jdoe"),
        ("POST", f"{sim.url}/ICWS/123456789012/nothing"),
    ):
        async with http.request(method, url, headers=me.headers) as response:
            assert response.status == 401, (method, url)
            assert response.headers["WWW-Authenticate"].startswith("ICWS realm=")
            assert (await response.json(content_type=None))["errorCode"] == -2147221499


async def test_cors_preflight(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """OPTIONS answers a browser's preflight for the request's origin, without a session."""
    async with http.options(
        f"{sim.url}/icws/123456789012/connection",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "ININ-ICWS-CSRF-Token, X-Trace",
        },
    ) as response:
        assert response.status == 200
        headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"
    methods = {m.strip() for m in headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "DELETE", "OPTIONS"} <= methods
    assert "PUT" not in methods  # the methods of this path
    assert {m.strip() for m in headers["Allow"].split(",")} == methods
    allowed = {
        h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {
        "inin-icws-csrf-token",
        "inin-icws-session-id",
        "content-type",
        "accept-language",
        "x-trace",
    } <= allowed
    async with http.options(
        f"{sim.url}/icws/123456789012/anything", headers={"Origin": ORIGIN}
    ) as response:
        assert response.status == 200  # no route: every ICWS method
        assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    async with http.options(f"{sim.url}/icws/connection") as response:
        assert response.status == 200
        assert "POST" in response.headers["Allow"]
        assert "Access-Control-Allow-Origin" not in response.headers
    assert sim.traffic.login_attempts == 0


async def test_cors_headers_on_answers(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Answers to a request with an Origin let that origin read them, errors included."""
    async with http.post(
        f"{sim.url}/icws/connection",
        json=login_body(),
        headers={"Accept-Language": "en-US", "Origin": ORIGIN},
    ) as response:
        assert response.status == 201
        headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"
    exposed = headers["Access-Control-Expose-Headers"].lower()
    assert "inin-icws-csrf-token" in exposed
    assert "inin-icws-session-id" in exposed
    async with http.get(
        f"{sim.url}/icws/123456789012/connection", headers={"Origin": ORIGIN}
    ) as response:
        assert response.status == 401
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    async with http.get(f"{sim.url}/icws/connection/version") as response:
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_login_includes_station_time_and_default_workstation(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """``include=effective-station,server-time,default-workstation`` in §14's shapes.

    The effective station is a station id, never a station record (no SIP password).
    """
    include = "effective-station,server-time,default-workstation"

    async def login_with_include() -> dict[str, Any]:
        async with http.post(
            f"{sim.url}/icws/connection?include={include}",
            json=login_body(),
            headers={"Accept-Language": "en-US"},
        ) as response:
            assert response.status == 201
            body: dict[str, Any] = await response.json(content_type=None)
            return body

    first = await login_with_include()
    assert first["effectiveStation"] is None
    assert first["defaultWorkstationId"] is None
    server_time = datetime.strptime(
        first["serverTimeInfo"]["serverUtcTime"], "%Y%m%dT%H%M%SZ"
    ).replace(tzinfo=UTC)
    assert abs(server_time - datetime.now(UTC)) < timedelta(seconds=BOUND)

    holder = await login(http, sim.url)
    await put_station(http, holder, {"__type": WORKSTATION, "workstation": "WS-114"})
    sim.default_workstations["jdoe"] = "WS-201"
    second = await login_with_include()
    station_id = second["effectiveStation"]["stationId"]
    assert (station_id["id"], station_id["displayName"]) == ("WS-114", "WS-114")
    assert station_id["uri"].endswith("/configuration/stations/WS-114")
    assert set(second["effectiveStation"]) == {"stationId"}
    assert "SIPpw" not in json.dumps(second)
    assert second["defaultWorkstationId"] == "WS-201"
    assert "features" not in second  # only what was asked for


async def test_status_icon_loads_with_the_cookie_alone(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """An ``<img>`` sends no CSRF header: the session cookie alone fetches an iconUri."""
    me = await login(http, sim.url)
    async with http.get(
        me.url("status/status-messages"), headers=me.headers
    ) as response:
        listed = (await response.json(content_type=None))["statusMessageList"]
    async with http.get(
        f"{sim.url}{listed[0]['iconUri']}", headers={"Cookie": me.cookie}
    ) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
    async with http.get(me.url("status/status-messages")) as response:
        assert response.status == 401  # no cookie: no session


async def test_station_requests_are_recorded(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Every station PUT body is kept as sent, refused ones too."""
    me = await login(http, sim.url)
    persistent = {
        "__type": REMOTE_NUMBER,
        "remoteNumber": "3175550000",
        "persistentConnection": True,
    }
    unknown = {"__type": WORKSTATION, "workstation": "WS-404"}
    assert (await put_station(http, me, persistent)).status == 200
    assert (await put_station(http, me, unknown)).status == 400
    assert sim.traffic.station_requests == [persistent, unknown]
    async with http.get(f"{sim.url}/_simulator/state") as response:
        state = await response.json()
    assert state["stationRequests"][0]["persistentConnection"] is True


async def test_pings_never_split_an_event(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Pings and events come from one writer: an event written in pieces stays whole."""
    async with IcwsSimulator(sse_ping_interval=0.001, sse_retry_ms=None) as sim:
        sim.sse_chunk_size = 1
        me = await login(http, sim.url)
        sim.sessions.inject_message(
            {"__type": "urn:x", "isDelta": False, "pad": "p" * 300}
        )
        async with (
            await http.get(
                me.url("messaging/messages"),
                headers={"Cookie": me.cookie, "Accept": "text/event-stream"},
            ) as stream,
            asyncio.timeout(BOUND),
        ):
            received = b""
            while b'"}\r\n\r\n' not in received:
                received += await stream.content.readany()
    blocks = received.split(b"\r\n\r\n")[:-1]  # whole blocks only
    [event] = [block for block in blocks if block != b":ping"]
    assert json.loads(event.removeprefix(b"data: "))["pad"] == "p" * 300
