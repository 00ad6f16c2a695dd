"""Team presence with the client over real HTTP: the user list, colleagues' statuses.

The user list comes page by page (``Range``/``Content-Range``, docs/icws-protocol.md §15);
one subscription watches the session's user and colleagues; another user's status is read
or set only with the right.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import aiohttp
from aiohttp import web
import pytest
from yarl import URL

from custom_components.icws_station.icws import (
    DirectoryUser,
    IcwsClient,
    IcwsResponseError,
    IcwsStatusError,
    UserStatus,
    UserStatusChange,
    UserStatusMessage,
    id_key,
)
from custom_components.icws_station.icws.users import (
    directory_users,
    next_page,
    range_header,
)
from icws_simulator import IcwsSimulator
from icws_simulator.directory import generated_users
from tests.conftest import PASSWORD, USERNAME

from .conftest import APP, next_message

FLOOR = 450


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """The user and a floor of colleagues."""
    users = {USERNAME: PASSWORD}
    names = {USERNAME: "Jane Doe"}
    for user in generated_users(FLOOR, frozenset(users)):
        users[user.user_id] = user.password
        names[user.user_id] = user.display_name
    return {"users": users, "display_names": names}


def list_requests(simulator: IcwsSimulator) -> list[tuple[str, str, int]]:
    return [
        r for r in simulator.traffic.requests if r[1].endswith("/configuration/users")
    ]


async def test_the_whole_list_comes_page_by_page(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    users = await client.get_users()
    assert len(users) == FLOOR + 1
    assert DirectoryUser(USERNAME, "Jane Doe") in users
    colleague = simulator.user_ids[1]
    assert DirectoryUser(colleague, simulator.display_name(colleague)) in users
    assert len(list_requests(simulator)) == 3  # 200 + 200 + 51


async def test_a_limit_and_a_filter_ask_for_less(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    users = await client.get_users(limit=250)
    assert len(users) == 250
    assert len(list_requests(simulator)) == 2
    assert await client.get_users(limit=0) == ()
    found = await client.get_users(where="configurationId.id sw ada.", page_size=5)
    assert found
    assert all(user.user_id.startswith("ada.") for user in found)
    # A private user is not on the list of anyone else.
    private = simulator.user_ids[3]
    simulator.directory.set_rights(private, private=True)
    listed = await client.get_users(where=f"configurationId.id eq {private}")
    assert listed == ()


async def test_a_refused_list_raises(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    with pytest.raises(IcwsResponseError) as refused:
        await client.get_users(where="nonsense")
    assert refused.value.status == 400


def test_list_answers_are_read_tolerantly() -> None:
    users = directory_users(
        {
            "items": [
                {"configurationId": {"id": "ada.allen", "displayName": "Ada Allen"}},
                {"configurationId": {"id": "bob"}},
                {"configurationId": {"id": ""}},
                {"configurationId": "x"},
                {"extension": "100"},
            ]
        }
    )
    assert users == (
        DirectoryUser("ada.allen", "Ada Allen"),
        DirectoryUser("bob", "bob"),
    )
    assert directory_users({}) == ()
    assert range_header(200, 50) == {"Range": "items=200-249"}
    assert next_page("items 0-199/451") == 200
    assert next_page("items 400-450/451") is None
    assert next_page("items 0-199/*") == 200
    assert next_page("items */451") is None
    assert next_page(None) is None


@pytest.fixture
async def other_server(
    socket_enabled: None, http_session: aiohttp.ClientSession
) -> AsyncIterator[tuple[IcwsClient, list[Any]]]:
    """A server whose user list answers what the test puts in the list it gets."""
    answers: list[Any] = []

    async def users(request: web.Request) -> web.Response:
        return web.json_response(answers.pop(0))

    async def login(request: web.Request) -> web.Response:
        response = web.json_response(
            {"csrfToken": "t", "sessionId": "1", "userID": "me"}, status=201
        )
        response.set_cookie("icws_1", "c")
        return response

    app = web.Application()
    app.router.add_post("/icws/connection", login)
    app.router.add_get("/icws/1/configuration/users", users)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    client = IcwsClient(
        http_session, URL(f"http://127.0.0.1:{port}"), "me", "pw", application_name=APP
    )
    await client.login()
    yield client, answers
    await runner.cleanup()


async def test_a_server_without_content_range_gives_one_page(
    other_server: tuple[IcwsClient, list[Any]],
) -> None:
    """A server that ignores ``Range`` answers everything at once: asked once."""
    client, answers = other_server
    answers.append({"items": [{"configurationId": {"id": f"u{n}"}} for n in range(3)]})
    users = await client.get_users()
    assert [user.user_id for user in users] == ["u0", "u1", "u2"]
    assert answers == []


async def test_a_malformed_list_raises(
    other_server: tuple[IcwsClient, list[Any]],
) -> None:
    client, answers = other_server
    answers.append(["not", "an", "object"])
    with pytest.raises(IcwsResponseError) as malformed:
        await client.get_users()
    assert malformed.value.status == 200


async def test_one_subscription_watches_the_user_and_colleagues(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    info = await client.login()
    colleague, private = simulator.user_ids[1], simulator.user_ids[2]
    simulator.directory.set_rights(private, private=True)
    await client.subscribe_user_statuses([info.user_id, colleague, private])
    async with aclosing(client.messages()) as messages:
        first = await next_message(messages, UserStatusMessage)
        assert not first.is_delta
        statuses = first.apply({})
        assert set(statuses) == {id_key(USERNAME), id_key(colleague)}
        simulator.status.set_on_phone(colleague, True)
        delta = await next_message(messages, UserStatusMessage)
        own = {id_key(USERNAME): statuses[id_key(USERNAME)]}
        assert delta.apply(own, users={id_key(USERNAME)}) == own
        theirs = delta.apply(statuses, users={id_key(colleague)})
        assert theirs[id_key(colleague)].on_phone is True
        # A PUT replaces the set: the colleague's changes stop coming.
        await client.subscribe_user_statuses()
        again = await next_message(messages, UserStatusMessage)
        assert set(again.apply({})) == {id_key(USERNAME)}


async def test_another_users_status_takes_the_right(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    colleague, private = simulator.user_ids[1], simulator.user_ids[2]
    simulator.directory.set_rights(private, private=True)
    status = await client.get_user_status(colleague)
    assert status.user_id == colleague
    with pytest.raises(IcwsResponseError) as forbidden:
        await client.get_user_status(private)
    assert forbidden.value.status == 403
    with pytest.raises(IcwsResponseError) as unknown:
        await client.get_user_status("nobody")
    assert unknown.value.status == 404

    with pytest.raises(IcwsStatusError) as refused:
        await client.set_user_status("Do Not Disturb", user_id=colleague)
    assert refused.value.reason == "not_allowed"
    simulator.directory.set_rights(USERNAME, supervisor=True)
    await client.set_user_status("Do Not Disturb", user_id=colleague, notes="Focus")
    assert simulator.status.user_status(colleague).status_id == "Do Not Disturb"
    assert simulator.status.user_status(colleague).notes == "Focus"
    assert simulator.status.user_status(USERNAME).status_id == "Available"


def test_a_change_merges_into_what_is_known() -> None:
    known = UserStatus("ada", "Available", on_phone=False)
    change = UserStatusChange("ada", {"on_phone": True})
    assert change.merged(known, is_delta=True) == UserStatus(
        "ada", "Available", on_phone=True
    )
    assert change.merged(None, is_delta=True) is None
    assert change.merged(known, is_delta=False) is None
    full = UserStatusChange("ada", {"status_id": "At Lunch"})
    assert full.merged(known, is_delta=False) == UserStatus("ada", "At Lunch")


def test_messages_of_unwatched_users_are_kept_apart() -> None:
    """``apply`` with ``users`` keeps only those: each reader its own."""
    message = UserStatusMessage(
        True,
        (
            UserStatusChange("Ada", {"status_id": "At Lunch"}),
            UserStatusChange("bob", {"status_id": "Available"}),
        ),
    )
    assert set(message.apply({}, users={"ada"})) == {"ada"}
    kept: dict[str, UserStatus] = {"bob": UserStatus("bob", "Gone Home")}
    assert message.apply(kept, users=set())["bob"].status_id == "Gone Home"
