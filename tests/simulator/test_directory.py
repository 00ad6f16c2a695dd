"""The simulator's user list and rights over real HTTP, as docs/icws-protocol.md §15 says.

A floor of generated users, the list paged by ``Range`` with ``Content-Range``, ``where``
and ``orderBy``, private users (403, left out) and supervisors (may set others' statuses).
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
import io
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator
from icws_simulator.__main__ import build_simulator, parse_args, serve
from icws_simulator.demo import run_colleague_demo
from icws_simulator.directory import generated_users

from .helpers import BOUND, Login, login, poll

pytestmark = pytest.mark.usefixtures("socket_enabled")

USER_STATUS = "urn:inin.com:status:userStatusMessage"


@pytest.fixture
async def floor(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """Jdoe and 450 generated users."""
    users = {"jdoe": "secret"}
    names = {"jdoe": "Jane Doe"}
    for user in generated_users(450, frozenset(users)):
        users[user.user_id] = user.password
        names[user.user_id] = user.display_name
    simulator = IcwsSimulator(users=users, display_names=names)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def users_page(
    http: aiohttp.ClientSession,
    session: Login,
    range_: str | None = None,
    **query: str,
) -> tuple[int, dict[str, Any], str | None]:
    """GET configuration/users; return status, body and Content-Range."""
    headers = dict(session.headers)
    if range_ is not None:
        headers["Range"] = range_
    async with http.get(
        session.url("configuration/users"), params=query, headers=headers
    ) as response:
        body = await response.json(content_type=None)
        return response.status, body, response.headers.get("Content-Range")


def test_generated_users_are_distinct_and_named() -> None:
    users = generated_users(1200, frozenset({"ada.allen"}))
    ids = [user.user_id for user in users]
    assert len(set(ids)) == 1200
    assert "ada.allen" not in ids
    names = {user.display_name for user in users}
    assert len(names) == 1200
    # Neighbours differ in both names; the second round numbers them.
    assert users[0].display_name.split()[0] != users[1].display_name.split()[0]
    assert users[0].display_name.split()[1] != users[1].display_name.split()[1]
    assert users[-1].display_name.endswith(" 3")
    assert generated_users(5) == generated_users(5)


async def test_the_list_pages_with_content_range(
    floor: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    session = await login(http, floor.url)
    status, body, content_range = await users_page(
        http, session, "items=0-199", select="configurationId", rightsFilter="view"
    )
    assert status == 200
    assert content_range == "items 0-199/451"
    ids = [item["configurationId"]["id"] for item in body["items"]]
    assert ids == sorted(ids, key=str.casefold)
    first = body["items"][0]["configurationId"]
    assert set(first) == {"id", "displayName", "uri"}
    assert first["displayName"] == floor.display_name(first["id"])

    _, body, content_range = await users_page(http, session, "items=400-599")
    assert content_range == "items 400-450/451"
    assert len(body["items"]) == 51
    # Past the end: nothing, and the total.
    _, body, content_range = await users_page(http, session, "items=451-500")
    assert body["items"] == []
    assert content_range == "items */451"
    # No range: the first page of 200.
    _, body, content_range = await users_page(http, session)
    assert len(body["items"]) == 200
    assert content_range == "items 0-199/451"


async def test_where_order_and_select(
    floor: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    session = await login(http, floor.url)
    _, body, content_range = await users_page(
        http,
        session,
        where="configurationId.id sw ADA.",
        orderBy="configurationId.id desc",
        select="configurationId,extension,workgroups",
    )
    ids = [item["configurationId"]["id"] for item in body["items"]]
    assert ids
    assert all(user_id.startswith("ada.") for user_id in ids)
    assert ids == sorted(ids, reverse=True)
    assert content_range == f"items 0-{len(ids) - 1}/{len(ids)}"
    assert body["items"][0]["extension"] == ""
    assert body["items"][0]["workgroups"] == []
    _, body, _ = await users_page(
        http, session, where="configurationId.displayName eq jane doe"
    )
    assert [item["configurationId"]["id"] for item in body["items"]] == ["jdoe"]
    _, body, _ = await users_page(
        http, session, where="configurationId.displayName ct LISKOV"
    )
    assert body["items"]
    assert all(
        "Liskov" in item["configurationId"]["displayName"] for item in body["items"]
    )
    _, body, _ = await users_page(http, session, rightsFilter="loggedInUser")
    assert [item["configurationId"]["id"] for item in body["items"]] == ["jdoe"]


@pytest.mark.parametrize(
    ("query", "range_"),
    [
        ({"where": "extension eq 1"}, None),
        ({"where": "configurationId.id like x"}, None),
        ({"orderBy": "configurationId.id sideways"}, None),
        ({"select": "configurationId,password"}, None),
        ({"rightsFilter": "nonsense"}, None),
        ({}, "items=10-2"),
        ({}, "bytes=0-10"),
    ],
)
async def test_malformed_list_requests_answer_400(
    floor: IcwsSimulator,
    http: aiohttp.ClientSession,
    query: dict[str, str],
    range_: str | None,
) -> None:
    session = await login(http, floor.url)
    status, body, _ = await users_page(http, session, range_, **query)
    assert status == 400
    assert body["message"]


async def test_private_users_and_supervisors(
    floor: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    colleague, private = floor.user_ids[1], floor.user_ids[2]
    async with http.post(
        f"{floor.url}/_simulator/directory/users/{private}", json={"private": True}
    ) as response:
        assert response.status == 200
        assert (await response.json())["private"] == [private]
    session = await login(http, floor.url)

    # Left out of the list, refused to read, left out of a watch.
    _, body, content_range = await users_page(http, session, "items=0-1")
    assert content_range == "items 0-1/450"
    for user_id, listed in ((private, []), (colleague, [colleague])):
        _, body, _ = await users_page(
            http, session, where=f"configurationId.id eq {user_id}"
        )
        assert [item["configurationId"]["id"] for item in body["items"]] == listed
    async with http.get(
        session.url(f"status/user-statuses/{private}"), headers=session.headers
    ) as response:
        assert response.status == 403
    async with http.get(
        session.url(f"status/status-messages-user-access/{private}"),
        headers=session.headers,
    ) as response:
        assert response.status == 403
    async with http.get(
        session.url("status/user-statuses/nobody"), headers=session.headers
    ) as response:
        assert response.status == 404
    async with http.put(
        session.url("messaging/subscriptions/status/user-statuses"),
        json={"userIds": ["jdoe", colleague, private, "nobody"]},
        headers=session.headers,
    ) as response:
        assert response.status == 200
    (message,) = [m for m in await poll(http, session) if m["__type"] == USER_STATUS]
    assert {s["userId"] for s in message["userStatusList"]} == {"jdoe", colleague}
    floor.status.set_user_status(private, "At Lunch")
    floor.status.set_user_status(colleague, "At Lunch")
    (delta,) = [m for m in await poll(http, session) if m["__type"] == USER_STATUS]
    assert [s["userId"] for s in delta["userStatusList"]] == [colleague]

    # Setting a colleague's status takes a supervisor, and never a private user's.
    async def put(user_id: str) -> int:
        async with http.put(
            session.url(f"status/user-statuses/{user_id}"),
            json={"statusId": "Do Not Disturb"},
            headers=session.headers,
        ) as response:
            return response.status

    assert await put(colleague) == 403
    assert await put("nobody") == 404
    async with http.post(
        f"{floor.url}/_simulator/directory/users/jdoe", json={"supervisor": True}
    ) as response:
        assert response.status == 200
    assert await put(colleague) == 202
    assert floor.status.user_status(colleague).status_id == "Do Not Disturb"
    assert floor.status.requests[-1].user_id == colleague
    assert await put(private) == 403
    async with http.get(f"{floor.url}/_simulator/directory") as response:
        assert await response.json() == {
            "users": 451,
            "private": [private],
            "supervisors": ["jdoe"],
        }
    async with http.get(f"{floor.url}/_simulator/state") as response:
        assert (await response.json())["directory"]["supervisors"] == ["jdoe"]


async def test_a_refused_list_answers_403(
    floor: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    floor.directory.list_refused = True
    session = await login(http, floor.url)
    status, body, _ = await users_page(http, session)
    assert status == 403
    assert body["errorId"] == "error.request.accessDenied"


async def test_rights_control_refuses_what_it_cannot_do(
    floor: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{floor.url}/_simulator/directory/users/nobody", json={"private": True}
    ) as response:
        assert response.status == 404
    async with http.post(
        f"{floor.url}/_simulator/directory/users/jdoe", json={"private": "yes"}
    ) as response:
        assert response.status == 400


def test_users_option_adds_a_floor() -> None:
    sim = build_simulator(parse_args(["--users", "30"]))
    assert len(sim.user_ids) == 31
    assert sim.user_ids[0] == "jdoe"
    assert sim.display_name("jdoe") == "Jane Doe"
    assert sim.display_name(sim.user_ids[1]) != sim.user_ids[1]
    assert sim.check_credentials(sim.user_ids[5], "secret")
    named = build_simulator(parse_args(["--user", "me:pw", "--users", "2"]))
    assert named.user_ids[0] == "me"
    assert len(named.user_ids) == 3


async def test_start_lists_a_floor_in_short(socket_enabled: None) -> None:
    sim = build_simulator(parse_args(["--port", "0", "--users", "40"]))
    out = io.StringIO()
    stop = asyncio.Event()
    stop.set()
    await serve(sim, stop, out)
    text = out.getvalue()
    assert "user jdoe (Jane Doe)" in text
    assert "and 29 more users" in text


async def test_the_colleague_demo_changes_colleagues_not_session_users(
    floor: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    await login(http, floor.url)
    colleagues = floor.user_ids[1:5]
    demo = asyncio.create_task(run_colleague_demo(floor, 0.01))
    try:
        async with asyncio.timeout(BOUND):
            await floor.wait_until(
                lambda: (
                    all(
                        floor.status.user_status(user).status_id != "Available"
                        for user in colleagues[1:]
                    )
                    and any(
                        floor.status.user_status(user).on_phone for user in colleagues
                    )
                )
            )
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo
    assert floor.status.user_status("jdoe").status_id == "Available"
    assert floor.status.user_status(floor.user_ids[5]).status_id == "Available"
