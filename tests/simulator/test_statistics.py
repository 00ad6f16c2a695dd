"""The simulator's wallboard statistics over real HTTP, with a plain aiohttp client.

They check that the simulator behaves as docs/icws-protocol.md §17 says a server does: one
statistic-values subscription per session, values typed by ``statisticValueType``, null and
error values, the parameter-values query, and the control routes that move calls.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from icws_simulator import IcwsSimulator

from .helpers import Login, control, login, poll

MESSAGE = "urn:inin.com:statistics:statisticValueMessage"
WORKGROUP = "ININ.People.WorkgroupStats:Workgroup"
INTERVAL = "ININ.Queue:Interval"
SUBSCRIPTION = "messaging/subscriptions/statistics/statistic-values"
QUERY = "statistics/statistic-parameter-values/queries"
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[IcwsSimulator]:
    """A simulator whose clock the test moves."""
    simulator = IcwsSimulator(
        users={"jdoe": "secret", "asmith": "hunter2"}, sse_ping_interval=30.0
    )
    simulator.statistics.clock = lambda: START
    await simulator.start()
    yield simulator
    await simulator.stop()


def key(
    name: str, workgroup: str = "Support", interval: str | None = None
) -> dict[str, Any]:
    items = [{"parameterTypeId": WORKGROUP, "value": workgroup}]
    if interval is not None:
        items.append({"parameterTypeId": INTERVAL, "value": interval})
    return {
        "statisticIdentifier": f"inin.workgroup:{name}",
        "parameterValueItems": items,
    }


async def call(
    http: aiohttp.ClientSession,
    session: Login,
    method: str,
    path: str,
    body: Any = None,
) -> tuple[int, Any]:
    async with http.request(
        method, session.url(path), json=body, headers=session.headers
    ) as response:
        text = await response.text()
        return response.status, (
            await response.json(content_type=None)
        ) if text else None


async def subscribe(
    http: aiohttp.ClientSession, session: Login, *keys: dict[str, Any]
) -> int:
    return (
        await call(http, session, "PUT", SUBSCRIPTION, {"statisticKeys": list(keys)})
    )[0]


async def values(http: aiohttp.ClientSession, session: Login) -> list[dict[str, Any]]:
    return [m for m in await poll(http, session) if m["__type"] == MESSAGE]


def by_name(message: dict[str, Any]) -> dict[str, Any]:
    return {
        change["statisticKey"]["statisticIdentifier"].split(":")[1]: change[
            "statisticValue"
        ]
        for change in message["statisticValueChanges"]
    }


async def test_login_announces_the_statistics_feature(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    assert {"featureId": "statistics", "version": 1} in session.body["features"]
    sim.statistics.version = 0
    assert (await subscribe(http, session, key("InteractionsWaiting"))) == 404
    assert (await call(http, session, "POST", QUERY, {"parameterTypeId": WORKGROUP}))[
        0
    ] == 404


async def test_subscription_sends_every_value_then_changes(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    keys = [
        key("InteractionsWaiting"),
        key("LongestWaitTime"),
        key("AgentsLoggedIn"),
        key("PercentAvailable"),
        key("AverageWaitTime", interval="CurrentPeriod"),
        key("InteractionsWaiting", "Sales"),
    ]
    assert await subscribe(http, session, *keys) == 200
    (first,) = await values(http, session)
    assert first["isDelta"] is False
    assert [c["statisticKey"] for c in first["statisticValueChanges"]] == keys
    assert by_name(first) == {
        "InteractionsWaiting": {
            "__type": "urn:inin.com:statistics:statisticIntValue",
            "value": 0,
            "statisticValueType": 0,
        },
        "LongestWaitTime": None,  # [seen] null while the queue is empty
        "AgentsLoggedIn": {
            "__type": "urn:inin.com:statistics:statisticIntValue",
            "value": 4,
            "statisticValueType": 0,
        },
        "PercentAvailable": {
            "__type": "urn:inin.com:statistics:statisticPercentValue",
            "value": 50.0,
            "statisticValueType": 9,
        },
        "AverageWaitTime": None,
    }

    sim.statistics.calls("Support", "arrive", 2)
    (delta,) = await values(http, session)
    assert delta["isDelta"] is True
    changed = by_name(delta)
    assert set(changed) == {"InteractionsWaiting", "LongestWaitTime"}
    assert changed["InteractionsWaiting"]["value"] == 2
    assert changed["LongestWaitTime"] == {
        "__type": "urn:inin.com:statistics:statisticTimeDurationValue",
        "value": "20261202T090000Z",
        "statisticValueType": 5,
    }

    sim.statistics.clock = lambda: START + timedelta(seconds=30)
    sim.statistics.calls("Support", "answer")
    (answered,) = await values(http, session)
    changed = by_name(answered)
    assert changed["InteractionsWaiting"]["value"] == 1
    assert changed["AverageWaitTime"] == {
        "__type": "urn:inin.com:statistics:statisticDurationValue",
        "value": 30.0,
        "statisticValueType": 6,
    }
    assert changed["PercentAvailable"]["value"] == 25.0
    assert "LongestWaitTime" not in changed  # the other call still waits since 9:00


async def test_a_put_replaces_the_keys(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    await subscribe(http, session, key("InteractionsWaiting"))
    await subscribe(http, session, key("InteractionsWaiting", "Sales"))
    await values(http, session)
    sim.statistics.calls("Support", "arrive")
    assert await values(http, session) == []
    sim.statistics.calls("Sales", "arrive")
    (delta,) = await values(http, session)
    (change,) = delta["statisticValueChanges"]
    assert change["statisticKey"] == key("InteractionsWaiting", "Sales")
    assert (await call(http, session, "DELETE", SUBSCRIPTION))[0] == 204
    sim.statistics.calls("Sales", "arrive")
    assert await values(http, session) == []


async def test_error_values(http: aiohttp.ClientSession, sim: IcwsSimulator) -> None:
    session = await login(http, sim.url)
    await subscribe(
        http,
        session,
        key("NoSuchStatistic"),
        key("InteractionsWaiting", "Nowhere"),
        key("InteractionsEntered"),  # needs an interval
        {"statisticIdentifier": "inin.workgroup:InteractionsWaiting"},
        key("AgentsLoggedIn"),
    )
    (first,) = await values(http, session)
    errors = [
        (v["statisticValueType"], v["value"], v["__type"].rsplit(":", 1)[1])
        for v in (c["statisticValue"] for c in first["statisticValueChanges"])
    ]
    assert errors[:4] == [
        (12, 2, "statisticErrorValue"),
        (12, 2, "statisticErrorValue"),
        (12, 1, "statisticErrorValue"),
        (12, 1, "statisticErrorValue"),
    ]
    sim.statistics.set_error("Support", "AgentsLoggedIn", 3)
    (delta,) = await values(http, session)
    assert by_name(delta) == {
        "AgentsLoggedIn": {
            "__type": "urn:inin.com:statistics:statisticErrorValue",
            "value": 3,
            "statisticValueType": 12,
        }
    }


async def test_a_user_without_the_right_gets_error_values_and_no_workgroups(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    await subscribe(http, session, key("InteractionsWaiting"))
    await values(http, session)
    status, _ = await control(
        http, sim, "statistics/settings", {"denied_users": ["jdoe"]}
    )
    assert status == 200
    (delta,) = await values(http, session)
    assert by_name(delta)["InteractionsWaiting"]["statisticValueType"] == 12
    status, answer = await call(
        http, session, "POST", QUERY, {"parameterTypeId": WORKGROUP}
    )
    assert status == 200
    assert answer == {"totalResultsAvailable": 0, "parameterValues": []}
    await control(http, sim, "statistics/settings", {"denied_users": []})
    (back,) = await values(http, session)
    assert by_name(back)["InteractionsWaiting"]["value"] == 0


async def test_parameter_values_query(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    sim.workgroups.add_workgroup("Support Tier 2", description="Escalations")
    status, answer = await call(
        http, session, "POST", QUERY, {"parameterTypeId": WORKGROUP}
    )
    assert status == 200
    assert answer["totalResultsAvailable"] == 3
    assert answer["parameterValues"][2] == {
        "value": "Support Tier 2",
        "displayString": "Support Tier 2",
        "description": "Escalations",
    }
    _, filtered = await call(
        http,
        session,
        "POST",
        QUERY,
        {"parameterTypeId": WORKGROUP, "filter": "support", "maxToReturn": 1},
    )
    assert filtered["totalResultsAvailable"] == 2
    assert [v["value"] for v in filtered["parameterValues"]] == ["Support"]
    sim.statistics.max_results = 2
    _, capped = await call(http, session, "POST", QUERY, {"parameterTypeId": WORKGROUP})
    assert capped["totalResultsAvailable"] == 3
    assert len(capped["parameterValues"]) == 2
    _, intervals = await call(
        http, session, "POST", QUERY, {"parameterTypeId": INTERVAL}
    )
    assert [v["value"] for v in intervals["parameterValues"]] == [
        "CurrentPeriod",
        "CurrentShift",
    ]
    for body in (
        {},
        {"parameterTypeId": "ININ.Unknown"},
        {"parameterTypeId": WORKGROUP, "filter": 1},
        {"parameterTypeId": WORKGROUP, "maxToReturn": -1},
    ):
        assert (await call(http, session, "POST", QUERY, body))[0] == 400, body


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"statisticKeys": "x"},
        {"statisticKeys": [1]},
        {"statisticKeys": [{"statisticIdentifier": "x", "parameterValueItems": 1}]},
        {"statisticKeys": [{"statisticIdentifier": "x", "parameterValueItems": [1]}]},
        {
            "statisticKeys": [
                {"statisticIdentifier": "x", "parameterValueItems": [{"value": "a"}]}
            ]
        },
    ],
)
async def test_malformed_subscriptions_are_refused(
    http: aiohttp.ClientSession, sim: IcwsSimulator, body: dict[str, Any]
) -> None:
    session = await login(http, sim.url)
    assert (await call(http, session, "PUT", SUBSCRIPTION, body))[0] == 400


async def test_queue_moves_and_control_routes(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    names = (
        "InteractionsWaiting",
        "InteractionsConnected",
        "InteractionsOnHold",
        "NumberAvailableForACDInteractions",
        "LongestAvailable",
        "AgentsLoggedInAndActivated",
    )
    await subscribe(
        http,
        session,
        *(key(name) for name in names),
        key("InteractionsAbandoned", interval="CurrentShift"),
        key("InteractionsCompleted", interval="CurrentShift"),
        key("AverageTalkTime", interval="CurrentShift"),
    )
    await values(http, session)
    for action, count in (("arrive", 3), ("answer", 2), ("hold", 1), ("abandon", 1)):
        status, _ = await control(
            http,
            sim,
            f"statistics/workgroups/Support/calls/{action}",
            {"count": count},
        )
        assert status == 200
    current: dict[str, Any] = {}
    for message in await values(http, session):
        current |= by_name(message)
    assert current["InteractionsWaiting"]["value"] == 0
    assert current["InteractionsConnected"]["value"] == 1
    assert current["InteractionsOnHold"]["value"] == 1
    assert current["NumberAvailableForACDInteractions"]["value"] == 0
    assert current.get("LongestAvailable", "missing") is None
    assert current["InteractionsAbandoned"]["value"] == 1
    for action in ("resume", "complete", "complete"):
        await control(http, sim, f"statistics/workgroups/Support/calls/{action}")
    for message in await values(http, session):
        current |= by_name(message)
    assert current["InteractionsCompleted"]["value"] == 2
    assert current["AverageTalkTime"]["value"] == 0.0
    assert current["NumberAvailableForACDInteractions"]["value"] == 2
    assert current["LongestAvailable"]["value"] == "20261202T090000Z"

    status, snapshot = await control(
        http,
        sim,
        "statistics/workgroups/support",
        {
            "agents_logged_in": 0,
            "agents_activated": 3,
            "values": {"inin.workgroup:InteractionsWaiting": None},
            "errors": {"InteractionsConnected": 99},
        },
    )
    assert status == 200
    assert snapshot["queues"]["Support"]["values"] == {"InteractionsWaiting": None}
    changed: dict[str, Any] = {}
    for message in await values(http, session):
        changed |= by_name(message)
    assert changed["InteractionsWaiting"] is None
    assert changed["NumberAvailableForACDInteractions"] is None  # nobody logged in
    assert changed["InteractionsConnected"]["value"] == 99
    assert changed["AgentsLoggedInAndActivated"]["value"] == 3
    await control(http, sim, "statistics/workgroups/Support", {"reset": True})
    changed = by_name((await values(http, session))[-1])
    assert changed["InteractionsWaiting"]["value"] == 0

    async with http.get(f"{sim.url}/_simulator/statistics") as response:
        described = await response.json()
    assert described["subscriptions"] == {session.session_id: 9}
    for path, body, expected in (
        ("statistics/workgroups/Nowhere", {}, 404),
        ("statistics/workgroups/Support", {"agents_total": -1}, 400),
        ("statistics/workgroups/Support", {"values": []}, 400),
        ("statistics/workgroups/Support", {"values": {"Nothing": 1}}, 404),
        ("statistics/workgroups/Support", {"errors": {"AgentsLoggedIn": "x"}}, 400),
        ("statistics/workgroups/Support/calls/dance", {}, 400),
        ("statistics/workgroups/Support/calls/arrive", {"count": 0}, 400),
        ("statistics/settings", {"version": "x"}, 400),
        ("statistics/settings", {"denied_users": "jdoe"}, 400),
        ("statistics/settings", {"denied_users": ["nobody"]}, 404),
        ("statistics/settings", {"max_results": -1}, 400),
    ):
        assert (await control(http, sim, path, body))[0] == expected, path
    status, snapshot = await control(http, sim, "statistics/settings", {"version": 0})
    assert snapshot["version"] == 0
    await control(http, sim, "statistics/settings", {"max_results": 1})
    assert sim.statistics.max_results == 1


async def test_a_removed_workgroup_gets_error_values(
    http: aiohttp.ClientSession, sim: IcwsSimulator
) -> None:
    session = await login(http, sim.url)
    await subscribe(http, session, key("InteractionsWaiting", "Sales"))
    await values(http, session)
    sim.workgroups.remove_workgroup("Sales")
    (delta,) = await values(http, session)
    value = by_name(delta)["InteractionsWaiting"]
    assert (value["statisticValueType"], value["value"]) == (12, 2)
