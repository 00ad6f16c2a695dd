"""The simulator's presence part over real HTTP, with a plain aiohttp client.

They check that the simulator behaves as docs/icws-protocol.md §9 says a server does:
catalogue, access lists, user statuses, their subscriptions, setting a status, and the
control interface that changes statuses as another client would.
"""

import asyncio
from collections.abc import AsyncIterator, Mapping
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import re
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator, SimulatedStatusMessage, Until
from icws_simulator.demo import run_demo

from .helpers import BOUND, LOGIN_TYPE, WORKSTATION, next_event

pytestmark = pytest.mark.usefixtures("socket_enabled")

USER_STATUS = "urn:inin.com:status:userStatusMessage"
STATUS_MESSAGES = "urn:inin.com:status:statusMessagesMessage"
USER_ACCESS = "urn:inin.com:status:statusMessagesUserAccessMessage"
USERS = {"jdoe": "secret", "asmith": "hunter2"}
CIC_DEFAULTS = {
    "Available",
    "Available No ACD",
    "At Lunch",
    "Do Not Disturb",
    "Gone Home",
    "In a Meeting",
    "Out of the Office",
    "On Vacation",
    "Follow Up",
}
STATUS_MESSAGE_FIELDS = {
    "statusId": str,
    "messageText": str,
    "iconUri": str,
    "groupTag": str,
    "canHaveDate": bool,
    "canHaveTime": bool,
    "isDoNotDisturbStatus": bool,
    "isSelectableStatus": bool,
    "isPersistentStatus": bool,
    "isForwardStatus": bool,
    "isAfterCallWorkStatus": bool,
    "isAcdStatus": bool,
    "isAllowFollowUpStatus": bool,
    "systemId": str,
}


@dataclass
class Session:
    """What a client keeps from a login, and its HTTP client."""

    http: aiohttp.ClientSession
    base: str
    session_id: str
    csrf: str
    cookie: str
    features: list[dict[str, Any]]

    @property
    def headers(self) -> dict[str, str]:
        """Headers of a session call."""
        return {"ININ-ICWS-CSRF-Token": self.csrf, "Cookie": self.cookie}

    def url(self, path: str) -> str:
        """URL of a call inside the session."""
        return f"{self.base}/icws/{self.session_id}/{path}"

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Make a session call; return the status and the decoded JSON body (or None)."""
        async with self.http.request(
            method, self.url(path), json=body, headers=self.headers
        ) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None

    async def poll(self) -> list[dict[str, Any]]:
        """Short-poll the session's messages."""
        async with self.http.get(
            self.url("messaging/messages"), headers={"Cookie": self.cookie}
        ) as response:
            assert response.status == 200
            messages: list[dict[str, Any]] = json.loads(await response.text())
            return messages

    async def watch(self, *user_ids: str, **extra: Any) -> dict[str, Any]:
        """Subscribe to user statuses; return the initial message."""
        status, _ = await self.call(
            "PUT",
            "messaging/subscriptions/status/user-statuses",
            {"userIds": list(user_ids), **extra},
        )
        assert status == 200
        [message] = await self.poll()
        return message

    async def set_status(
        self, user_id: str, body: Mapping[str, Any]
    ) -> tuple[int, Any]:
        """PUT a status change."""
        return await self.call("PUT", f"status/user-statuses/{user_id}", dict(body))


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """A running simulator with two users."""
    simulator = IcwsSimulator(users=USERS, sse_ping_interval=30.0)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def login(
    http: aiohttp.ClientSession,
    sim: IcwsSimulator,
    user: str = "jdoe",
    language: str = "en-US",
) -> Session:
    """Log in as ``user`` with ``language``."""
    async with http.post(
        f"{sim.url}/icws/connection?include=features",
        json={
            "__type": LOGIN_TYPE,
            "applicationName": "tests",
            "userID": user,
            "password": USERS.get(user, "secret"),
        },
        headers={"Accept-Language": language},
    ) as response:
        assert response.status == 201
        body = await response.json(content_type=None)
        cookie = response.headers["Set-Cookie"].split(";")[0]
    return Session(
        http, sim.url, body["sessionId"], body["csrfToken"], cookie, body["features"]
    )


def by_id(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Index status messages by status id."""
    return {message["statusId"]: message for message in messages}


# ---- feature and catalogue ---------------------------------------------------------------


async def test_feature_announced_and_routes_need_a_session(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Login lists status 1; status calls without the session's cookie answer 401."""
    me = await login(http, sim)
    assert {"featureId": "status", "version": 1} in me.features
    async with http.get(f"{sim.url}/icws/connection/features") as response:
        listed = (await response.json(content_type=None))["featureInfoList"]
    assert {"featureId": "status", "version": 1} in listed
    async with http.get(
        me.url("status/status-messages"), headers={"ININ-ICWS-CSRF-Token": me.csrf}
    ) as response:
        assert response.status == 401


async def test_server_without_status_feature(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """With status_version 0 the feature is not listed and the routes do not exist."""
    async with IcwsSimulator(users=USERS, status_version=0) as sim:
        me = await login(http, sim)
        assert "status" not in {feature["featureId"] for feature in me.features}
        status, body = await me.call("GET", "status/status-messages")
        assert status == 404
        assert "message" in body
        status, _ = await me.call(
            "PUT", "messaging/subscriptions/status/user-statuses", {"userIds": ["jdoe"]}
        )
        assert status == 404
        assert await me.poll() == []


async def test_catalogue_has_the_cic_defaults_with_every_field(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Every default status is there, each with every required field of the right type."""
    me = await login(http, sim)
    status, body = await me.call("GET", "status/status-messages")
    assert status == 200
    catalogue = by_id(body["statusMessageList"])
    assert set(catalogue) >= CIC_DEFAULTS
    for message in catalogue.values():
        assert {key: type(value) for key, value in message.items()} == (
            STATUS_MESSAGE_FIELDS
        )
    acd = [m for m in catalogue.values() if m["isAcdStatus"]]
    assert acd
    assert not any(m["isSelectableStatus"] for m in acd)
    assert (
        catalogue["AcdAgentNotAnswering"]["messageText"] == "ACD - Agent Not Answering"
    )
    assert catalogue["Do Not Disturb"]["isDoNotDisturbStatus"] is True
    assert catalogue["Available"]["isDoNotDisturbStatus"] is False
    assert catalogue["Follow Up"]["isAfterCallWorkStatus"] is True


@pytest.mark.parametrize(
    ("language", "available", "dnd"),
    [
        ("en-US", "Available", "Do Not Disturb"),
        ("de-DE", "Verfügbar", "Nicht stören"),
        ("fr-FR, fr;q=0.9", "Disponible", "Ne pas déranger"),
        ("ja-JP", "Available", "Do Not Disturb"),
    ],
)
async def test_catalogue_text_follows_the_session_language(
    sim: IcwsSimulator,
    http: aiohttp.ClientSession,
    language: str,
    available: str,
    dnd: str,
) -> None:
    """The messageText is in the login's Accept-Language (English when not known)."""
    me = await login(http, sim, language=language)
    _, body = await me.call("GET", "status/status-messages")
    catalogue = by_id(body["statusMessageList"])
    assert catalogue["Available"]["messageText"] == available
    assert catalogue["Do Not Disturb"]["messageText"] == dnd


async def test_icon_uri_is_served(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The iconUri of a status names a PNG the session can fetch."""
    me = await login(http, sim)
    _, body = await me.call("GET", "status/status-messages")
    uri = by_id(body["statusMessageList"])["Gone Home"]["iconUri"]
    async with http.get(f"{sim.url}{uri}", headers=me.headers) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")
    status, _ = await me.call("GET", "status/status-message-icons/Nonexistent")
    assert status == 404


# ---- access lists ------------------------------------------------------------------------


async def test_access_list_and_its_subscription(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """GET reads the list; a watcher gets the whole list, then what is added and removed."""
    me = await login(http, sim)
    other = await login(http, sim, "asmith")
    status, body = await me.call("GET", "status/status-messages-user-access/jdoe")
    assert status == 200
    assert body["userId"] == "jdoe"
    assert set(body["statusMessages"]) >= CIC_DEFAULTS

    status, _ = await other.call(
        "PUT",
        "messaging/subscriptions/status/status-messages-user-access",
        {"userIds": ["JDOE"]},
    )
    assert status == 200
    [initial] = await other.poll()
    assert initial["__type"] == USER_ACCESS
    assert initial["isDelta"] is False
    [change] = initial["statusMessagesUserAccessChanges"]
    assert change["userId"] == "jdoe"
    assert set(change["statusMessagesAdded"]) == set(body["statusMessages"])

    sim.status.revoke_access("jdoe", "at lunch", "On Vacation")
    sim.status.grant_access("jdoe", "At Lunch")
    sim.status.set_access("asmith", ["Available"])  # nobody watches asmith's list
    sim.status.set_access("jdoe", sim.status.access("jdoe"))  # no change: no message
    first, second = await other.poll()
    assert first["isDelta"] is True
    assert first["statusMessagesUserAccessChanges"] == [
        {
            "userId": "jdoe",
            "statusMessagesAdded": [],
            "statusMessagesRemoved": ["At Lunch", "On Vacation"],
        }
    ]
    assert second["statusMessagesUserAccessChanges"][0]["statusMessagesAdded"] == [
        "At Lunch"
    ]
    assert "On Vacation" not in sim.status.access("jdoe")
    assert await me.poll() == []

    status, _ = await other.call(
        "DELETE", "messaging/subscriptions/status/status-messages-user-access"
    )
    assert status == 204
    sim.status.revoke_access("jdoe", "At Lunch")
    assert await other.poll() == []
    status, _ = await me.call("GET", "status/status-messages-user-access/nobody")
    assert status == 404


async def test_ids_spelled_another_way_outside_the_catalogue(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """With ``respell_ids``, access lists and user statuses differ from the catalogue in case.

    The server still compares without case: such an id sets the status, kept as the
    catalogue spells it.
    """
    sim.status.respell_ids = True
    me = await login(http, sim)
    _, body = await me.call("GET", "status/status-messages")
    catalogue = {message["statusId"] for message in body["statusMessageList"]}
    assert "Do Not Disturb" in catalogue
    _, access = await me.call("GET", "status/status-messages-user-access/jdoe")
    assert "dO nOT dISTURB" in access["statusMessages"]
    assert not catalogue & set(access["statusMessages"])
    initial = await me.watch("jdoe")
    assert initial["userStatusList"][0]["statusId"] == "aVAILABLE"
    _, current = await me.call("GET", "status/user-statuses/jdoe")
    assert current["statusId"] == "aVAILABLE"
    status, _ = await me.call(
        "PUT",
        "messaging/subscriptions/status/status-messages-user-access",
        {"userIds": ["jdoe"]},
    )
    assert status == 200
    [full] = await me.poll()
    added = full["statusMessagesUserAccessChanges"][0]["statusMessagesAdded"]
    assert added == access["statusMessages"]

    sim.status.revoke_access("jdoe", "At Lunch")
    [revoked] = await me.poll()
    change = revoked["statusMessagesUserAccessChanges"][0]
    assert change["statusMessagesRemoved"] == ["aT lUNCH"]

    status, _ = await me.set_status("jdoe", {"statusId": "dO nOT dISTURB"})
    assert status == 202
    assert sim.status.user_status("jdoe").status_id == "Do Not Disturb"
    [delta] = await me.poll()
    assert delta["userStatusList"][0]["statusId"] == "dO nOT dISTURB"


# ---- user statuses -----------------------------------------------------------------------


async def test_initial_message_lists_every_watched_user(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The first message is full (isDelta false) and holds each known watched user."""
    me = await login(http, sim)
    initial = await me.watch("jdoe", "ASmith", "nobody")
    assert initial["__type"] == USER_STATUS
    assert initial["isDelta"] is False
    statuses = {status["userId"]: status for status in initial["userStatusList"]}
    assert set(statuses) == {"jdoe", "asmith"}
    jdoe = statuses["jdoe"]
    assert jdoe["statusId"] == "Available"
    assert jdoe["loggedIn"] is True
    assert jdoe["onPhone"] is False
    assert jdoe["until"] is None
    assert jdoe["icServers"] == ["CIC01"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", jdoe["statusChanged"])
    assert re.fullmatch(r"\d{8}T\d{6}Z", jdoe["onPhoneChanged"])


async def test_set_own_status_fans_out_to_every_watcher(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """202 with a requestId; each watching session of each user gets one delta."""
    me = await login(http, sim)
    my_other_session = await login(http, sim)
    colleague = await login(http, sim, "asmith")
    unrelated = await login(http, sim, "asmith")
    await me.watch("jdoe")
    await my_other_session.watch("jdoe", "asmith")
    await colleague.watch("jdoe")
    await unrelated.watch("asmith")

    status, body = await me.set_status(
        "jdoe",
        {
            "statusId": "out of the office",
            "notes": "Back Monday",
            "forwardNumber": "+13175550100",
            "until": {
                "untilDateTime": "20261128T170000Z",
                "hasDate": True,
                "hasTime": False,
            },
        },
    )
    assert status == 202
    assert body["requestId"]

    for session in (me, my_other_session, colleague):
        [message] = await session.poll()
        assert message["isDelta"] is True
        [delta] = message["userStatusList"]
        assert delta["userId"] == "jdoe"
        assert delta["statusId"] == "Out of the Office"
        assert delta["notes"] == "Back Monday"
        assert delta["forwardNumber"] == "+13175550100"
        assert delta["until"] == {
            "untilDateTime": "20261128T170000Z",
            "hasDate": True,
            "hasTime": False,
        }
        assert "onPhone" not in delta  # only what changed
    assert await unrelated.poll() == []

    status, current = await colleague.call("GET", "status/user-statuses/JDoe")
    assert status == 200
    assert current["statusId"] == "Out of the Office"
    assert current["notes"] == "Back Monday"
    assert sim.status.requests[-1].status == 202


async def test_delta_clears_fields_that_were_dropped(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Notes and until that a change drops come as "" and null, so merges keep nothing."""
    me = await login(http, sim)
    sim.status.set_user_status(
        "jdoe",
        "In a Meeting",
        notes="Board",
        until=Until(datetime(2026, 5, 1, 15, 0, tzinfo=UTC), has_date=False),
    )
    await me.watch("jdoe")
    status, _ = await me.set_status("jdoe", {"statusId": "Available"})
    assert status == 202
    [message] = await me.poll()
    [delta] = message["userStatusList"]
    assert delta["notes"] == ""
    assert delta["until"] is None
    assert delta["statusId"] == "Available"


async def test_same_status_again_sends_nothing(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Setting what is already set changes nothing, so no message goes out."""
    me = await login(http, sim)
    await me.watch("jdoe")
    before = sim.status.user_status("jdoe")
    status, _ = await me.set_status("jdoe", {"statusId": "AVAILABLE"})
    assert status == 202
    assert await me.poll() == []
    assert sim.status.user_status("jdoe") == before


async def test_status_changed_moves_only_with_the_status(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """The statusChanged date is the moment the status (not its notes) last changed."""
    moments = iter(
        [
            datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
            datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        ]
    )
    async with IcwsSimulator(users=USERS) as sim:
        sim.status.clock = lambda: next(moments)
        me = await login(http, sim)
        initial = await me.watch("jdoe")
        assert initial["userStatusList"][0]["statusChanged"] == "20260105T090000Z"
        await me.set_status("jdoe", {"statusId": "At Lunch"})
        await me.set_status("jdoe", {"statusId": "At Lunch", "notes": "Pizza"})
        first, second = await me.poll()
        assert first["userStatusList"][0]["statusChanged"] == "20260105T093000Z"
        assert "statusChanged" not in second["userStatusList"][0]


@pytest.mark.parametrize(
    ("user", "body", "status"),
    [
        ("jdoe", {"statusId": "Lounging"}, 400),
        ("jdoe", {"notes": "no status"}, 400),
        ("jdoe", {"statusId": "At Lunch", "notes": 5}, 400),
        ("jdoe", {"statusId": "At Lunch", "until": {"untilDateTime": "soon"}}, 400),
        ("jdoe", {"statusId": "At Lunch", "until": "20261128T170000Z"}, 400),
        (
            "jdoe",
            {
                "statusId": "At Lunch",
                "until": {"untilDateTime": "20261128T170000Z", "hasDate": "yes"},
            },
            400,
        ),
        ("asmith", {"statusId": "At Lunch"}, 403),
        ("jdoe", {"statusId": "On Vacation"}, 403),  # outside the access list
        ("jdoe", {"statusId": "AcdAgentNotAnswering"}, 403),  # not selectable
    ],
)
async def test_refused_status_changes_change_nothing(
    sim: IcwsSimulator,
    http: aiohttp.ClientSession,
    user: str,
    body: dict[str, Any],
    status: int,
) -> None:
    """Each refusal has the documented status and error body; no status, no message."""
    sim.status.revoke_access("jdoe", "On Vacation")
    me = await login(http, sim)
    await me.watch("jdoe", "asmith")
    assert "AcdAgentNotAnswering" in sim.status.access("jdoe")
    answered, error = await me.set_status(user, body)
    assert answered == status
    assert isinstance(error["message"], str)
    assert "errorId" in error
    assert await me.poll() == []
    assert sim.status.user_status("jdoe").status_id == "Available"
    assert sim.status.user_status("asmith").status_id == "Available"
    assert sim.status.requests[-1].status == status


async def test_malformed_json_body_is_refused(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A body that is not a JSON object answers 400."""
    me = await login(http, sim)
    for text in ("{", "[1]"):
        async with http.put(
            me.url("status/user-statuses/jdoe"),
            data=text,
            headers=me.headers | {"Content-Type": "application/json"},
        ) as response:
            assert response.status == 400
    status, _ = await me.call(
        "PUT", "messaging/subscriptions/status/user-statuses", {"userIds": "jdoe"}
    )
    assert status == 400
    status, _ = await me.call(
        "PUT",
        "messaging/subscriptions/status/user-statuses",
        {"userIds": ["jdoe"], "userStatusProperties": "notes"},
    )
    assert status == 400


async def test_change_by_another_client_reaches_watchers(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The ACD may set a status nobody can pick; watchers see it like any other change."""
    me = await login(http, sim)
    await me.watch("jdoe")
    sim.status.set_user_status("jdoe", "AcdAgentNotAnswering")
    [message] = await me.poll()
    assert message["userStatusList"][0]["statusId"] == "AcdAgentNotAnswering"
    with pytest.raises(ValueError, match="unknown status"):
        sim.status.set_user_status("jdoe", "Lounging")
    with pytest.raises(KeyError):
        sim.status.set_user_status("nobody", "Available")


async def test_properties_limit_what_is_sent(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The userStatusProperties list keeps userId, statusId and the named properties."""
    me = await login(http, sim)
    initial = await me.watch("jdoe", userStatusProperties=["notes"])
    assert initial["userStatusList"] == [
        {"userId": "jdoe", "statusId": "Available", "notes": ""}
    ]
    sim.status.set_on_phone("jdoe", on_phone=True)  # not asked for: nothing to send
    assert await me.poll() == []
    sim.status.set_user_status("jdoe", "At Lunch", notes="Soup")
    [message] = await me.poll()
    assert message["userStatusList"] == [
        {"userId": "jdoe", "statusId": "At Lunch", "notes": "Soup"}
    ]


async def test_on_phone_logged_in_and_stations(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """onPhone, loggedIn and stations changes come as deltas; repeats send nothing."""
    colleague = await login(http, sim, "asmith")
    await colleague.watch("jdoe")
    sim.status.set_on_phone("jdoe", on_phone=True)
    sim.status.set_on_phone("jdoe", on_phone=True)
    sim.status.set_logged_in("jdoe", logged_in=False)
    sim.status.set_logged_in("jdoe", logged_in=False)
    on_phone, logged_out = await colleague.poll()
    delta = on_phone["userStatusList"][0]
    assert delta["onPhone"] is True
    assert logged_out["userStatusList"][0]["loggedIn"] is False

    me = await login(http, sim)
    status, _ = await me.call(
        "PUT", "connection/station", {"__type": WORKSTATION, "workstation": "WS-114"}
    )
    assert status == 200
    [message] = await colleague.poll()
    assert message["userStatusList"][0]["stations"] == ["WS-114"]
    status, _ = await me.call("DELETE", "connection")
    assert status == 200
    [message] = await colleague.poll()
    assert message["userStatusList"][0]["stations"] == []


async def test_resend_repeats_the_whole_status(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A resend is a delta with every field and no change (a repeat for clients to skip)."""
    me = await login(http, sim)
    initial = await me.watch("jdoe")
    sim.status.resend_user_status("jdoe")
    [message] = await me.poll()
    assert message["isDelta"] is True
    assert message["userStatusList"] == initial["userStatusList"]


async def test_unsubscribe_and_resubscribe(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """DELETE stops the deltas; a new PUT replaces the set and sends a full message."""
    me = await login(http, sim)
    await me.watch("jdoe")
    status, _ = await me.call("DELETE", "messaging/subscriptions/status/user-statuses")
    assert status == 204
    sim.status.set_user_status("jdoe", "Gone Home")
    assert await me.poll() == []
    again = await me.watch("asmith")
    assert [s["userId"] for s in again["userStatusList"]] == ["asmith"]
    sim.status.set_user_status("jdoe", "Available")
    assert await me.poll() == []
    assert sim.status.watchers("asmith") == [me.session_id]


async def test_watches_of_ended_sessions_are_dropped(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A session that ends stops counting as a watcher."""
    me = await login(http, sim)
    await me.watch("jdoe")
    sim.sessions.end(me.session_id, notify=False)
    sim.status.set_user_status("jdoe", "Gone Home")
    assert sim.status.watchers("jdoe") == []


async def test_delta_arrives_on_the_event_stream(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A status change goes out as an SSE event too."""
    me = await login(http, sim)
    await me.watch("jdoe")
    response = await http.get(
        me.url("messaging/messages"),
        headers={"Cookie": me.cookie, "Accept": "text/event-stream"},
        timeout=aiohttp.ClientTimeout(total=None, sock_read=BOUND),
    )
    try:
        sim.status.set_user_status("jdoe", "Do Not Disturb")
        message = await next_event(response)
        assert message["userStatusList"][0]["statusId"] == "Do Not Disturb"
    finally:
        response.close()


async def test_completion_message_when_asked(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """With completion_messages on, the asking session also gets the request's completion."""
    sim.status.completion_messages = True
    me = await login(http, sim)
    _, body = await me.set_status("jdoe", {"statusId": "At Lunch"})
    [message] = await me.poll()
    assert message["__type"] == "urn:inin.com:messaging:asyncOperationCompletedMessage"
    assert message["requestId"] == body["requestId"]


# ---- catalogue subscription --------------------------------------------------------------


async def test_catalogue_subscription_in_each_sessions_language(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Full list first, then added, changed and removed statuses, each in its language."""
    english = await login(http, sim)
    german = await login(http, sim, "asmith", language="de-DE")
    access_watcher = await login(http, sim)
    for session in (english, german):
        status, _ = await session.call(
            "PUT", "messaging/subscriptions/status/status-messages"
        )
        assert status == 200
        [initial] = await session.poll()
        assert initial["__type"] == STATUS_MESSAGES
        assert initial["isDelta"] is False
        assert set(by_id(initial["statusMessagesAdded"])) >= CIC_DEFAULTS
    await access_watcher.call(
        "PUT",
        "messaging/subscriptions/status/status-messages-user-access",
        {"userIds": ["jdoe"]},
    )
    await access_watcher.poll()

    training = SimulatedStatusMessage(
        status_id="Training",
        message_text={"en": "At a Training Session", "de": "In einer Schulung"},
        group_tag="Away",
    )
    sim.status.put_status_message(training)
    sim.status.put_status_message(training)  # unchanged: nothing sent
    [added] = await english.poll()
    assert [m["messageText"] for m in added["statusMessagesAdded"]] == [
        "At a Training Session"
    ]
    assert added["isDelta"] is True
    [added] = await german.poll()
    assert [m["messageText"] for m in added["statusMessagesAdded"]] == [
        "In einer Schulung"
    ]
    assert "Training" not in sim.status.access("jdoe")  # joins no access list by itself

    sim.status.put_status_message(
        SimulatedStatusMessage(
            status_id="do not disturb",
            message_text={"en": "Focus time"},
            is_do_not_disturb=True,
            group_tag="Busy",
        )
    )
    [changed] = await german.poll()
    [dnd] = changed["statusMessagesChanged"]
    assert dnd["messageText"] == "Focus time"  # no German text any more: English
    assert dnd["statusId"] == "Do Not Disturb"  # the catalogue keeps its spelling
    assert len(await english.poll()) == 1

    sim.status.remove_status_message("At Lunch")
    [removed] = await english.poll()
    assert removed["statusMessagesRemoved"] == ["At Lunch"]
    [access] = await access_watcher.poll()
    assert access["statusMessagesUserAccessChanges"][0]["statusMessagesRemoved"] == [
        "At Lunch"
    ]
    with pytest.raises(KeyError):
        sim.status.remove_status_message("At Lunch")

    status, _ = await english.call(
        "DELETE", "messaging/subscriptions/status/status-messages"
    )
    assert status == 204
    sim.status.remove_status_message("Follow Up")
    assert await english.poll() == []


def test_status_message_needs_an_english_text() -> None:
    """A status without an id or English text is refused when it is built."""
    with pytest.raises(ValueError, match="'en'"):
        SimulatedStatusMessage(status_id="X", message_text={"de": "X"})
    with pytest.raises(ValueError, match="status_id"):
        SimulatedStatusMessage(status_id="", message_text={"en": "X"})


# ---- control over HTTP -------------------------------------------------------------------


async def control(
    http: aiohttp.ClientSession, sim: IcwsSimulator, path: str, body: Any = None
) -> tuple[int, Any]:
    """POST to a status control route."""
    async with http.post(
        f"{sim.url}/_simulator/status{path}",
        data=b"" if body is None else json.dumps(body).encode(),
    ) as response:
        return response.status, await response.json()


async def test_http_control_sets_statuses_as_another_client(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The control routes change status, onPhone and loggedIn; watchers are told."""
    me = await login(http, sim)
    await me.watch("jdoe")
    status, snapshot = await control(
        http,
        sim,
        "/users/jdoe",
        {
            "status_id": "Out of the Office",
            "notes": "Conference",
            "until": "2026-11-28T16:00:00",  # no zone: UTC
            "has_time": False,
            "on_phone": True,
            "logged_in": False,
        },
    )
    assert status == 200
    current = snapshot["users"]["jdoe"]["status"]
    assert current["statusId"] == "Out of the Office"
    assert current["until"] == {
        "untilDateTime": "20261128T160000Z",
        "hasDate": True,
        "hasTime": False,
    }
    assert current["onPhone"] is True
    assert current["loggedIn"] is False
    assert len(await me.poll()) == 3

    status, _ = await control(http, sim, "/users/jdoe/resend")
    assert status == 200
    assert len(await me.poll()) == 1

    async with http.get(f"{sim.url}/_simulator/status") as response:
        state = await response.json()
    assert state["version"] == 1
    assert state["users"]["jdoe"]["watchers"] == 1
    assert "Available" in state["statusMessages"]


async def test_http_control_edits_access_and_catalogue(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """Access lists are replaced or edited; catalogue statuses added, changed, removed."""
    status, snapshot = await control(
        http,
        sim,
        "/users/jdoe/access",
        {"status_ids": ["Available", "gone home", "AVAILABLE"]},
    )
    assert status == 200
    assert snapshot["users"]["jdoe"]["access"] == ["Available", "Gone Home"]
    status, snapshot = await control(
        http, sim, "/users/jdoe/access", {"add": ["At Lunch"], "remove": ["Available"]}
    )
    assert snapshot["users"]["jdoe"]["access"] == ["Gone Home", "At Lunch"]

    status, _ = await control(
        http,
        sim,
        "/messages/Training",
        {"message_text": {"en": "Training", "fr": "Formation"}, "can_have_time": True},
    )
    assert status == 200
    training = sim.status.find_status_message("training")
    assert training is not None
    assert training.can_have_time is True
    assert training.text("fr-CA") == "Formation"
    status, _ = await control(
        http, sim, "/messages/TRAINING", {"is_selectable": False, "group_tag": "Away"}
    )
    assert status == 200
    training = sim.status.find_status_message("Training")
    assert training is not None
    assert (training.status_id, training.is_selectable, training.can_have_time) == (
        "Training",
        False,
        True,
    )
    assert training.text("fr") == "Formation"
    status, _ = await control(http, sim, "/messages/Training/remove")
    assert status == 200
    assert sim.status.find_status_message("Training") is None

    status, snapshot = await control(
        http,
        sim,
        "/settings",
        {"version": 0, "completion_messages": True, "respell_ids": True},
    )
    assert status == 200
    assert snapshot["version"] == 0
    assert sim.status.completion_messages is True
    assert sim.status.respell_ids is True


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/users/nobody", {"status_id": "Available"}, 404),
        ("/users/jdoe", {"status_id": "Lounging"}, 400),
        ("/users/jdoe", {"on_phone": "yes"}, 400),
        ("/users/jdoe", {"status_id": "At Lunch", "until": "later"}, 400),
        ("/users/jdoe/access", {"status_ids": ["Lounging"]}, 400),
        ("/users/jdoe/access", {"add": "At Lunch"}, 400),
        ("/users/jdoe/access", {"add": [1]}, 400),
        ("/users/nobody/resend", None, 404),
        ("/messages/Training", {}, 400),
        ("/messages/Training", {"message_text": {"de": "Schulung"}}, 400),
        ("/messages/Available", {"is_acd": 1}, 400),
        ("/messages/Nonexistent/remove", None, 404),
        ("/settings", {"version": True}, 400),
        ("/settings", [1], 400),
    ],
)
async def test_http_control_refuses_bad_requests(
    sim: IcwsSimulator,
    http: aiohttp.ClientSession,
    path: str,
    body: Any,
    status: int,
) -> None:
    """Bad control requests answer 400 or 404 with a message and change nothing."""
    before = sim.status.snapshot()
    answered, answer = await control(http, sim, path, body)
    assert answered == status
    assert answer["message"]
    assert sim.status.snapshot() == before


async def test_http_control_refuses_text_that_is_not_json(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """A body that is not JSON answers 400."""
    async with http.post(
        f"{sim.url}/_simulator/status/settings", data=b"{"
    ) as response:
        assert response.status == 400


# ---- demo --------------------------------------------------------------------------------


async def test_demo_changes_the_status_of_users_with_a_session(
    sim: IcwsSimulator, http: aiohttp.ClientSession
) -> None:
    """The demo moves each logged-in user through statuses; others keep theirs."""
    me = await login(http, sim)
    await me.watch("jdoe", "asmith")
    demo = asyncio.create_task(run_demo(sim, interval=0.01))
    try:
        async with asyncio.timeout(BOUND):
            await sim.wait_until(lambda: sim.sessions[me.session_id].pending >= 2)
    finally:
        demo.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await demo
    messages = await me.poll()
    changed = [m["userStatusList"][0] for m in messages]
    assert [c["statusId"] for c in changed[:2]] == ["In a Meeting", "Available"]
    assert {c["userId"] for c in changed} == {"jdoe"}
