"""What the simulator's tests share: a plain ICWS client's steps, written by hand."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import json
from typing import Any

import aiohttp

from icws_simulator import IcwsSimulator

BOUND = 5.0  # seconds any single wait in these tests may take

LOGIN_TYPE = "urn:inin.com:connection:icAuthConnectionRequestSettings"

WORKSTATION = "urn:inin.com:connection:workstationSettings"
REMOTE_NUMBER = "urn:inin.com:connection:remoteNumberSettings"

AUTH_FAILURE = {
    "errorId": "error.request.connection.authenticationFailure",
    "errorCode": -2147221503,
    "message": "The authentication process failed.",
}

VENDOR_JSON = "application/vnd.inin.icws+JSON"

USER = ("jdoe", "secret")  # the simulator's default user and password


@dataclass
class Login:
    """What a client keeps from a successful login."""

    base: str
    session_id: str
    csrf: str
    cookie: str  # "icws_<id>=<value>"
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        """Headers of a session call."""
        return {"ININ-ICWS-CSRF-Token": self.csrf, "Cookie": self.cookie}

    def url(self, path: str) -> str:
        """URL of a call inside the session."""
        return f"{self.base}/icws/{self.session_id}/{path}"


def login_body(user: str = USER[0], password: str = USER[1]) -> dict[str, str]:
    """Build a login request body."""
    return {
        "__type": LOGIN_TYPE,
        "applicationName": "tests",
        "userID": user,
        "password": password,
    }


async def login(
    http: aiohttp.ClientSession,
    base: str,
    user: str = USER[0],
    password: str = USER[1],
) -> Login:
    """Log in and return the session's credentials."""
    async with http.post(
        f"{base}/icws/connection?include=features,version",
        json=login_body(user, password),
        headers={"Accept-Language": "en-US"},
    ) as response:
        assert response.status == 201, await response.text()
        body = await response.json(content_type=None)
        cookie = response.headers["Set-Cookie"].split(";")[0]
        return Login(base, body["sessionId"], body["csrfToken"], cookie, body)


async def poll(http: aiohttp.ClientSession, login_: Login) -> list[dict[str, Any]]:
    """Short-poll the messages of a session (cookie only)."""
    async with http.get(
        login_.url("messaging/messages"), headers={"Cookie": login_.cookie}
    ) as response:
        assert response.status == 200
        messages: list[dict[str, Any]] = json.loads(await response.text())
        return messages


async def put_station(
    http: aiohttp.ClientSession, login_: Login, body: Mapping[str, Any]
) -> aiohttp.ClientResponse:
    """PUT the session's station connection; return the (released) response."""
    async with http.put(
        login_.url("connection/station"), json=body, headers=login_.headers
    ) as response:
        await response.read()
        return response


async def subscribe(http: aiohttp.ClientSession, login_: Login) -> None:
    """Start the station subscription."""
    async with http.put(
        login_.url("messaging/subscriptions/connection/station"),
        headers=login_.headers,
    ) as response:
        assert response.status == 200


async def open_stream(
    http: aiohttp.ClientSession, login_: Login
) -> aiohttp.ClientResponse:
    """Open the session's event stream (cookie only)."""
    response = await http.get(
        login_.url("messaging/messages"),
        headers={"Cookie": login_.cookie, "Accept": "text/event-stream"},
        timeout=aiohttp.ClientTimeout(total=None, sock_read=BOUND),
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    return response


async def next_event(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """Read the next SSE event with data, skipping comments and retry fields."""
    data: list[str] = []
    async with asyncio.timeout(BOUND):
        while True:
            raw = await response.content.readline()
            if not raw:
                raise EOFError
            line = raw.decode().rstrip("\r\n")
            if not line:
                if data:
                    event: dict[str, Any] = json.loads("\n".join(data))
                    return event
                continue
            if line.startswith("data:"):
                data.append(line.removeprefix("data:").removeprefix(" "))


async def read_to_end(response: aiohttp.ClientResponse, into: bytearray) -> None:
    """Read a response body to its end (bounded), keeping what arrived."""
    async with asyncio.timeout(BOUND):
        while chunk := await response.content.read(1024):
            into += chunk


async def wait_for(sim: IcwsSimulator, predicate: Any) -> None:
    """Wait, bounded, until the simulator's state satisfies ``predicate``."""
    async with asyncio.timeout(BOUND):
        await sim.wait_until(predicate)


async def control(
    http: aiohttp.ClientSession, sim: IcwsSimulator, path: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    data = None if body is None else body if isinstance(body, str) else json.dumps(body)
    async with http.post(f"{sim.url}/_simulator/{path}", data=data) as response:
        return response.status, await response.json()
