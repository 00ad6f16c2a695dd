"""The simulator's call control over real HTTP: §12 actions and §13 new calls.

A plain aiohttp client (no client library) acts on the user's interactions and reads what
the queue watch (§10) then shows.
"""

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator

from .helpers import Login, login, poll, put_station, wait_for

pytestmark = pytest.mark.usefixtures("socket_enabled")

WORKSTATION = "urn:inin.com:connection:workstationSettings"
CREATE_CALL = "urn:inin.com:interactions:createCallParameters"
# What vendor clients name beside the letter: the state in words, its text, the
# capabilities and the mute flag (§12).
WATCHED = [
    "Eic_State",
    "Eic_CallState",
    "Eic_CallStateString",
    "Eic_Capabilities",
    "Eic_Muted",
    "Eic_CallId",
    "Eic_WorkgroupName",
]
PICKUP, DISCONNECT, HOLD, MUTE, TRANSFER = 256, 2, 4, 32, 4096


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """A simulator with two users; ended calls stay until removed, dialled ones dial."""
    simulator = IcwsSimulator(
        users={"jdoe": "secret", "amy": "pw"}, sse_ping_interval=30.0
    )
    simulator.calls.removal_delay = None
    simulator.calls.proceed_delay = None
    await simulator.start()
    yield simulator
    await simulator.stop()


async def watching(
    http: aiohttp.ClientSession, sim: IcwsSimulator, user: str = "jdoe"
) -> Login:
    """Log in as ``user``, watch the own queue and read the first message."""
    me = await login(http, sim.url, user, {"jdoe": "secret", "amy": "pw"}[user])
    async with http.put(
        me.url("messaging/subscriptions/queues/mine"),
        json={
            "queueIds": [{"queueType": 1, "queueName": user}],
            "attributeNames": WATCHED,
        },
        headers=me.headers,
    ) as response:
        assert response.status == 200
    await poll(http, me)
    return me


async def act(
    http: aiohttp.ClientSession,
    me: Login,
    interaction_id: str,
    action: str,
    body: Any = None,
) -> tuple[int, Any]:
    """POST an action; return the status and the decoded body (None: empty)."""
    async with http.post(
        me.url(f"interactions/{interaction_id}/{action}"),
        json=body,
        headers=me.headers,
    ) as response:
        text = await response.text()
        return response.status, await response.json(content_type=None) if text else None


async def create(
    http: aiohttp.ClientSession, me: Login, body: dict[str, Any]
) -> tuple[int, Any]:
    """POST a new call; return the status and the decoded body."""
    async with http.post(
        me.url("interactions"), json=body, headers=me.headers
    ) as response:
        return response.status, await response.json(content_type=None)


def changed(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return the attributes of every change in the queue messages, in order."""
    return [
        change["attributes"]
        for message in messages
        for change in message.get("interactionsChanged", [])
    ]


async def test_pickup_connects_and_every_named_attribute_follows(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A to C on pickup (200); the state's words, text and capabilities change with it."""
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada Lovelace", "+1 555 0100")
    [added] = await poll(http, me)
    attributes = added["interactionsAdded"][0]["attributes"]
    assert set(attributes) == set(WATCHED)
    assert attributes["Eic_CallState"] == "Alerting"
    assert attributes["Eic_CallId"] == call
    assert int(attributes["Eic_Capabilities"]) & PICKUP
    assert attributes["Eic_Muted"] == "0"

    assert await act(http, me, call, "pickup") == (200, None)

    [change] = changed(await poll(http, me))
    assert change["Eic_State"] == "C"
    assert change["Eic_CallState"] == "Connected"
    assert change["Eic_CallStateString"] == "Connected"
    assert int(change["Eic_Capabilities"]) & (HOLD | MUTE | TRANSFER | DISCONNECT)
    assert not int(change["Eic_Capabilities"]) & PICKUP
    # Pickup of a call that no longer rings is refused.
    status, body = await act(http, me, call, "pickup")
    assert status == 400
    assert body["message"]


@pytest.mark.parametrize(("on", "off"), [(True, False), ("1", "0"), ("true", "false")])
async def test_hold_and_resume(
    sim: IcwsSimulator, http: aiohttp.ClientSession, on: Any, off: Any
) -> None:
    """Hold on: C to H; hold off: back to C; the spellings vendor samples send work too."""
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    sim.calls.answer(call)
    await poll(http, me)

    assert (await act(http, me, call, "hold", {"on": on}))[0] == 200
    assert (await act(http, me, call, "hold", {"on": off}))[0] == 200

    states = [c["Eic_State"] for c in changed(await poll(http, me))]
    assert states == ["H", "C"]
    assert (await act(http, me, call, "hold", {}))[0] == 400  # "on" is required
    assert (await act(http, me, call, "hold", {"on": 1}))[0] == 400


async def test_mute_shows_in_eic_muted(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Mute answers 204 and changes only Eic_Muted; a ringing call cannot be muted."""
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    await poll(http, me)
    assert (await act(http, me, call, "mute", {"on": True}))[0] == 400
    sim.calls.answer(call)
    await poll(http, me)

    assert await act(http, me, call, "mute", {"on": True}) == (204, None)
    assert await act(http, me, call, "mute", {"on": True}) == (204, None)  # no change
    assert await act(http, me, call, "mute", {"on": False}) == (204, None)

    assert changed(await poll(http, me)) == [{"Eic_Muted": "1"}, {"Eic_Muted": "0"}]


async def test_disconnect_then_removed(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Disconnect (204, no body or ``{}``) ends the call here (I); later it leaves."""
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    await poll(http, me)

    assert await act(http, me, call, "disconnect") == (204, None)
    assert (await act(http, me, call, "disconnect", {}))[0] == 400  # already ended
    sim.calls.remove(call)

    messages = await poll(http, me)
    assert changed(messages)[0]["Eic_State"] == "I"
    assert changed(messages)[0]["Eic_CallStateString"] == "Local Disconnect"
    assert messages[-1]["interactionsRemoved"] == [call]
    assert (await act(http, me, call, "disconnect"))[0] == 404  # gone


async def test_blind_transfer_takes_the_call_away(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A transferred call leaves the queue; the target is a text or a user queue."""
    me = await watching(http, sim)
    first, second = (
        sim.calls.ring("jdoe", "Ada", "100"),
        sim.calls.ring("jdoe", "Grace", "101"),
    )
    await poll(http, me)

    assert (await act(http, me, first, "blind-transfer", {"target": "201"}))[0] == 204
    queue = {"queueID": {"queueType": 1, "queueName": "amy"}}
    assert (await act(http, me, second, "blind-transfer", queue))[0] == 204

    removed = [m["interactionsRemoved"] for m in await poll(http, me)]
    assert removed == [[first], [second]]
    assert sim.calls.transfers == {first: "201", second: "amy"}


@pytest.mark.parametrize(
    "body", [{}, {"target": ""}, {"target": "201", "queueID": {"queueName": "amy"}}]
)
async def test_blind_transfer_needs_one_target(
    sim: IcwsSimulator, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    assert (await act(http, me, call, "blind-transfer", body))[0] == 400
    assert call in sim.calls.interactions


async def test_send_digits(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """Digits go on a connected call only, and only DTMF digits; the queue stays."""
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    await poll(http, me)
    assert (await act(http, me, call, "send-digits", {"dtmfDigits": "1"}))[0] == 400
    sim.calls.answer(call)
    await poll(http, me)

    assert await act(http, me, call, "send-digits", {"dtmfDigits": "12#"}) == (
        200,
        None,
    )
    assert (await act(http, me, call, "send-digits", {"dtmfDigits": "*a"}))[0] == 200
    assert (await act(http, me, call, "send-digits", {"dtmfDigits": "1x"}))[0] == 400
    assert (await act(http, me, call, "send-digits", {}))[0] == 400

    assert sim.calls.interactions[call].digits == "12#*A"
    assert await poll(http, me) == []


async def test_only_the_users_own_calls(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Another user's call, an unknown one and an unknown action: 404, nothing changes."""
    me = await watching(http, sim)
    theirs = sim.calls.ring("amy", "Ada", "100")
    for interaction_id, action in (
        (theirs, "pickup"),
        ("1234567890", "pickup"),
        (theirs, "park-somewhere"),
    ):
        status, _ = await act(http, me, interaction_id, action)
        assert status == 404, (interaction_id, action)
    assert sim.calls.interactions[theirs].state == "A"


async def test_new_call_dials_then_proceeds(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """201 with its id; on the queue dialing (S), then proceeding (R), then connected."""
    sim.calls.proceed_delay = 0.01
    me = await watching(http, sim)

    status, body = await create(
        http,
        me,
        {"__type": CREATE_CALL, "target": "+1 555 0100", "workgroup": "Support"},
    )

    assert status == 201
    call = body["interactionId"]
    await wait_for(sim, lambda: sim.calls.interactions[call].state == "R")
    sim.calls.answer(call)
    messages = await poll(http, me)
    [added] = [m["interactionsAdded"] for m in messages if m["interactionsAdded"]]
    assert added[0]["interactionId"] == call
    assert added[0]["attributes"]["Eic_State"] == "S"
    assert added[0]["attributes"]["Eic_WorkgroupName"] == "Support"
    assert [c["Eic_State"] for c in changed(messages)] == ["R", "C"]
    interaction = sim.calls.interactions[call]
    assert (interaction.direction, interaction.remote_number) == ("O", "+1 555 0100")


@pytest.mark.parametrize(
    "body",
    [
        {"target": "100"},
        {"__type": CREATE_CALL},
        {"__type": CREATE_CALL, "target": " "},
        {"__type": CREATE_CALL, "target": "100", "workgroup": 7},
    ],
)
async def test_new_call_refused(
    sim: IcwsSimulator, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    """``__type`` is required [doc], so is a target; nothing is dialled without them."""
    me = await watching(http, sim)
    status, answer = await create(http, me, body)
    assert status == 400
    assert answer["message"]
    assert not sim.calls.interactions


async def test_stationless_control_refused_when_told(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """With ``refuse_stationless`` a session without a station gets 400, with one 2xx."""
    sim.calls.refuse_stationless = True
    me = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")

    status, body = await act(http, me, call, "pickup")
    assert status == 400
    assert body["message"] == "There is no station to carry the call."
    status, _ = await create(http, me, {"__type": CREATE_CALL, "target": "100"})
    assert status == 400
    assert sim.calls.interactions[call].state == "A"

    await put_station(http, me, {"__type": WORKSTATION, "workstation": "WS-114"})
    assert (await act(http, me, call, "pickup"))[0] == 200


async def test_server_without_call_control(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """With interactions 0 the feature is not listed and the routes do not exist."""
    sim.interactions_version = 0
    me = await watching(http, sim)
    assert "interactions" not in {f["featureId"] for f in me.body["features"]}
    call = sim.calls.ring("jdoe", "Ada", "100")
    assert (await act(http, me, call, "pickup"))[0] == 404
    assert (await create(http, me, {"__type": CREATE_CALL, "target": "1"}))[0] == 404
