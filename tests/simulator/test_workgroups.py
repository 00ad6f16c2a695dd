"""The simulator's workgroup activation over real HTTP, with a plain aiohttp client.

They check that the simulator behaves as docs/icws-protocol.md §16 says a server does:
reading and setting a user's activations, the activation watch and its messages, the
feature, and the control routes that change workgroups as a supervisor would.
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator
from icws_simulator.demo import DEMO_WORKGROUP, run_workgroup_demo

from .helpers import Login, control, login, poll, wait_for

MESSAGE = "urn:inin.com:activations:userActivationMessage"
ACTIVATION_SET = "urn:inin.com:activations:userActivationSet"
USERS = {"jdoe": "secret", "asmith": "hunter2"}


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """A simulator with two users, both in the default workgroups."""
    simulator = IcwsSimulator(users=USERS, sse_ping_interval=30.0)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def call(
    http: aiohttp.ClientSession,
    session: Login,
    method: str,
    path: str,
    body: Any = None,
) -> tuple[int, Any]:
    """Send a session call; return the status and the decoded answer (None if empty)."""
    async with http.request(
        method, session.url(path), json=body, headers=session.headers
    ) as response:
        text = await response.text()
        return response.status, (
            await response.json(content_type=None)
        ) if text else None


async def watch(
    http: aiohttp.ClientSession,
    session: Login,
    subscription_id: str = "w1",
    user_id: str = "jdoe",
    workgroups: list[str] | None = None,
) -> int:
    status, _ = await call(
        http,
        session,
        "PUT",
        f"messaging/subscriptions/activations/users/{subscription_id}",
        {"userId": user_id, "workgroupIds": workgroups or ["*"]},
    )
    return status


async def activation_messages(
    http: aiohttp.ClientSession, session: Login
) -> list[dict[str, Any]]:
    return [m for m in await poll(http, session) if m["__type"] == MESSAGE]


async def test_login_announces_the_activations_feature(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    assert {"featureId": "activations", "version": 1} in session.body["features"]
    sim.workgroups.version = 0
    features = (await login(http, sim.url)).body["features"]
    assert "activations" not in {f["featureId"] for f in features}
    status, body = await call(http, session, "GET", "activations/users/jdoe")
    assert status == 404, body


async def test_read_a_users_activations(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    status, body = await call(http, session, "GET", "activations/users/jdoe")
    assert status == 200
    assert body == {
        "__type": ACTIVATION_SET,
        "userId": "jdoe",
        "activations": {"Support": True, "Sales": False},
    }
    _, narrowed = await call(
        http, session, "GET", "activations/users/jdoe?filter=sales"
    )
    assert narrowed["activations"] == {"Sales": False}
    status, many = await call(
        http, session, "GET", "activations/users?select=jdoe,nobody,asmith"
    )
    assert status == 200
    assert [s["userId"] for s in many["userActivationSetList"]] == ["jdoe", "asmith"]
    assert (await call(http, session, "GET", "activations/users"))[0] == 400
    assert (await call(http, session, "GET", "activations/users/nobody"))[0] == 404


async def test_watch_sends_the_full_set_then_each_change(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    assert await watch(http, session) == 200
    (first,) = await activation_messages(http, session)
    assert first == {
        "__type": MESSAGE,
        "isDelta": False,
        "subscriptionId": "w1",
        "userId": "jdoe",
        "activationsChanged": {"Support": True, "Sales": False},
    }

    sim.workgroups.set_member("Sales", "jdoe", True)  # a supervisor's change
    sim.workgroups.set_member("Sales", "asmith", True)  # another user's: not told
    (delta,) = await activation_messages(http, session)
    assert delta["isDelta"] is True
    assert delta["activationsChanged"] == {"Sales": True}


async def test_membership_changes_come_as_full_sets(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    await watch(http, session)
    await activation_messages(http, session)

    sim.workgroups.add_workgroup("Billing", {"jdoe": True})
    (added,) = await activation_messages(http, session)
    assert not added["isDelta"]
    assert added["activationsChanged"] == {
        "Support": True,
        "Sales": False,
        "Billing": True,
    }
    sim.workgroups.remove_member("Support", "jdoe")
    sim.workgroups.remove_workgroup("Billing")
    *_, last = await activation_messages(http, session)
    assert not last["isDelta"]
    assert last["activationsChanged"] == {"Sales": False}


async def test_a_watch_of_named_workgroups_hears_only_those(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    await watch(http, session, workgroups=["support"])
    (first,) = await activation_messages(http, session)
    assert first["activationsChanged"] == {"Support": True}
    sim.workgroups.set_member("Sales", "jdoe", True)
    sim.workgroups.set_member("Support", "jdoe", False)
    (delta,) = await activation_messages(http, session)
    assert delta["activationsChanged"] == {"Support": False}


async def test_set_own_activation(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    await watch(http, session)
    await activation_messages(http, session)
    status, body = await call(
        http, session, "PUT", "activations/users/jdoe", {"activations": {"Sales": True}}
    )
    assert status == 200
    assert body["activations"] == {"Support": True, "Sales": True}
    (delta,) = await activation_messages(http, session)
    assert delta["activationsChanged"] == {"Sales": True}
    assert sim.workgroups.activations("jdoe") == {"Support": True, "Sales": True}


@pytest.mark.parametrize(
    ("user", "body", "expected"),
    [
        ("jdoe", {"activations": {"Nowhere": True}}, 400),
        ("jdoe", {"activations": {"Sales": "yes"}}, 400),
        ("jdoe", {"activations": []}, 400),
        ("nobody", {"activations": {"Sales": True}}, 400),
        ("asmith", {"activations": {"Sales": True}}, 403),
    ],
)
async def test_refused_activation_changes(
    http: aiohttp.ClientSession,
    sim: IcwsSimulator,
    user: str,
    body: dict[str, Any],
    expected: int,
) -> None:
    session = await login(http, sim.url)
    status, answer = await call(http, session, "PUT", f"activations/users/{user}", body)
    assert status == expected, answer
    assert answer["message"]
    assert sim.workgroups.activations("asmith")["Sales"] is False
    assert sim.workgroups.activations("jdoe")["Sales"] is False


async def test_a_user_without_the_right_is_refused(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    status, snapshot = await control(
        http, sim, "activations/settings", {"refused_users": ["jdoe"]}
    )
    assert status == 200
    assert snapshot["refusedUsers"] == ["jdoe"]
    body = {"activations": {"Sales": True}}
    assert (await call(http, session, "PUT", "activations/users/jdoe", body))[0] == 403
    await control(http, sim, "activations/settings", {"refused_users": []})
    assert (await call(http, session, "PUT", "activations/users/jdoe", body))[0] == 200


async def test_watch_errors_and_unwatch(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    assert await watch(http, session, user_id="nobody") == 400
    path = "messaging/subscriptions/activations/users/w1"
    assert (await call(http, session, "PUT", path, {"userId": "jdoe"}))[0] == 400
    assert (await call(http, session, "PUT", path, {"workgroupIds": ["*"]}))[0] == 400
    await watch(http, session)
    assert sim.workgroups.watchers("jdoe") == 1
    assert (await call(http, session, "DELETE", path))[0] == 204
    assert sim.workgroups.watchers("jdoe") == 0
    await poll(http, session)
    sim.workgroups.set_member("Sales", "jdoe", True)
    assert await activation_messages(http, session) == []


async def test_control_routes(http: aiohttp.ClientSession, sim: IcwsSimulator) -> None:
    session = await login(http, sim.url)
    await watch(http, session)
    await activation_messages(http, session)

    status, snapshot = await control(
        http, sim, "workgroups/Billing", {"members": {"jdoe": True}, "description": "B"}
    )
    assert status == 200
    assert snapshot["workgroups"]["Billing"] == {
        "members": {"jdoe": True},
        "description": "B",
    }
    status, _ = await control(
        http, sim, "workgroups/Sales/members/jdoe", {"activated": True}
    )
    assert status == 200
    assert (await control(http, sim, "workgroups/Sales/members/jdoe/remove"))[0] == 200
    assert (await control(http, sim, "workgroups/Billing/remove"))[0] == 200
    assert sim.workgroups.activations("jdoe") == {"Support": True}
    messages = await activation_messages(http, session)
    assert [m["isDelta"] for m in messages] == [False, True, False, False]

    async with http.get(f"{sim.url}/_simulator/workgroups") as response:
        assert set((await response.json())["workgroups"]) == {"Support", "Sales"}
    async with http.get(f"{sim.url}/_simulator/state") as response:
        assert (await response.json())["workgroups"] == ["sales", "support"]

    for path, body, expected in (
        ("workgroups/Nowhere/remove", None, 404),
        ("workgroups/Sales/members/nobody", {"activated": True}, 404),
        ("workgroups/Sales/members/jdoe", {"activated": "yes"}, 400),
        ("workgroups/Sales/members/jdoe/remove", None, 404),
        ("workgroups/X", {"members": ["nobody"]}, 404),
        ("workgroups/X", {"members": "jdoe"}, 400),
        ("workgroups/X", {"description": 3}, 400),
        ("activations/settings", {"version": "1"}, 400),
        ("activations/settings", {"refused_users": "jdoe"}, 400),
    ):
        assert (await control(http, sim, path, body))[0] == expected, path
    status, snapshot = await control(http, sim, "activations/settings", {"version": 0})
    assert snapshot["version"] == 0


async def test_demo_switches_members_with_a_session_and_moves_queues(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    """The demo's supervisor switches logged-in members in Sales; calls reach the queues."""
    await login(http, sim.url)
    demo = asyncio.create_task(run_workgroup_demo(sim, interval=0.006))
    try:
        await wait_for(
            sim, lambda: sim.workgroups.activations("jdoe")[DEMO_WORKGROUP] is True
        )
        await wait_for(sim, lambda: sim.statistics.queue("Support").entered > 0)
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo
    assert sim.workgroups.activations("asmith")[DEMO_WORKGROUP] is False
