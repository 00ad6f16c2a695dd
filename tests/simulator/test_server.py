"""Tests of the ICWS simulator over real HTTP, with a plain aiohttp client (no client library).

They check that the simulator behaves as docs/icws-protocol.md says a server does.
"""

import asyncio
import contextlib
import io
import json
from pathlib import Path
import re
import signal
import sys
from typing import Any, cast

import aiohttp
import pytest

from icws_simulator import IcwsSimulator, SimulatedStation
from icws_simulator.__main__ import build_simulator, parse_args, serve
from icws_simulator.demo import run_demo
from icws_simulator.protocol import TYPE_CONNECTION_STATE, TYPE_STATION_STATE
from icws_simulator.sse import encode_event
from tests.tls import write_self_signed

from .helpers import (
    AUTH_FAILURE,
    BOUND,
    LOGIN_TYPE,
    VENDOR_JSON,
    WORKSTATION,
    control,
    login,
    login_body,
    next_event,
    open_stream,
    poll,
    put_station,
    read_to_end,
    subscribe,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


class FlushedOutput(io.StringIO):
    """Text output that signals each flush."""

    def __init__(self) -> None:
        """Start empty."""
        super().__init__()
        self.flushed = asyncio.Event()

    def flush(self) -> None:
        """Flush and signal."""
        super().flush()
        self.flushed.set()


# ---- login -------------------------------------------------------------------------------


async def test_login_created(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """A good login answers 201 with the documented headers, cookie and body."""
    async with http.post(
        f"{sim.url}/icws/connection?include=features,version",
        json=login_body(),
        headers={"Accept-Language": "en-US,en;q=0.8"},
    ) as response:
        assert response.status == 201
        body = await response.json(content_type=None)
        headers = response.headers
    assert headers["Content-Type"] == f"{VENDOR_JSON}; charset=utf-8"
    session_id = body["sessionId"]
    assert re.fullmatch(r"\d{12}", session_id)
    assert headers["ININ-ICWS-Session-ID"] == session_id
    assert headers["ININ-ICWS-CSRF-Token"] == body["csrfToken"]
    assert len(body["csrfToken"]) >= 40
    assert headers["Location"] == f"/icws/{session_id}/connection"
    assert re.fullmatch(
        rf"icws_{session_id}=[0-9a-f-]{{36}}\|languageId=en-us; "
        rf"Path=/icws/{session_id}; HttpOnly",
        headers["Set-Cookie"],
    )
    assert body["userID"] == "jdoe"
    assert body["userDisplayName"] == "Jane Doe"
    assert body["icServer"] == "CIC01"
    assert body["alternateHostList"] == []
    features = {f["featureId"]: f["version"] for f in body["features"]}
    assert features["connection"] == 15
    assert features["messaging"] == 2
    assert body["version"]["productReleaseDisplayString"] == "2018 R5"
    assert sim.sessions[session_id].language == "en-us"
    assert sim.traffic.login_attempts == 1
    assert sim.traffic.requests == [("POST", "/icws/connection", 201)]


async def test_login_without_include(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Features and version come only when asked for; alternates come on success."""
    async with IcwsSimulator(
        users={"amy": "pw"},
        alternate_hosts=("cic2",),
        server_name="CIC9",
        messaging_version=1,
    ) as sim:
        async with http.post(
            f"{sim.url}/icws/connection",
            json=login_body("amy", "pw"),
            headers={"Accept-Language": "fr"},
        ) as response:
            body = await response.json(content_type=None)
        assert "features" not in body
        assert "version" not in body
        assert body["alternateHostList"] == ["cic2"]
        assert body["userDisplayName"] == "amy"  # no display name given
        assert body["icServer"] == "CIC9"
        assert "languageId=fr" in response.headers["Set-Cookie"]
        async with http.get(f"{sim.url}/icws/connection/features") as response:
            listed = (await response.json(content_type=None))["featureInfoList"]
        assert {"featureId": "messaging", "version": 1} in listed
        async with http.get(f"{sim.url}/icws/connection/version") as response:
            assert (await response.json(content_type=None))["majorVersion"] == "18"


async def test_login_finds_the_user_in_any_case(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """The directory ignores case; the answer and the session spell the user its way."""
    async with IcwsSimulator(
        users={"JDoe": "pw"}, display_names={"JDoe": "Jane Doe"}
    ) as sim:
        sim.default_workstations["JDoe"] = "WS-114"
        async with http.post(
            f"{sim.url}/icws/connection?include=default-workstation",
            json=login_body("jdoe", "pw"),
            headers={"Accept-Language": "en-US"},
        ) as response:
            assert response.status == 201
            body = await response.json(content_type=None)
        assert body["userID"] == "JDoe"
        assert body["userDisplayName"] == "Jane Doe"
        assert body["defaultWorkstationId"] == "WS-114"
        assert sim.sessions.ids_of("JDoe") == [body["sessionId"]]
        async with http.post(
            f"{sim.url}/icws/connection",
            json=login_body("JDOE", "PW"),
            headers={"Accept-Language": "en-US"},
        ) as response:
            assert response.status == 400  # the password still counts every letter


@pytest.mark.parametrize(
    ("user", "password"), [("jdoe", "wrong"), ("nobody", "secret"), ("jdoe", "")]
)
async def test_login_bad_credentials(
    sim: IcwsSimulator, http: aiohttp.ClientSession, user: str, password: str
) -> None:
    """Bad credentials answer 400 with the recorded error body."""
    async with http.post(
        f"{sim.url}/icws/connection",
        json=login_body(user, password),
        headers={"Accept-Language": "en-US"},
    ) as response:
        assert response.status == 400
        assert await response.json(content_type=None) == AUTH_FAILURE
    assert sim.traffic.login_attempts == 1
    assert not sim.sessions


async def test_login_needs_accept_language(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Accept-Language is required."""
    async with http.post(f"{sim.url}/icws/connection", json=login_body()) as response:
        assert response.status == 400
        assert "Accept-Language" in (await response.json(content_type=None))["message"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("", "application/json"),
        ("{not json", "application/json"),
        ("[]", "application/json"),
        (json.dumps(login_body()), "text/plain"),
        (json.dumps(login_body() | {"__type": "other"}), "application/json"),
        (json.dumps(login_body() | {"userID": ""}), "application/json"),
        (json.dumps(login_body() | {"password": 5}), "application/json"),
        (
            json.dumps({"__type": LOGIN_TYPE, "userID": "jdoe", "password": "x"}),
            "a/json",
        ),
    ],
)
async def test_login_malformed(
    sim: IcwsSimulator, http: aiohttp.ClientSession, data: str, content_type: str
) -> None:
    """A malformed login answers 400 with an error body."""
    async with http.post(
        f"{sim.url}/icws/connection",
        data=data,
        headers={"Accept-Language": "en-US", "Content-Type": content_type},
    ) as response:
        assert response.status == 400
        assert "message" in await response.json(content_type=None)


async def test_login_accepts_vendor_content_type(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The SDK's content type is JSON too."""
    async with http.post(
        f"{sim.url}/ICWS/connection",
        data=json.dumps(login_body()),
        headers={
            "Accept-Language": "en-US",
            "Content-Type": f"{VENDOR_JSON};charset=utf-8",
        },
    ) as response:
        assert response.status == 201


async def test_refuse_and_accept_logins(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A server that does not accept connections answers 503 with alternates."""
    sim.refuse_logins(alternates=("127.0.0.2",))
    async with http.post(
        f"{sim.url}/icws/connection",
        json=login_body(),
        headers={"Accept-Language": "en-US"},
    ) as response:
        assert response.status == 503
        body = await response.json(content_type=None)
    assert body["alternateHostList"] == ["127.0.0.2"]
    assert body["errorId"] == "error.server.notAcceptingConnections"
    assert body["message"]
    sim.refuse_logins(error_id="error.server.unavailable")
    async with http.post(
        f"{sim.url}/icws/connection",
        json=login_body(),
        headers={"Accept-Language": "en"},
    ) as response:
        body = await response.json(content_type=None)
    assert body == {
        "alternateHostList": [],
        "errorId": "error.server.unavailable",
        "message": "This server is not currently accepting connections.",
    }
    sim.accept_logins()
    await login(http, sim.url)
    assert sim.traffic.login_attempts == 3


async def test_set_password(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """A changed password takes effect on the next login; sessions stay."""
    first = await login(http, sim.url)
    sim.set_password("jdoe", "new")
    async with http.post(
        f"{sim.url}/icws/connection",
        json=login_body(),
        headers={"Accept-Language": "en"},
    ) as response:
        assert response.status == 400
    await login(http, sim.url, password="new")
    assert first.session_id in sim.sessions


# ---- session checks ----------------------------------------------------------------------


async def test_session_calls_need_cookie_and_csrf(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Session calls answer 401 without the right cookie or CSRF token."""
    me = await login(http, sim.url)
    url = me.url("connection")
    cases = [
        {"ININ-ICWS-CSRF-Token": me.csrf},
        {"ININ-ICWS-CSRF-Token": "wrong", "Cookie": me.cookie},
        {"Cookie": me.cookie},
        {"ININ-ICWS-CSRF-Token": me.csrf, "Cookie": me.cookie + "x"},
        {"ININ-ICWS-CSRF-Token": me.csrf, "Cookie": f"icws_1=x; {me.cookie[:-3]}"},
    ]
    for headers in cases:
        async with http.get(url, headers=headers) as response:
            assert response.status == 401
            assert (
                response.headers["WWW-Authenticate"]
                == 'ICWS realm="ICWS" location="/ICWS/connection"'
            )
            body = await response.json(content_type=None)
            assert body["errorCode"] == -2147221499
            assert body["message"]
    headers = {"ININ-ICWS-CSRF-Token": me.csrf, "Cookie": f"other=1; {me.cookie}"}
    async with http.get(url, headers=headers) as response:
        assert response.status == 200
        assert await response.json(content_type=None) == {
            "connectionState": 1,
            "reason": "",
            "shouldReconnect": True,
        }
    async with http.get(
        f"{sim.url}/icws/999999999999/connection", headers=me.headers
    ) as response:
        assert response.status == 401


async def test_messages_need_cookie_only(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Reading messages needs the cookie but no CSRF token; an empty poll is []."""
    me = await login(http, sim.url)
    async with http.get(
        me.url("messaging/messages"), headers={"Cookie": me.cookie}
    ) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == f"{VENDOR_JSON}; charset=utf-8"
        assert await r.text() == "[]"
    async with http.get(me.url("messaging/messages")) as response:
        assert response.status == 401


async def test_unknown_routes_answer_error_bodies(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Unknown ICWS routes answer with the ICWS error body; other paths are plain."""
    me = await login(http, sim.url)
    async with http.get(me.url("nothing"), headers=me.headers) as response:
        assert response.status == 404
        assert "message" in await response.json(content_type=None)
    async with http.get(f"{sim.url}/icws/connection/nothing") as response:
        assert response.status == 404
    async with http.post(f"{sim.url}/icws/connection/features") as response:
        assert response.status == 405
        assert "message" in await response.json(content_type=None)
    async with http.get(f"{sim.url}/elsewhere") as response:
        assert response.status == 404
    assert ("GET", "/elsewhere", 404) not in sim.traffic.requests


async def test_heartbeat_and_logout(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Heartbeat answers 204; logging out (200) ends the session and its event stream."""
    me = await login(http, sim.url)
    async with http.post(me.url("messaging/heartbeat"), headers=me.headers) as r:
        assert r.status == 204
    stream = await open_stream(http, me)
    async with stream:
        async with http.delete(me.url("connection"), headers=me.headers) as r:
            assert r.status == 200  # clients written against real servers check it
        async with asyncio.timeout(BOUND):
            assert await stream.content.read() == b"retry: 5000\r\n\r\n"
    async with http.post(me.url("messaging/heartbeat"), headers=me.headers) as r:
        assert r.status == 401
    assert not sim.sessions


# ---- station subscription and station connection -----------------------------------------


async def test_subscription_without_station(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Subscribing with no station gives an initial "no station" message; DELETE is 204."""
    me = await login(http, sim.url)
    await subscribe(http, me)
    assert await poll(http, me) == [
        {
            "__type": TYPE_STATION_STATE,
            "isDelta": False,
            "newStationInfo": {
                "id": "",
                "extension": "",
                "stationSetting": 0,
                "managedIPPhone": "",
                "emergencyResponderLocationID": "",
            },
        }
    ]
    async with http.delete(
        me.url("messaging/subscriptions/connection/station"), headers=me.headers
    ) as response:
        assert response.status == 204
    assert not sim.sessions[me.session_id].subscribed


async def test_station_put_get_delete(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A workstation logon is reported, readable, and removable."""
    me = await login(http, sim.url)
    await subscribe(http, me)
    assert len(await poll(http, me)) == 1
    response = await put_station(
        http, me, {"__type": WORKSTATION, "workstation": "ws-114"}
    )
    assert response.status == 200
    full = {
        "id": "WS-114",
        "extension": "114",
        "stationSetting": 1,
        "sipAddress": "sip:114@cic01.example.test",
        "sipUser": "ws114",
        "sipPassword": "SIPpw-114-Zq9x",
        "remoteNumber": "",
        "allowedMediaTypes": [1, 2, 3],
        "canBeDialed": True,
        "ringAlways": False,
        "managedIPPhone": "MIP-114",
        "emergencyResponderLocationID": "ERL-1",
    }
    assert await poll(http, me) == [
        {"__type": TYPE_STATION_STATE, "isDelta": False, "newStationInfo": full}
    ]
    async with http.get(me.url("connection/station"), headers=me.headers) as r:
        assert r.status == 200
        assert await r.json(content_type=None) == full
    async with http.delete(me.url("connection/station"), headers=me.headers) as r:
        assert r.status == 200
    [removed] = await poll(http, me)
    assert removed["previousStationInfo"] == full
    assert removed["newStationInfo"]["stationSetting"] == 0
    async with http.get(me.url("connection/station"), headers=me.headers) as r:
        assert r.status == 400
        assert (await r.json(content_type=None))["errorId"] == "-2147221496"
    assert sim.sessions[me.session_id].station is None


@pytest.mark.parametrize(
    ("body", "error_id"),
    [
        ({"__type": WORKSTATION, "workstation": "WS-404"}, "-2147221496"),
        ({"__type": WORKSTATION}, None),
        ({"__type": "urn:inin.com:connection:unknownSettings"}, None),
        (
            {
                "__type": WORKSTATION,
                "workstation": "WS-114",
                "supportedMediaTypes": "1",
            },
            None,
        ),
        (
            {
                "__type": WORKSTATION,
                "workstation": "WS-114",
                "stationConnectionMode": 7,
            },
            None,
        ),
    ],
)
async def test_station_put_errors(
    sim: IcwsSimulator,
    http: aiohttp.ClientSession,
    body: dict[str, Any],
    error_id: str | None,
) -> None:
    """Unknown stations and malformed settings answer 400."""
    me = await login(http, sim.url)
    async with http.put(
        me.url("connection/station"), json=body, headers=me.headers
    ) as response:
        assert response.status == 400
        answer = await response.json(content_type=None)
    if error_id is not None:
        assert answer == {
            "errorId": error_id,
            "message": "The station could not be found.",
        }
    assert sim.sessions[me.session_id].station is None


async def test_remote_and_stationless_settings(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Remote workstation, remote number and stationless logons."""
    me = await login(http, sim.url)
    await subscribe(http, me)
    await poll(http, me)
    await put_station(
        http,
        me,
        {
            "__type": "urn:inin.com:connection:remoteWorkstationSettings",
            "workstation": "WS-115",
            "remoteNumber": "3175551234",
            "supportedMediaTypes": [1, 2, 9],
            "readyForInteractions": True,
            "stationConnectionMode": 1,
        },
    )
    [message] = await poll(http, me)
    info = message["newStationInfo"]
    assert info["stationSetting"] == 2
    assert info["remoteNumber"] == "3175551234"
    assert info["allowedMediaTypes"] == [1, 2, 9]
    assert info["sipUser"] == "ws115"
    assert sim.sessions[me.session_id].station_connection_mode == 1
    await put_station(
        http,
        me,
        {
            "__type": "urn:inin.com:connection:remoteNumberSettings",
            "remoteNumber": "3175550000",
            "persistentConnection": True,
        },
    )
    [message] = await poll(http, me)
    assert message["previousStationInfo"]["id"] == "WS-115"
    info = message["newStationInfo"]
    assert info["id"] == info["extension"] == info["remoteNumber"] == "3175550000"
    assert info["stationSetting"] == 3
    assert info["sipPassword"] == ""
    sim.stations.change(
        "WS-115", extension="999"
    )  # not this session's station any more
    assert await poll(http, me) == []
    await put_station(
        http, me, {"__type": "urn:inin.com:connection:stationlessSettings"}
    )
    [message] = await poll(http, me)
    assert message["newStationInfo"]["stationSetting"] == 0


async def test_one_station_per_user(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A user's second station logon takes the first session's station away."""
    first = await login(http, sim.url)
    second = await login(http, sim.url)
    await put_station(http, first, {"__type": WORKSTATION, "workstation": "WS-114"})
    await subscribe(http, first)
    await poll(http, first)
    await put_station(http, second, {"__type": WORKSTATION, "workstation": "WS-115"})
    [message] = await poll(http, first)
    assert message["previousStationInfo"]["id"] == "WS-114"
    assert message["newStationInfo"]["stationSetting"] == 0
    assert sim.sessions[first.session_id].station is None
    assert sim.sessions[second.session_id].station is not None


async def test_update_station_delta_by_polling(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Subscribers on the station get the required fields plus the changed ones."""
    me = await login(http, sim.url)
    other = await login(http, sim.url, "jdoe")
    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-114"})
    await subscribe(http, me)
    await subscribe(http, other)
    await poll(http, me)
    await poll(http, other)
    sim.stations.change(
        "WS-114", can_be_dialed=False, extension="115", ring_always=False
    )
    assert await poll(http, me) == [
        {
            "__type": TYPE_STATION_STATE,
            "isDelta": True,
            "newStationInfo": {
                "id": "WS-114",
                "extension": "115",
                "stationSetting": 1,
                "managedIPPhone": "MIP-114",
                "emergencyResponderLocationID": "ERL-1",
                "canBeDialed": False,
            },
        }
    ]
    assert await poll(http, other) == []  # not on that station
    assert sim.stations["WS-114"].extension == "115"
    sim.stations.change("WS-114", extension="115")  # no change: no message
    assert await poll(http, me) == []
    with pytest.raises(ValueError, match="not changeable"):
        cast("Any", sim.stations).change("WS-114", id="X")
    with pytest.raises(KeyError):
        sim.stations.change("WS-404", extension="1")


async def test_update_station_delta_by_stream(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The same delta goes out as one SSE event; the raw stream is as documented."""
    me = await login(http, sim.url)
    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-114"})
    await subscribe(http, me)
    async with await open_stream(http, me) as stream:
        initial = await next_event(stream)
        assert initial["isDelta"] is False
        sim.stations.change("WS-114", sip_password="changed")
        expected = json.dumps(
            {
                "__type": TYPE_STATION_STATE,
                "isDelta": True,
                "newStationInfo": {
                    "id": "WS-114",
                    "extension": "114",
                    "stationSetting": 1,
                    "managedIPPhone": "MIP-114",
                    "emergencyResponderLocationID": "ERL-1",
                    "sipPassword": "changed",
                },
            },
            separators=(",", ":"),
        )
        async with asyncio.timeout(BOUND):
            raw = await stream.content.readuntil(b"\r\n\r\n")
        assert raw == f"data: {expected}\r\n\r\n".encode()
        assert sim.sessions.open_streams == 1


async def test_stream_raw_start_and_pings(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A stream starts with a retry field, then ping comments keep it alive."""
    async with IcwsSimulator(sse_ping_interval=0.05) as sim:
        me = await login(http, sim.url)
        async with await open_stream(http, me) as stream, asyncio.timeout(BOUND):
            assert await stream.content.readuntil(b"\r\n\r\n") == b"retry: 5000\r\n\r\n"
            # Real servers send the comment without a space [seen].
            assert await stream.content.readuntil(b"\r\n\r\n") == b":ping\r\n\r\n"
        async with asyncio.timeout(BOUND):
            await sim.wait_until(lambda: sim.sessions.open_streams == 0)


async def test_stream_split_into_chunks(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """With sse_chunk_size events go out in small writes and still parse."""
    me = await login(http, sim.url)
    sim.sse_retry_ms = None
    sim.sse_chunk_size = 7
    await subscribe(http, me)
    async with await open_stream(http, me) as stream:
        event = await next_event(stream)
        assert event["newStationInfo"]["stationSetting"] == 0


async def test_newer_stream_replaces_older(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A session has one event stream: opening a second ends the first."""
    me = await login(http, sim.url)
    first = await open_stream(http, me)
    second = await open_stream(http, me)
    async with first, second:
        async with asyncio.timeout(BOUND):
            assert await first.content.read() == b"retry: 5000\r\n\r\n"
        sim.sessions.inject_message({"__type": "urn:x", "isDelta": False})
        assert (await next_event(second))["__type"] == "urn:x"


async def test_messaging_1_answers_streams_with_polls(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Without messaging 2 a stream request gets a poll answer."""
    async with IcwsSimulator(messaging_version=1) as sim:
        me = await login(http, sim.url)
        async with http.get(
            me.url("messaging/messages"),
            headers={"Cookie": me.cookie, "Accept": "text/event-stream"},
        ) as response:
            assert response.headers["Content-Type"].startswith(VENDOR_JSON)
            assert await response.text() == "[]"


@pytest.mark.parametrize(
    ("version", "media", "phone_fields"),
    [(15, [1, 2, 3, 8, 9], True), (13, [1, 2, 3, 8, 9], False), (12, [1, 2, 3], False)],
)
async def test_feature_versions_gate_fields(
    http: aiohttp.ClientSession,
    socket_enabled: None,
    version: int,
    media: list[int],
    phone_fields: bool,
) -> None:
    """Connection 13 adds media types 8 and 9; connection 15 the phone fields."""
    async with IcwsSimulator(connection_version=version) as sim:
        me = await login(http, sim.url)
        assert {"featureId": "connection", "version": version} in me.body["features"]
        await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-115"})
        await subscribe(http, me)
        [message] = await poll(http, me)
        info = message["newStationInfo"]
        assert info["allowedMediaTypes"] == media
        assert ("managedIPPhone" in info) is phone_fields
        assert ("emergencyResponderLocationID" in info) is phone_fields
        sim.stations.change("WS-115", managed_ip_phone="MIP-9")
        changed = [m["newStationInfo"]["managedIPPhone"] for m in await poll(http, me)]
        # A change this version cannot see sends nothing.
        assert changed == (["MIP-9"] if phone_fields else [])


async def test_flat_and_null_shapes(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The flat and the null "no station" shapes (docs/icws-protocol.md §5) are available."""
    me = await login(http, sim.url)
    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-201"})
    sim.stations.flat_messages = True
    await subscribe(http, me)
    [flat] = await poll(http, me)
    assert flat["id"] == "WS-201"
    assert flat["isDelta"] is False
    assert "newStationInfo" not in flat
    sim.stations.change("WS-201", ring_always=True)
    [delta] = await poll(http, me)
    assert delta["ringAlways"] is True
    assert delta["isDelta"] is True
    sim.stations.flat_messages = False
    sim.stations.no_station_as_null = True
    sim.stations.remove(me.session_id)
    [removed] = await poll(http, me)
    assert removed["newStationInfo"] is None
    assert removed["previousStationInfo"]["id"] == "WS-201"
    with pytest.raises(KeyError):
        sim.stations.remove("000")


# ---- ending sessions ---------------------------------------------------------------------


async def test_end_session_by_polling(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The ending message comes in a poll; every call after it answers 401."""
    me = await login(http, sim.url)
    sim.sessions.end(me.session_id, reason="Another logon", states_as_strings=True)
    sim.sessions.end(me.session_id)  # already ending: nothing more
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert response.status == 200  # not delivered yet
    assert await poll(http, me) == [
        {
            "__type": TYPE_CONNECTION_STATE,
            "isDelta": False,
            "previousConnectionState": "up",
            "newConnectionState": "down",
            "reason": "Another logon",
            "shouldReconnect": True,
        }
    ]
    async with http.get(
        me.url("messaging/messages"), headers={"Cookie": me.cookie}
    ) as r:
        assert r.status == 401


async def test_end_session_by_stream(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """On a stream the ending message is written, then the stream ends."""
    me = await login(http, sim.url)
    async with await open_stream(http, me) as stream:
        sim.sessions.end()
        message = await next_event(stream)
        assert message["newConnectionState"] == 2
        assert message["previousConnectionState"] == 1
        async with asyncio.timeout(BOUND):
            assert await stream.content.read() == b""
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert response.status == 401


async def test_end_session_grace_and_silent(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Unread, the ending message expires with the session; notify=False is at once."""
    async with IcwsSimulator(end_session_grace=0.05) as sim:
        unread = await login(http, sim.url)
        sim.sessions.end(unread.session_id)
        await wait_for(sim, lambda: unread.session_id not in sim.sessions)
        async with http.get(
            unread.url("messaging/messages"), headers=unread.headers
        ) as r:
            assert r.status == 401
        silent = await login(http, sim.url)
        sim.sessions.end(silent.session_id, notify=False)
        assert not sim.sessions
        async with http.get(silent.url("connection"), headers=silent.headers) as r:
            assert r.status == 401
        with pytest.raises(KeyError):
            sim.sessions.end("123")


async def test_restart_forgets_sessions(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """After a restart on the same port old sessions answer 401."""
    me = await login(http, sim.url)
    port = sim.port
    async with await open_stream(http, me) as stream:
        await sim.restart()
        async with asyncio.timeout(BOUND):
            assert await stream.content.read() == b"retry: 5000\r\n\r\n"
    assert sim.port == port
    assert sim.running
    async with http.get(me.url("connection"), headers=me.headers) as response:
        assert response.status == 401
    await login(http, sim.url)
    with pytest.raises(RuntimeError):
        await sim.start()


async def test_restart_keeping_sessions(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Asked to, a restart keeps the sessions: streams end cleanly, calls work after it."""
    me = await login(http, sim.url)
    await subscribe(http, me)
    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-114"})
    async with await open_stream(http, me) as stream:
        await next_event(stream)
        await sim.stop(keep_sessions=True)
        sim.stations.change("WS-114", extension="1999")  # while nothing listens
        async with asyncio.timeout(BOUND):
            rest = await stream.content.read()  # the end of a chunked body: clean
        assert b"1999" not in rest
    assert list(sim.sessions) == [me.session_id]
    await sim.start()
    async with http.get(me.url("connection/station"), headers=me.headers) as response:
        assert response.status == 200
        assert (await response.json(content_type=None))["extension"] == "1999"
    [delta] = await poll(http, me)  # the change queued while the server was down
    assert delta["isDelta"] is True


async def test_closed_streams_leave_the_session(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """close_streams ends each stream cleanly; the session and its messages stay."""
    me = await login(http, sim.url)
    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-114"})
    await subscribe(http, me)
    async with await open_stream(http, me) as stream:
        await next_event(stream)
        sim.sessions.close_streams()
        async with asyncio.timeout(BOUND):
            await stream.content.read()
    assert sim.sessions.open_streams == 0
    sim.stations.change("WS-114", extension="1998")
    async with await open_stream(http, me) as stream:
        assert (await next_event(stream))["newStationInfo"]["extension"] == "1998"
    assert list(sim.sessions) == [me.session_id]


async def test_a_login_whose_client_left_is_finished(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A login whose client times out still creates its session, as on a real server.

    Nobody holds that session's credentials: it is marked ``login_abandoned``.
    """
    sim.traffic.response_delay = 30.0
    with pytest.raises(TimeoutError):
        async with http.post(
            f"{sim.url}/icws/connection",
            json=login_body(),
            headers={"Accept-Language": "en-US"},
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass
    await wait_for(sim, lambda: sim.traffic.abandoned_logins == 1)
    assert sim.traffic.in_flight == 1  # still being processed
    sim.traffic.response_delay = (
        0.0  # a held request waits for the new delay, not the old
    )
    await wait_for(sim, lambda: sim.traffic.in_flight == 0)
    (session,) = sim.sessions.values()
    assert session.login_abandoned
    me = await login(http, sim.url)
    assert not sim.sessions[me.session_id].login_abandoned
    assert sim.sessions.count_of("jdoe") == 2


async def test_a_login_held_when_the_server_stops_is_dropped(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Stopping drops the logins the server has not processed yet, kept sessions or not."""
    sim.traffic.response_delay = 30.0
    request = asyncio.create_task(
        http.post(
            f"{sim.url}/icws/connection",
            json=login_body(),
            headers={"Accept-Language": "en-US"},
        )
    )
    await wait_for(sim, lambda: sim.traffic.in_flight == 1)
    await sim.stop(keep_sessions=True)
    assert sim.traffic.in_flight == 0
    assert not sim.sessions
    assert sim.traffic.login_attempts == 0
    with contextlib.suppress(aiohttp.ClientError):
        async with asyncio.timeout(BOUND):
            (await request).release()


async def test_stop_is_quick_with_delayed_requests(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A response delay does not hold up stopping."""
    sim.traffic.response_delay = 30.0
    request = asyncio.create_task(http.get(f"{sim.url}/icws/connection/version"))
    await wait_for(sim, lambda: sim.traffic.in_flight == 1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await sim.stop()
    assert loop.time() - started < 1.0
    try:
        async with asyncio.timeout(BOUND):
            response = await request
        response.release()  # answered while shutting down
    except aiohttp.ClientError:
        pass  # or the connection closed: both are what a stopping server does
    await sim.stop()  # stopping twice is harmless
    assert not sim.running
    assert sim.traffic.in_flight == 0


# ---- misbehaviour on purpose -------------------------------------------------------------


async def test_response_delay(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """response_delay holds every /icws answer, enough for a client timeout."""
    sim.traffic.response_delay = 0.3
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with http.get(f"{sim.url}/icws/connection/features") as response:
        assert response.status == 200
    assert loop.time() - started >= 0.3
    with pytest.raises(TimeoutError):
        async with http.get(
            f"{sim.url}/icws/connection/features",
            timeout=aiohttp.ClientTimeout(total=0.05),
        ):
            pass
    async with http.get(f"{sim.url}/_simulator/state") as response:  # not delayed
        assert response.status == 200


async def test_drop_sse_mid_event(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The next event is cut in half and the connection dropped; the event is lost."""
    me = await login(http, sim.url)
    stream = await open_stream(http, me)
    async with stream:
        assert await stream.content.readuntil(b"\r\n\r\n") == b"retry: 5000\r\n\r\n"
        await wait_for(sim, lambda: sim.sessions.open_streams == 1)
        sim.sessions.drop_sse_mid_event()
        sim.sessions.inject_message(
            {"__type": "urn:x", "isDelta": False, "pad": "x" * 40}
        )
        sim.sessions.inject_message({"__type": "urn:y", "isDelta": False})
        received = bytearray()
        with pytest.raises(aiohttp.ClientPayloadError):
            await read_to_end(stream, received)
    assert received.startswith(b"data: {")
    assert not received.endswith(b"\r\n\r\n")
    await wait_for(sim, lambda: sim.sessions.open_streams == 0)
    assert [m["__type"] for m in await poll(http, me)] == ["urn:y"]


async def test_inject_raw_and_message(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Injected text reaches polls and streams as is; broken text breaks a poll body."""
    polled = await login(http, sim.url)
    streamed = await login(http, sim.url)
    sim.sessions.inject_message({"__type": "urn:inin.com:unknown", "isDelta": True})
    sim.sessions.inject_raw('{"__type": broken')
    async with http.get(
        polled.url("messaging/messages"), headers={"Cookie": polled.cookie}
    ) as response:
        text = await response.text()
    assert (
        text == '[{"__type":"urn:inin.com:unknown","isDelta":true},{"__type": broken]'
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    async with await open_stream(http, streamed) as stream, asyncio.timeout(BOUND):
        await stream.content.readuntil(b"\r\n\r\n")
        assert (await stream.content.readuntil(b"\r\n\r\n")).startswith(
            b'data: {"__type'
        )
        raw = await stream.content.readuntil(b"\r\n\r\n")
        assert raw == b'data: {"__type": broken\r\n\r\n'


def test_encode_event_splits_lines() -> None:
    """Message text with line breaks becomes several data lines."""
    assert encode_event("a\nb\r\nc", "\n") == b"data: a\ndata: b\ndata: c\n\n"


# ---- https -------------------------------------------------------------------------------


async def test_https_cookie_is_secure(
    http: aiohttp.ClientSession, socket_enabled: None, tmp_path: Path
) -> None:
    """Served over https, the session cookie carries Secure."""
    cert, key = write_self_signed(tmp_path)
    args = parse_args(["--port", "0", "--cert", str(cert), "--key", str(key)])
    sim = build_simulator(args)
    async with sim:
        assert sim.url.startswith("https://127.0.0.1:")
        async with http.post(
            f"{sim.url}/icws/connection",
            json=login_body(),
            headers={"Accept-Language": "en-US"},
            ssl=False,
        ) as response:
            assert response.status == 201
            assert response.headers["Set-Cookie"].endswith("; Secure; HttpOnly")
    assert IcwsSimulator(host="::1", port=1).url == "http://[::1]:1"


# ---- HTTP control interface --------------------------------------------------------------


async def test_control_routes(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """The control routes mirror the Python control API and never show secrets."""
    me = await login(http, sim.url)
    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-114"})
    await subscribe(http, me)
    await poll(http, me)
    async with http.get(f"{sim.url}/_simulator/state") as response:
        state = await response.json()
    assert state["sessionCount"] == 1
    assert state["sessions"][0]["stationId"] == "WS-114"
    assert state["sessions"][0]["subscribed"] is True
    text = json.dumps(state)
    for secret in ("secret", "SIPpw", me.csrf, me.cookie.split("=", 1)[1]):
        assert secret not in text

    status, _ = await control(
        http,
        sim,
        "stations/WS-114",
        {"can_be_dialed": False, "allowed_media_types": [1]},
    )
    assert status == 200
    [delta] = await poll(http, me)
    assert delta["newStationInfo"]["allowedMediaTypes"] == [1]
    assert delta["newStationInfo"]["canBeDialed"] is False
    for body in (
        {"id": "x"},
        {"allowed_media_types": "1"},
        {"ring_always": "yes"},
        {"extension": 5},
    ):
        assert (await control(http, sim, "stations/WS-114", body))[0] == 400
    assert (await control(http, sim, "stations/WS-404", {}))[0] == 404
    assert (await control(http, sim, "stations/WS-114", "{bad"))[0] == 400
    assert (await control(http, sim, "stations/WS-114", "[1]"))[0] == 400

    status, state = await control(
        http, sim, "station/remove", {"session_id": me.session_id}
    )
    assert state["sessions"][0]["stationId"] is None
    assert (await control(http, sim, "station/remove", {"session_id": "1"}))[0] == 404
    assert (await control(http, sim, "station/remove", {"session_id": 1}))[0] == 400

    status, state = await control(http, sim, "messages", {"raw": "{}"})
    status, state = await control(
        http, sim, "messages", {"message": {"__type": "urn:z"}}
    )
    assert state["sessions"][0]["pending"] == 3
    assert (await control(http, sim, "messages", {}))[0] == 400

    status, state = await control(
        http,
        sim,
        "settings",
        {"response_delay": 0, "sse_chunk_size": 3, "flat_messages": True},
    )
    assert (
        sim.traffic.response_delay,
        sim.sse_chunk_size,
        sim.stations.flat_messages,
    ) == (0.0, 3, True)
    await control(http, sim, "settings", {"sse_chunk_size": None})
    assert sim.sse_chunk_size is None
    assert (await control(http, sim, "settings", {"response_delay": True}))[0] == 400

    status, _ = await control(http, sim, "sse/drop")
    assert status == 200
    status, _ = await control(http, sim, "sse/close")
    assert status == 200

    status, state = await control(
        http, sim, "logins/refuse", {"alternates": ["cic2"], "message": "switching"}
    )
    assert state["refusingLogins"] is True
    assert sim.refusal is not None
    assert sim.refusal.message == "switching"
    assert (await control(http, sim, "logins/refuse", {"alternates": [1]}))[0] == 400
    status, state = await control(http, sim, "logins/accept")
    assert state["refusingLogins"] is False

    assert (await control(http, sim, "users/jdoe/password", {"password": "p2"}))[
        0
    ] == 200
    assert (await control(http, sim, "users/jdoe/password", {}))[0] == 400
    await login(http, sim.url, password="p2")

    status, state = await control(
        http, sim, "sessions/end", {"session_id": me.session_id, "reason": "bye"}
    )
    assert state["sessions"][0]["ending"] is True
    status, state = await control(http, sim, "sessions/end", {"notify": False})
    assert state["sessionCount"] == 0


# ---- command line ------------------------------------------------------------------------


async def test_cli_serve_in_process(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """serve() starts the simulator, prints where it is, and stops on request."""
    args = parse_args(
        [
            "--port",
            "0",
            "--user",
            "amy:pw:Amy Pond",
            "--user",
            "bob:pw2",
            "--messaging",
            "1",
        ]
    )
    sim = build_simulator(args)
    out = FlushedOutput()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(sim, stop, out))
    async with asyncio.timeout(BOUND):
        await out.flushed.wait()
    assert f"listening on {sim.url}" in out.getvalue()
    assert "user amy (Amy Pond)" in out.getvalue()
    assert "user bob (bob)" in out.getvalue()
    assert "WS-114 (114)" in out.getvalue()
    await login(http, sim.url, "amy", "pw")
    assert sim.messaging_version == 1
    stop.set()
    async with asyncio.timeout(BOUND):
        await task
    assert not sim.running
    with pytest.raises(SystemExit):
        parse_args(["--user", "nocolon"])


async def test_cli_process(http: aiohttp.ClientSession, socket_enabled: None) -> None:
    """``python -m icws_simulator`` runs until interrupted."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "icws_simulator",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(BOUND * 2):
            first = (await process.stdout.readline()).decode()
        url = first.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        await login(http, url)
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(BOUND):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_wait_until_wakes_on_requests(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """wait_until re-checks after each request."""
    waiter = asyncio.create_task(wait_for(sim, lambda: len(sim.sessions) == 1))
    await asyncio.sleep(0)
    assert not waiter.done()
    await login(http, sim.url)
    await waiter


async def test_start_on_a_busy_port_fails(sim: IcwsSimulator) -> None:
    """A second server on a taken port raises and leaves nothing running."""
    other = IcwsSimulator(port=sim.port)
    with pytest.raises(OSError, match="address already in use"):
        await other.start()
    assert not other.running
    with pytest.raises(ValueError, match="ping"):
        IcwsSimulator(sse_ping_interval=0)


async def test_custom_stations(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Stations given to the constructor replace the defaults."""
    station = SimulatedStation(
        id="WS-1",
        extension="1",
        sip_password="pw",
        allowed_media_types=(1, 42),
        ring_always=True,
    )
    async with IcwsSimulator(stations=[station]) as sim:
        assert list(sim.stations) == ["WS-1"]
        me = await login(http, sim.url)
        await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-1"})
        async with http.get(me.url("connection/station"), headers=me.headers) as r:
            info = await r.json(content_type=None)
        assert info["allowedMediaTypes"] == [1, 42]  # unknown media types pass through
        assert info["ringAlways"] is True


# ---- demo --------------------------------------------------------------------------------


async def test_demo_changes_only_stations_in_use(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The demo toggles a field of the stations sessions are on, turn by turn."""
    session = await login(http, sim.url)
    await put_station(http, session, {"__type": WORKSTATION, "workstation": "WS-114"})
    await subscribe(http, session)
    assert [message["isDelta"] for message in await poll(http, session)] == [False]
    unused_before = sim.stations["WS-201"]

    demo = asyncio.create_task(run_demo(sim, interval=0.01))
    try:
        async with asyncio.timeout(BOUND):
            await sim.wait_until(lambda: sim.sessions[session.session_id].pending >= 2)
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo

    changed = [message["newStationInfo"] for message in await poll(http, session)]
    assert changed[0]["canBeDialed"] is False
    assert "ringAlways" in changed[1]
    assert sim.stations["WS-201"] == unused_before
