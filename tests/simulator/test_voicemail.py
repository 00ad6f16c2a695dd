"""The simulator's voicemail waiting over real HTTP (docs/icws-protocol.md §18)."""

import asyncio
import contextlib

import aiohttp
import pytest

from icws_simulator import IcwsSimulator
from icws_simulator.demo import run_call_demo

from .helpers import Login, control, login, poll, wait_for

pytestmark = pytest.mark.usefixtures("socket_enabled")

SUBSCRIPTION = "messaging/subscriptions/unified-messaging/messages-waiting-indicator"
REFRESH = "unified-messaging/messages-waiting-indicator/count-refresh"
MWI = "urn:inin.com:unifiedMessaging:mwiMessage"
MWI_STATE = "urn:inin.com:unifiedMessaging:mwiSubscriptionStateMessage"


async def put(http: aiohttp.ClientSession, me: Login, path: str) -> int:
    async with http.put(me.url(path), headers=me.headers) as response:
        return response.status


async def test_subscription_state_then_count(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The watch starts with its state (Normal) and the count, then each change."""
    sim.voicemail.set_count("jdoe", 2)
    me = await login(http, sim.url)

    assert await put(http, me, SUBSCRIPTION) == 200
    assert await poll(http, me) == [
        {"__type": MWI_STATE, "isDelta": False, "state": 1},
        {"__type": MWI, "isDelta": False, "messagesWaiting": 2},
    ]

    sim.voicemail.set_count("jdoe", 3)
    assert await put(http, me, REFRESH) == 204
    assert [m["messagesWaiting"] for m in await poll(http, me)] == [3, 3]

    async with http.delete(me.url(SUBSCRIPTION), headers=me.headers) as response:
        assert response.status == 204
    sim.voicemail.set_count("jdoe", 0)
    assert await poll(http, me) == []


async def test_only_the_users_own_count(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Another user's voicemail reaches their watch, not this one's."""
    sim.set_password("amy", "pw")
    me, amy = await login(http, sim.url), await login(http, sim.url, "amy", "pw")
    for session in (me, amy):
        await put(http, session, SUBSCRIPTION)
        await poll(http, session)

    sim.voicemail.set_count("amy", 1)

    assert await poll(http, me) == []
    assert [m["messagesWaiting"] for m in await poll(http, amy)] == [1]
    with pytest.raises(KeyError):
        sim.voicemail.set_count("nobody", 1)
    with pytest.raises(ValueError, match="negative"):
        sim.voicemail.set_count("jdoe", -1)


async def test_not_offered(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """A server without voicemail waiting does not know the routes."""
    sim.voicemail.offered = False
    me = await login(http, sim.url)
    assert await put(http, me, SUBSCRIPTION) == 404
    assert await put(http, me, REFRESH) == 404
    async with http.delete(me.url(SUBSCRIPTION), headers=me.headers) as response:
        assert response.status == 404


async def test_control_routes(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """Counts, the offer and the subscription's state over HTTP, for other processes."""
    me = await login(http, sim.url)
    await put(http, me, SUBSCRIPTION)
    await poll(http, me)

    status, answer = await control(http, sim, "voicemail/users/jdoe", {"count": 4})
    assert (status, answer["counts"]) == (200, {"jdoe": 4})
    status, answer = await control(
        http, sim, "voicemail/settings", {"state": 3, "error": "Store offline"}
    )
    assert (status, answer["state"], answer["offered"]) == (200, 3, True)
    assert await poll(http, me) == [
        {"__type": MWI, "isDelta": False, "messagesWaiting": 4},
        {"__type": MWI_STATE, "isDelta": False, "state": 3, "error": "Store offline"},
    ]
    status, answer = await control(http, sim, "voicemail/settings", {"offered": False})
    assert answer["offered"] is False
    status, _ = await control(http, sim, "voicemail/users/jdoe", {"count": "x"})
    assert status == 400
    status, _ = await control(http, sim, "voicemail/settings", {"state": 9})
    assert status == 400
    async with http.get(f"{sim.url}/_simulator/state") as response:
        assert (await response.json())["voicemail"]["counts"] == {"jdoe": 4}


async def test_demo_missed_call_leaves_a_voicemail(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """In the demo a missed call leaves a voicemail; calling back clears them."""
    await login(http, sim.url)
    demo = asyncio.create_task(run_call_demo(sim, interval=0.006))
    try:
        await wait_for(sim, lambda: sim.voicemail.count("jdoe") == 1)
        await wait_for(sim, lambda: sim.voicemail.count("jdoe") == 0)
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo
