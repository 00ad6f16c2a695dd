"""Wallboard statistics over real HTTP: the one subscription, typed values, the query (§17)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.icws_station.icws import (
    CURRENT_PERIOD,
    WORKGROUP_PARAMETER,
    FiniteDuration,
    IcwsClient,
    Message,
    ParameterValue,
    RetrievalMode,
    StatisticError,
    StatisticKey,
    StatisticValue,
    StatisticValueMessage,
    StatisticValueType,
)
from custom_components.icws_station.icws.fields import InvalidFieldError
from custom_components.icws_station.icws.statistics import (
    parameter_values,
    statistic_key,
    statistic_value,
    statistic_value_message,
)
from icws_simulator import IcwsSimulator

from .conftest import next_message

POLL_INTERVAL = 0.05
START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WAITING = StatisticKey.workgroup("inin.workgroup:InteractionsWaiting", "Support")
LONGEST = StatisticKey.workgroup("inin.workgroup:LongestWaitTime", "Support")
ANSWERED = StatisticKey.workgroup(
    "inin.workgroup:InteractionsAnswered", "Support", CURRENT_PERIOD
)
SALES_WAITING = StatisticKey.workgroup("inin.workgroup:InteractionsWaiting", "Sales")


@pytest.fixture(params=[RetrievalMode.SSE, RetrievalMode.POLL])
async def messages(
    request: pytest.FixtureRequest, simulator: IcwsSimulator, client: IcwsClient
) -> AsyncIterator[AsyncIterator[Message]]:
    """A logged-in client watching three Support statistics."""
    simulator.statistics.clock = lambda: START
    info = await client.login()
    assert info.supports_statistics
    await client.subscribe_statistics([WAITING, LONGEST, ANSWERED, WAITING])
    async with aclosing(
        client.messages(request.param, poll_interval=POLL_INTERVAL)
    ) as stream:
        yield stream


async def test_full_then_deltas_typed_by_their_value_type(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    first = await next_message(messages, StatisticValueMessage)
    assert not first.is_delta
    values = first.apply({SALES_WAITING: None})
    assert values == {
        WAITING: StatisticValue(StatisticValueType.INT, 0),
        LONGEST: None,  # the queue is empty: no value
        ANSWERED: StatisticValue(StatisticValueType.INT, 0),
    }

    simulator.statistics.calls("Support", "arrive")
    delta = await next_message(messages, StatisticValueMessage)
    assert delta.is_delta
    values = delta.apply(values)
    longest = values[LONGEST]
    assert longest == StatisticValue(StatisticValueType.TIME_DURATION, START)
    assert longest.ticking
    assert longest.number(START + timedelta(seconds=75)) == 75.0
    waiting = values[WAITING]
    assert waiting == StatisticValue(StatisticValueType.INT, 1)
    assert waiting.number(START) == 1.0


async def test_error_values_carry_their_code(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    await next_message(messages, StatisticValueMessage)
    simulator.statistics.set_error("Support", "InteractionsWaiting", 3)
    message = await next_message(messages, StatisticValueMessage)
    (change,) = message.changes
    assert change.key == WAITING
    assert change.value is not None
    assert change.value.error is StatisticError.STATISTIC_PROVIDER_TOO_BUSY
    assert change.value.number(START) is None


async def test_a_put_replaces_the_set_and_none_ends_it(
    simulator: IcwsSimulator, client: IcwsClient, messages: AsyncIterator[Message]
) -> None:
    await next_message(messages, StatisticValueMessage)
    await client.subscribe_statistics([SALES_WAITING])
    replaced = await next_message(messages, StatisticValueMessage)
    assert [change.key for change in replaced.changes] == [SALES_WAITING]
    assert not replaced.is_delta

    await client.subscribe_statistics([])
    assert simulator.statistics.snapshot()["subscriptions"] == {}
    await client.subscribe_statistics([])  # nothing to end: nothing is sent
    deletes = [
        path
        for method, path, _ in simulator.traffic.requests
        if method == "DELETE" and path.endswith("statistic-values")
    ]
    assert len(deletes) == 1


async def test_the_parameter_values_query(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    simulator.workgroups.add_workgroup("Support Tier 2", description="Escalations")
    found = await client.get_statistic_parameter_values()
    assert found.total == 3
    assert found.values[2] == ParameterValue(
        "Support Tier 2", "Support Tier 2", "Escalations"
    )
    narrowed = await client.get_statistic_parameter_values(
        WORKGROUP_PARAMETER, text_filter="support", max_to_return=1
    )
    assert narrowed.total == 2
    assert [value.value for value in narrowed.values] == ["Support"]
    simulator.statistics.deny("jdoe")
    assert (await client.get_statistic_parameter_values()).values == ()


def test_keys_compare_by_identifier_and_parameters_in_any_order() -> None:
    reported = statistic_key(
        {
            "statisticIdentifier": "inin.workgroup:InteractionsAnswered",
            "parameterValueItems": [
                {"parameterTypeId": "ININ.Queue:Interval", "value": "CurrentPeriod"},
                {"parameterTypeId": WORKGROUP_PARAMETER, "value": "support"},
            ],
        }
    )
    assert reported == ANSWERED
    assert hash(reported) == hash(ANSWERED)
    assert reported != WAITING
    assert reported != "inin.workgroup:InteractionsAnswered"
    assert ANSWERED.parameter(WORKGROUP_PARAMETER) == "Support"
    assert ANSWERED.parameter("Nothing") is None
    assert StatisticKey("x").to_wire() == {
        "statisticIdentifier": "x",
        "parameterValueItems": [],
    }
    malformed: list[object] = [
        [],
        {"parameterValueItems": []},
        {"statisticIdentifier": 1},
    ]
    for raw in malformed:
        with pytest.raises(InvalidFieldError):
            statistic_key(raw)


def _value(value_type: int, value: Any, name: str | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"value": value, "statisticValueType": value_type}
    if name is not None:
        raw = {
            "__type": f"urn:inin.com:statistics:statistic{name}Value",
            "value": value,
        }
    return raw


NOW = START + timedelta(minutes=2)


@pytest.mark.parametrize(
    ("raw", "value", "number"),
    [
        (_value(0, 4), 4, 4.0),
        (_value(0, 4.0), 4, 4.0),
        (_value(1, 2.5), 2.5, 2.5),
        (_value(2, "x"), "x", None),
        (_value(2, 7), "7", None),
        (_value(3, True), True, 1.0),
        (_value(4, "20261202T090000Z"), START, None),
        (_value(5, "20261202T090000Z"), START, 120.0),
        (_value(5, "20261202T091000Z"), START + timedelta(minutes=10), 0.0),
        (_value(6, 30), timedelta(seconds=30), 30.0),
        (_value(7, 5), timedelta(seconds=5), 5.0),
        (
            _value(
                8,
                {
                    "stoppedTimeSpan": 10,
                    "startTickingTime": "20261202T090000Z",
                    "ticking": True,
                },
            ),
            FiniteDuration(timedelta(seconds=10), START, ticking=True),
            130.0,
        ),
        (
            _value(8, {"ticking": False}),
            FiniteDuration(timedelta(), None, ticking=False),
            0.0,
        ),
        (_value(9, 50), 50.0, 50.0),
        (_value(10, "Available"), "Available", None),
        (_value(11, 0.5), 0.5, 0.5),
        (_value(12, 2), StatisticError.UNKNOWN_STATISTIC_KEY, None),
        (_value(12, 7), StatisticError(7), None),
        (_value(0, 3, "Int"), 3, 3.0),
        (_value(0, 30, "Duration"), timedelta(seconds=30), 30.0),
        (_value(0, "20261202T090000Z", "TimeDuration"), START, 120.0),
        (_value(0, 1, "Error"), StatisticError.MALFORMED_STATISTIC_KEY, None),
    ],
)
def test_each_value_is_read_by_its_type(
    raw: dict[str, Any], value: object, number: float | None
) -> None:
    read = statistic_value(raw)
    assert read is not None
    assert read.value == value
    assert read.number(NOW) == number


@pytest.mark.parametrize(
    "raw",
    [
        [],
        {"value": 1},
        {"value": 1, "__type": "urn:inin.com:statistics:statisticMysteryValue"},
        {"value": 1, "__type": 3},
        _value(0, "4"),
        _value(0, True),
        _value(0, 4.5),
        _value(1, "2.5"),
        _value(3, 1),
        _value(5, "not a date"),
        _value(6, None),
        _value(6, 1e20),  # more seconds than a duration holds
        _value(8, "10"),
        _value(12, "busy"),
        _value(2, None),
        _value(13, 1),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused(raw: object) -> None:
    with pytest.raises(InvalidFieldError):
        statistic_value(raw)


def test_null_is_no_value_and_errors_tick_not() -> None:
    assert statistic_value(None) is None
    value = statistic_value(_value(6, 30))
    assert value is not None
    assert not value.ticking
    assert value.error is None
    ticking = FiniteDuration(timedelta(seconds=1), START, ticking=True)
    assert StatisticValue(StatisticValueType.FINITE_DURATION, ticking).ticking


def test_a_malformed_change_drops_only_itself() -> None:
    message = statistic_value_message(
        {
            "__type": "urn:inin.com:statistics:statisticValueMessage",
            "isDelta": True,
            "statisticValueChanges": [
                {"statisticKey": WAITING.to_wire(), "statisticValue": _value(0, "x")},
                {"statisticKey": "x", "statisticValue": None},
                {"statisticKey": WAITING.to_wire(), "statisticValue": _value(0, 2)},
                "junk",
            ],
        }
    )
    assert [(c.key, c.value) for c in message.changes] == [
        (WAITING, StatisticValue(StatisticValueType.INT, 2))
    ]


def test_parameter_values_are_read_tolerantly() -> None:
    found = parameter_values(
        {
            "parameterValues": [
                {"value": "Support"},
                {"value": ""},
                {"displayString": "No value"},
                {"value": "Sales", "displayString": "Sales team", "description": ""},
            ]
        }
    )
    assert found.values == (
        ParameterValue("Support", "Support"),
        ParameterValue("Sales", "Sales team"),
    )
    assert found.total == 2
    with pytest.raises(InvalidFieldError):
        parameter_values([])
