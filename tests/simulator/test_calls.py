"""The simulator's calls over real HTTP: queue watch, interaction lifecycle, controls.

A plain aiohttp client (no client library) checks the simulator against
docs/icws-protocol.md §10 (queue watch) and §9 (onPhone).
"""

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import re
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator
from icws_simulator.demo import run_call_demo

from .helpers import Login, login as log_in, next_event, open_stream, poll, wait_for

pytestmark = pytest.mark.usefixtures("socket_enabled")

QUEUE_TYPE = "urn:inin.com:queues:queueContentsMessage"
ALL_ATTRIBUTES = [
    "Eic_State",
    "Eic_ObjectType",
    "Eic_CallDirection",
    "Eic_RemoteName",
    "Eic_RemoteAddress",
    "Eic_InitiationTime",
    "Eic_ConnectTime",
]
COMPACT_TIME = re.compile(r"\d{8}T\d{6}Z")


@dataclass
class Session:
    """A logged-in session of the plain client, with the queue-watch calls."""

    http: aiohttp.ClientSession
    login: Login

    @property
    def session_id(self) -> str:
        """The session's id."""
        return self.login.session_id

    @property
    def headers(self) -> dict[str, str]:
        """Headers of a session call."""
        return self.login.headers

    def url(self, path: str) -> str:
        """URL of a call inside the session."""
        return self.login.url(path)

    async def watch(
        self,
        subscription_id: str = "calls",
        *,
        queue: str = "jdoe",
        attributes: list[str] | None = None,
        body: Any = None,
    ) -> int:
        """PUT a queue watch; return the status."""
        if body is None:
            body = {
                "queueIds": [{"queueType": 1, "queueName": queue}],
                "attributeNames": ALL_ATTRIBUTES if attributes is None else attributes,
            }
        async with self.http.put(
            self.url(f"messaging/subscriptions/queues/{subscription_id}"),
            json=body,
            headers=self.headers,
        ) as response:
            await response.read()
            return response.status

    async def unwatch(self, subscription_id: str = "calls") -> int:
        """DELETE a queue watch; return the status."""
        async with self.http.delete(
            self.url(f"messaging/subscriptions/queues/{subscription_id}"),
            headers=self.headers,
        ) as response:
            return response.status

    async def poll(self) -> list[dict[str, Any]]:
        """Short-poll the session's messages."""
        return await poll(self.http, self.login)


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """A running simulator with two users; disconnected calls stay until removed."""
    simulator = IcwsSimulator(
        users={"jdoe": "secret", "amy": "pw"}, sse_ping_interval=30.0
    )
    simulator.calls.removal_delay = None
    await simulator.start()
    yield simulator
    await simulator.stop()


async def login(
    http: aiohttp.ClientSession, sim: IcwsSimulator, user: str = "jdoe"
) -> tuple[Session, dict[str, Any]]:
    """Log in; return the session and the login answer."""
    password = {"jdoe": "secret", "amy": "pw"}[user]
    logged_in = await log_in(http, sim.url, user, password)
    return Session(http, logged_in), logged_in.body


async def watching(
    http: aiohttp.ClientSession,
    sim: IcwsSimulator,
    user: str = "jdoe",
    attributes: list[str] | None = None,
) -> Session:
    """Log in, watch the user's own queue and read the (empty) first message."""
    session, _ = await login(http, sim, user)
    assert await session.watch(queue=user, attributes=attributes) == 200
    [first] = await session.poll()
    assert first["isDelta"] is False
    return session


def changes(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Flatten queue messages into (kind, content) pairs, in order."""
    flat: list[tuple[str, Any]] = []
    for message in messages:
        assert message["__type"] == QUEUE_TYPE
        flat += [("added", i) for i in message["interactionsAdded"]]
        flat += [("changed", i) for i in message["interactionsChanged"]]
        flat += [("removed", i) for i in message["interactionsRemoved"]]
    return flat


# ---- feature and subscription ------------------------------------------------------------


async def test_login_lists_queues_feature(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The login answer and the feature list name queues 1 [doc]."""
    _, body = await login(http, sim)
    assert {"featureId": "queues", "version": 1} in body["features"]
    async with http.get(f"{sim.url}/icws/connection/features") as response:
        listed = (await response.json(content_type=None))["featureInfoList"]
    assert {"featureId": "queues", "version": 1} in listed


async def test_server_without_queues(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Without the feature it is not listed and the watch route does not exist."""
    sim.queues_version = 0
    session, body = await login(http, sim)
    assert "queues" not in {feature["featureId"] for feature in body["features"]}
    assert await session.watch() == 404
    assert await session.unwatch() == 404


async def test_first_message_lists_queue_now(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The first message is isDelta false with every interaction on the queue now."""
    first = sim.calls.ring("jdoe", "Ada Lovelace", "+1 555 0100")
    second = sim.calls.place_call("jdoe", "+1 555 0101", "Grace Hopper")
    sim.calls.answer(first)
    sim.calls.ring("amy", "Alan Turing", "+1 555 0102")  # another user's queue
    session, _ = await login(http, sim)
    assert await session.watch(attributes=[*ALL_ATTRIBUTES, "Eic_Unknown"]) == 200
    [message] = await session.poll()
    assert message["isDelta"] is False
    assert message["subscriptionId"] == "calls"
    assert message["interactionsChanged"] == []
    assert message["interactionsRemoved"] == []
    assert message["queueResultLimitExceeded"] is False
    added = {i["interactionId"]: i["attributes"] for i in message["interactionsAdded"]}
    assert set(added) == {first, second}
    assert added[first]["Eic_State"] == "C"
    assert added[first]["Eic_ObjectType"] == "Call"
    assert added[first]["Eic_CallDirection"] == "I"
    assert added[first]["Eic_RemoteName"] == "Ada Lovelace"
    assert added[first]["Eic_RemoteAddress"] == "+1 555 0100"
    assert COMPACT_TIME.fullmatch(added[first]["Eic_InitiationTime"])
    assert COMPACT_TIME.fullmatch(added[first]["Eic_ConnectTime"])
    assert added[second]["Eic_State"] == "S"
    assert added[second]["Eic_CallDirection"] == "O"
    assert added[second]["Eic_ConnectTime"] == ""
    # Every attribute named is answered, one the server does not know as not set; every
    # value is a string [doc].
    assert set(added[second]) == {*ALL_ATTRIBUTES, "Eic_Unknown"}
    assert added[second]["Eic_Unknown"] == ""
    assert all(isinstance(v, str) for a in added.values() for v in a.values())


async def test_empty_queue_first_message(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """An empty queue still gets its isDelta false message (nothing added)."""
    session, _ = await login(http, sim)
    assert await session.watch() == 200
    [message] = await session.poll()
    assert message["isDelta"] is False
    assert message["interactionsAdded"] == []


async def test_put_again_replaces_and_sends_full_message(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A second PUT on the same id replaces the watch: a new full message, no doubles."""
    session = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    await session.poll()
    assert await session.watch(attributes=["Eic_State"]) == 200
    [message] = await session.poll()
    assert message["isDelta"] is False
    assert message["interactionsAdded"] == [
        {"interactionId": call, "attributes": {"Eic_State": "A"}}
    ]
    sim.calls.answer(call)
    assert changes(await session.poll()) == [
        ("changed", {"interactionId": call, "attributes": {"Eic_State": "C"}})
    ]


async def test_delete_stops_the_watch(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """After DELETE nothing more comes; deleting again (or an unknown id) is fine."""
    session = await watching(http, sim)
    assert await session.unwatch() == 204
    sim.calls.ring("jdoe", "Ada", "100")
    assert await session.poll() == []
    assert await session.unwatch() == 204
    assert await session.unwatch("never") == 204


async def test_two_watches_in_one_session(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Each watch gets its own messages, named by its subscription id."""
    session = await watching(http, sim)
    assert await session.watch("states", attributes=["Eic_State"]) == 200
    await session.poll()
    call = sim.calls.ring("jdoe", "Ada", "100")
    messages = await session.poll()
    assert {m["subscriptionId"] for m in messages} == {"calls", "states"}
    for message in messages:
        [entry] = message["interactionsAdded"]
        assert entry["interactionId"] == call


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"queueIds": []},
        {"queueIds": "jdoe"},
        {"queueIds": ["jdoe"]},
        {"queueIds": [{"queueName": "jdoe"}]},
        {"queueIds": [{"queueType": True, "queueName": "jdoe"}]},
        {"queueIds": [{"queueType": 1}]},
        {"queueIds": [{"queueType": 1, "queueName": ""}]},
        {"queueIds": [{"queueType": 7, "queueName": "jdoe"}]},
        {"queueIds": [{"queueType": 1, "queueName": "nobody"}]},
        {"queueIds": [{"queueType": 1, "queueName": "jdoe"}], "attributeNames": "x"},
        {"queueIds": [{"queueType": 1, "queueName": "jdoe"}], "attributeNames": [1]},
        [],
    ],
)
async def test_bad_watch_requests(
    sim: IcwsSimulator, http: aiohttp.ClientSession, body: Any
) -> None:
    """Malformed watches answer 400 with an error body and start nothing."""
    session, _ = await login(http, sim)
    async with http.put(
        session.url("messaging/subscriptions/queues/calls"),
        json=body,
        headers=session.headers,
    ) as response:
        assert response.status == 400
        assert "message" in await response.json(content_type=None)
    assert sim.calls.subscriptions(sim.sessions[session.session_id]) == []
    assert await session.poll() == []


async def test_watch_needs_session(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Without the CSRF token the watch answers 401."""
    session, _ = await login(http, sim)
    session.login.csrf = "wrong"
    assert await session.watch() == 401
    assert await session.unwatch() == 401


async def test_other_queue_types_stay_empty(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Workgroup, station and system queues are accepted; no user calls show in them."""
    session, _ = await login(http, sim)
    queues = [
        {"queueType": 2, "queueName": "Support"},
        {"queueType": 3, "queueName": "WS-114"},
        {"queueType": 0, "queueName": "System"},
    ]
    sim.calls.ring("jdoe", "Ada", "100")
    assert await session.watch(body={"queueIds": queues}) == 200
    [message] = await session.poll()
    assert message["interactionsAdded"] == []
    sim.calls.ring("jdoe", "Grace", "101")
    assert await session.poll() == []


async def test_queue_name_ignores_case_and_users_are_apart(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Each user's watch sees only that user's queue; queue names ignore case."""
    jane, _ = await login(http, sim)
    assert await jane.watch(queue="JDOE") == 200
    await jane.poll()
    amy = await watching(http, sim, "amy")
    for_amy = sim.calls.ring("amy", "Ada", "100")
    for_jane = sim.calls.ring("JDoe", "Grace", "101")
    assert [c[1]["interactionId"] for c in changes(await jane.poll())] == [for_jane]
    assert [c[1]["interactionId"] for c in changes(await amy.poll())] == [for_amy]
    assert sim.calls.interactions[for_jane].user_id == "jdoe"


async def test_watch_of_ended_session_is_forgotten(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A session that ends takes its watch with it; a new session starts afresh."""
    session = await watching(http, sim)
    sim_session = sim.sessions[session.session_id]
    call = sim.calls.ring("jdoe", "Ada", "100")
    sim.sessions.end(notify=False)
    pending = sim_session.pending
    sim.calls.answer(call)
    assert sim_session.pending == pending
    again, _ = await login(http, sim)
    assert await again.watch() == 200
    [first] = await again.poll()
    assert first["interactionsAdded"][0]["attributes"]["Eic_State"] == "C"


# ---- lifecycle ---------------------------------------------------------------------------


async def test_inbound_call_lifecycle(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Alerting, connected, held, connected, disconnected, removed: each a delta."""
    session = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada Lovelace", "+1 555 0100")
    [(kind, entry)] = changes(await session.poll())
    assert kind == "added"
    assert entry["attributes"]["Eic_State"] == "A"

    sim.calls.answer(call)
    [message] = await session.poll()
    assert message["isDelta"] is True
    [entry] = message["interactionsChanged"]
    # Only the attributes that changed [doc].
    assert set(entry["attributes"]) == {"Eic_State", "Eic_ConnectTime"}
    assert entry["attributes"]["Eic_State"] == "C"
    assert COMPACT_TIME.fullmatch(entry["attributes"]["Eic_ConnectTime"])

    steps = [
        (sim.calls.hold, "H"),
        (sim.calls.resume, "C"),
        (sim.calls.hold, "H"),
        (sim.calls.resume, "C"),
        (sim.calls.disconnect, "E"),
    ]
    for action, letter in steps:
        action(call)
        assert changes(await session.poll()) == [
            ("changed", {"interactionId": call, "attributes": {"Eic_State": letter}})
        ]
    # Disconnected interactions stay on the queue until removed [doc].
    assert call in sim.calls.interactions
    sim.calls.remove(call)
    assert changes(await session.poll()) == [("removed", call)]
    assert sim.calls.queue("jdoe") == []


async def test_offering_then_alerting(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A call may be offered before it alerts; answering works from either."""
    session = await watching(http, sim, attributes=["Eic_State"])
    call = sim.calls.ring("jdoe", "Ada", "100", state="O")
    sim.calls.set_state(call, "A")
    sim.calls.answer(call)
    states = [c[1]["attributes"]["Eic_State"] for c in changes(await session.poll())]
    assert states == ["O", "A", "C"]
    with pytest.raises(ValueError, match="offering or alerting"):
        sim.calls.ring("jdoe", "Ada", "100", state="C")


async def test_outbound_call_lifecycle(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Dialing, proceeding, connected, disconnected by the user."""
    session = await watching(http, sim)
    call = sim.calls.place_call("jdoe", "+1 555 0199")
    [(_, entry)] = changes(await session.poll())
    assert entry["attributes"]["Eic_State"] == "S"
    assert entry["attributes"]["Eic_CallDirection"] == "O"
    assert entry["attributes"]["Eic_RemoteName"] == ""
    sim.calls.proceed(call)
    sim.calls.answer(call)
    sim.calls.disconnect(call, by="local")
    states = [c[1]["attributes"]["Eic_State"] for c in changes(await session.poll())]
    assert states == ["R", "C", "I"]


async def test_missed_call(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """A call that rings and ends unanswered goes A -> E and was never answered."""
    session = await watching(http, sim)
    call = sim.calls.ring("jdoe", "Ada", "100")
    sim.calls.disconnect(call)
    states = [
        c[1]["attributes"].get("Eic_State") for c in changes(await session.poll())
    ]
    assert states == ["A", "E"]
    assert sim.calls.interactions[call].answered is False
    assert sim.calls.interactions[call].connect_time is None


async def test_call_waiting(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """A second call rings while the first is connected; the user holds one, takes two."""
    session = await watching(http, sim, attributes=["Eic_State"])
    first = sim.calls.ring("jdoe", "Ada", "100")
    sim.calls.answer(first)
    second = sim.calls.ring("jdoe", "Grace", "101")
    sim.calls.hold(first)
    sim.calls.answer(second)
    sim.calls.disconnect(second, by="local")
    sim.calls.resume(first)
    assert [
        (k, e["interactionId"], e["attributes"])
        for k, e in changes(await session.poll())
    ] == [
        ("added", first, {"Eic_State": "A"}),
        ("changed", first, {"Eic_State": "C"}),
        ("added", second, {"Eic_State": "A"}),
        ("changed", first, {"Eic_State": "H"}),
        ("changed", second, {"Eic_State": "C"}),
        ("changed", second, {"Eic_State": "I"}),
        ("changed", first, {"Eic_State": "C"}),
    ]
    assert [i.state for i in sim.calls.queue("jdoe")] == ["C", "I"]


async def test_chat_and_email(sim: IcwsSimulator, http: aiohttp.ClientSession) -> None:
    """Chats and e-mails are interactions with their own object type."""
    session = await watching(http, sim, attributes=["Eic_ObjectType", "Eic_State"])
    chat = sim.calls.start_chat("jdoe", "Ada", "ada@example.com")
    email = sim.calls.start_email("jdoe", "Grace", "grace@example.com")
    sim.calls.answer(chat)
    assert changes(await session.poll()) == [
        (
            "added",
            {
                "interactionId": chat,
                "attributes": {"Eic_ObjectType": "Chat", "Eic_State": "A"},
            },
        ),
        (
            "added",
            {
                "interactionId": email,
                "attributes": {"Eic_ObjectType": "Email", "Eic_State": "A"},
            },
        ),
        ("changed", {"interactionId": chat, "attributes": {"Eic_State": "C"}}),
    ]


async def test_only_requested_attributes(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A change of attributes nobody asked for sends nothing."""
    session = await watching(http, sim, attributes=["Eic_RemoteName"])
    call = sim.calls.ring("jdoe", "Ada", "100")
    assert changes(await session.poll()) == [
        ("added", {"interactionId": call, "attributes": {"Eic_RemoteName": "Ada"}})
    ]
    sim.calls.answer(call)
    sim.calls.hold(call)
    assert await session.poll() == []


async def test_unknown_state_letter_passes_through(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Tests may set any letter, known (parked) or not, to check clients' tolerance."""
    session = await watching(http, sim, attributes=["Eic_State"])
    call = sim.calls.ring("jdoe", "Ada", "100")
    sim.calls.set_state(call, "P")
    sim.calls.set_state(call, "P")  # no change, no message
    sim.calls.set_state(call, "Z")
    states = [c[1]["attributes"]["Eic_State"] for c in changes(await session.poll())]
    assert states == ["A", "P", "Z"]


async def test_wrong_transitions_refused(sim: IcwsSimulator) -> None:
    """A transition the lifecycle does not allow raises and changes nothing."""
    call = sim.calls.ring("jdoe", "Ada", "100")
    for action in (sim.calls.hold, sim.calls.resume, sim.calls.proceed):
        with pytest.raises(ValueError, match="state 'A'"):
            action(call)
    sim.calls.disconnect(call)
    with pytest.raises(ValueError, match="already disconnected"):
        sim.calls.disconnect(call)
    with pytest.raises(ValueError, match="remote"):
        sim.calls.disconnect(sim.calls.ring("jdoe", "Ada", "100"), by="both")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        sim.calls.answer("404")
    with pytest.raises(KeyError):
        sim.calls.ring("nobody", "Ada", "100")
    assert sim.calls.interactions[call].state == "E"


async def test_disconnected_removed_after_a_moment(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """With a removal delay, the server takes disconnected interactions away itself."""
    sim.calls.removal_delay = 0.01
    session = await watching(http, sim, attributes=["Eic_State"])
    call = sim.calls.ring("jdoe", "Ada", "100")
    sim.calls.disconnect(call)
    await wait_for(sim, lambda: call not in sim.calls.interactions)
    assert [kind for kind, _ in changes(await session.poll())] == [
        "added",
        "changed",
        "removed",
    ]
    sim.calls.removal_delay = 10.0
    early = sim.calls.ring("jdoe", "Grace", "101")
    sim.calls.disconnect(early)
    sim.calls.remove(early)  # removed before its time: the timer is cancelled
    assert early not in sim.calls.interactions


async def test_result_limit_exceeded(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Past the limit the watch says queueResultLimitExceeded and reports no more."""
    sim.calls.queue_result_limit = 2
    calls = [sim.calls.ring("jdoe", f"Caller {n}", f"10{n}") for n in range(3)]
    session, _ = await login(http, sim)
    assert await session.watch(attributes=["Eic_State"]) == 200
    [first] = await session.poll()
    assert first["queueResultLimitExceeded"] is True
    assert [i["interactionId"] for i in first["interactionsAdded"]] == calls[:2]
    sim.calls.answer(calls[2])  # not shown: not reported
    sim.calls.ring("jdoe", "Caller 3", "103")
    [message] = await session.poll()
    assert message["queueResultLimitExceeded"] is True
    assert message["interactionsAdded"] == []
    sim.calls.remove(calls[0])  # shown: its removal is reported
    [message] = await session.poll()
    assert message["interactionsRemoved"] == [calls[0]]
    assert message["queueResultLimitExceeded"] is False
    fresh = sim.calls.ring("jdoe", "Caller 4", "104")  # room again
    [message] = await session.poll()
    assert message["interactionsAdded"] == [
        {"interactionId": fresh, "attributes": {"Eic_State": "A"}}
    ]


async def test_messages_come_over_event_stream(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Queue messages travel in the event stream like every other message."""
    session, _ = await login(http, sim)
    response = await open_stream(http, session.login)
    try:
        assert await session.watch(attributes=["Eic_State"]) == 200
        sim.calls.ring("jdoe", "Ada", "100")
        seen = [await next_event(response), await next_event(response)]
        assert [m["isDelta"] for m in seen] == [False, True]
        assert seen[1]["interactionsAdded"][0]["attributes"] == {"Eic_State": "A"}
    finally:
        response.close()


# ---- onPhone ---------------------------------------------------------------------------


async def test_on_phone_follows_calls(sim: IcwsSimulator) -> None:
    """The onPhone flag: false while alerting, true connected or held or dialing, false after."""
    seen: list[tuple[str, bool]] = []
    sim.calls.on_phone_changed = lambda user, on: seen.append((user, on))
    call = sim.calls.ring("jdoe", "Ada", "100")
    assert sim.calls.on_phone("jdoe") is False
    sim.calls.answer(call)
    sim.calls.hold(call)
    assert sim.calls.on_phone("JDOE") is True
    sim.calls.resume(call)
    sim.calls.disconnect(call)
    assert seen == [("jdoe", True), ("jdoe", False)]
    seen.clear()
    dialed = sim.calls.place_call("jdoe", "101")
    sim.calls.remove(dialed)
    assert seen == [("jdoe", True), ("jdoe", False)]
    seen.clear()
    chat = sim.calls.start_chat("jdoe", "Ada", "ada@example.com")
    sim.calls.answer(chat)
    assert seen == []
    assert sim.calls.on_phone("jdoe") is False


async def test_on_phone_with_two_calls(sim: IcwsSimulator) -> None:
    """The user's onPhone stays true while any call is up, however they overlap."""
    seen: list[bool] = []
    sim.calls.on_phone_changed = lambda _user, on: seen.append(on)
    first = sim.calls.ring("jdoe", "Ada", "100")
    sim.calls.answer(first)
    second = sim.calls.ring("jdoe", "Grace", "101")
    sim.calls.hold(first)
    sim.calls.answer(second)
    sim.calls.disconnect(first)
    sim.calls.disconnect(second)
    assert seen == [True, False]


# ---- control over HTTP -----------------------------------------------------------------


async def control(
    http: aiohttp.ClientSession,
    sim: IcwsSimulator,
    path: str,
    body: dict[str, Any] | None = None,
    status: int = 200,
) -> dict[str, Any]:
    """POST to the control interface and return the answer."""
    async with http.post(f"{sim.url}/_simulator/{path}", json=body or {}) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == status, answer
        return answer


async def test_control_drives_a_call(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Ring, answer, hold, resume, disconnect over HTTP, as the system tests do."""
    session = await watching(http, sim, attributes=["Eic_State"])
    rung = await control(http, sim, "calls/ring", {"name": "Ada", "number": "100"})
    call = rung["interactionId"]
    assert rung["userId"] == "jdoe"  # the first user by default
    assert rung["state"] == "A"
    for action in ("answer", "hold", "resume"):
        await control(http, sim, f"interactions/{call}/{action}")
    answer = await control(
        http, sim, f"interactions/{call}/disconnect", {"by": "local"}
    )
    assert answer["interaction"]["state"] == "I"
    assert answer["interaction"]["answered"] is True
    answer = await control(http, sim, f"interactions/{call}/remove")
    assert answer == {"interaction": None}
    states = [
        c[1]["attributes"]["Eic_State"] if c[0] != "removed" else "-"
        for c in changes(await session.poll())
    ]
    assert states == ["A", "C", "H", "C", "I", "-"]


async def test_control_other_interactions(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Outbound calls, chats, e-mails, raw states and the listing over HTTP."""
    placed = await control(
        http, sim, "calls/place", {"user_id": "amy", "number": "+1 555 0100"}
    )
    assert (placed["userId"], placed["direction"], placed["state"]) == ("amy", "O", "S")
    await control(http, sim, f"interactions/{placed['interactionId']}/proceed")
    chat = await control(http, sim, "chats", {"name": "Ada", "address": "ada@x"})
    email = await control(http, sim, "emails", {"name": "Bo", "address": "bo@x"})
    await control(
        http, sim, f"interactions/{email['interactionId']}/state", {"state": "M"}
    )
    rung = await control(
        http, sim, "calls/ring", {"name": "Cy", "number": "1", "state": "O"}
    )
    async with http.get(f"{sim.url}/_simulator/interactions") as response:
        listed = (await response.json())["interactions"]
    assert [(i["objectType"], i["state"]) for i in listed] == [
        ("Call", "R"),
        ("Chat", "A"),
        ("Email", "M"),
        ("Call", "O"),
    ]
    assert chat["remoteNumber"] == "ada@x"
    assert rung["remoteName"] == "Cy"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("interactions/404/answer", {}, 404),
        ("calls/ring", {"user_id": "nobody"}, 404),
        ("calls/ring", {"name": 5}, 400),
        ("calls/ring", {"state": "C"}, 400),
        ("calls/place", {}, 400),
        ("calls/settings", {"queue_result_limit": -1}, 400),
        ("calls/settings", {"queue_result_limit": True}, 400),
        ("calls/settings", {"removal_delay": "soon"}, 400),
    ],
)
async def test_control_errors(
    sim: IcwsSimulator,
    http: aiohttp.ClientSession,
    path: str,
    body: dict[str, Any],
    status: int,
) -> None:
    """Bad control requests answer 400 or 404 and change nothing."""
    await control(http, sim, path, body, status)
    assert sim.calls.interactions == {}
    assert sim.calls.queue_result_limit == 500


async def test_control_action_errors(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Unknown actions, wrong sides and forbidden transitions are refused."""
    call = (await control(http, sim, "calls/ring", {"name": "Ada"}))["interactionId"]
    await control(http, sim, f"interactions/{call}/explode", {}, 404)
    await control(http, sim, f"interactions/{call}/hold", {}, 400)
    await control(http, sim, f"interactions/{call}/disconnect", {"by": "x"}, 400)
    await control(http, sim, f"interactions/{call}/state", {}, 400)
    assert sim.calls.interactions[call].state == "A"


async def test_control_settings(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The result limit, the delays and the station rule can be set over HTTP."""
    answer = await control(
        http, sim, "calls/settings", {"queue_result_limit": 3, "removal_delay": 0.5}
    )
    assert answer == {
        "queueResultLimit": 3,
        "removalDelay": 0.5,
        "proceedDelay": 1.0,
        "refuseStationless": False,
    }
    answer = await control(
        http,
        sim,
        "calls/settings",
        {"removal_delay": None, "proceed_delay": 0, "refuse_stationless": True},
    )
    assert answer == {
        "queueResultLimit": 3,
        "removalDelay": None,
        "proceedDelay": 0.0,
        "refuseStationless": True,
    }
    assert sim.calls.refuse_stationless


# ---- demo ------------------------------------------------------------------------------


async def test_call_demo_plays_scenes(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The demo plays answered, missed and outbound calls and chats for logged-in users."""
    session = await watching(http, sim, attributes=["Eic_State", "Eic_ObjectType"])
    demo = asyncio.create_task(run_call_demo(sim, interval=0.006))
    try:
        await wait_for(sim, lambda: len(sim.calls.interactions) >= 4)
        await wait_for(
            sim, lambda: all(i.disconnected for i in sim.calls.interactions.values())
        )
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo
    scenes = list(sim.calls.interactions.values())[:4]
    assert [(i.object_type, i.direction, i.answered) for i in scenes] == [
        ("Call", "I", True),
        ("Call", "I", False),
        ("Call", "O", True),
        ("Chat", "I", True),
    ]
    letters = [
        c[1]["attributes"].get("Eic_State") for c in changes(await session.poll())
    ]
    assert letters[:7] == ["A", "C", "H", "C", "E", "A", "E"]


async def test_on_phone_reaches_status_watchers(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The user's status subscription reports onPhone as the calls move (§9 [guess])."""
    session = await watching(http, sim)
    async with http.put(
        session.url("messaging/subscriptions/status/user-statuses"),
        json={"userIds": ["jdoe"]},
        headers=session.headers,
    ) as response:
        assert response.status == 200
    await session.poll()

    def on_phone(messages: list[dict[str, Any]]) -> list[bool]:
        return [
            status["onPhone"]
            for message in messages
            if message["__type"] == "urn:inin.com:status:userStatusMessage"
            for status in message["userStatusList"]
        ]

    call = sim.calls.ring("jdoe", "Ada", "100")
    assert on_phone(await session.poll()) == []
    sim.calls.answer(call)
    assert on_phone(await session.poll()) == [True]
    sim.calls.hold(call)
    assert on_phone(await session.poll()) == []
    sim.calls.disconnect(call)
    assert on_phone(await session.poll()) == [False]
