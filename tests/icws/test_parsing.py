"""Parsing messages the server should not send but might: the client must not break."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from custom_components.icws_station.icws import (
    ConnectionState,
    ConnectionStateMessage,
    Station,
    StationMessage,
    StationSetting,
)
from custom_components.icws_station.icws.codec import decode_json
from custom_components.icws_station.icws.messages import Complaints, parse_message

STATION = "urn:inin.com:connection:stationConnectionStateChangeMessage"
CONNECTION = "urn:inin.com:connection:connectionStateChangeMessage"
FULL = {"id": "WS-1", "extension": "1", "stationSetting": 1, "canBeDialed": True}


def station_message(**message: Any) -> StationMessage:
    parsed = parse_message({"__type": STATION, **message})
    assert isinstance(parsed, StationMessage)
    return parsed


@pytest.mark.parametrize("raw", [None, 1, "text", [], {"__type": 5}, {"isDelta": True}])
def test_not_a_known_message(raw: object) -> None:
    assert parse_message(raw) is None


@pytest.mark.parametrize(
    "message",
    [
        {"isDelta": "yes", "newStationInfo": FULL},
        {"isDelta": False, "newStationInfo": "WS-1"},
        {"isDelta": False, "newStationInfo": {**FULL, "id": 5}},
        {"isDelta": False, "newStationInfo": {**FULL, "stationSetting": "1"}},
        {"isDelta": False, "newStationInfo": {**FULL, "stationSetting": True}},
    ],
)
def test_malformed_station_message_is_dropped(message: dict[str, Any]) -> None:
    assert parse_message({"__type": STATION, **message}) is None


def test_wrongly_typed_optional_fields_are_ignored() -> None:
    message = station_message(
        isDelta=False,
        newStationInfo={
            **FULL,
            "ringAlways": "no",
            "allowedMediaTypes": [1, "2"],
            "sipUser": None,
            "somethingNew": 1,
        },
    )
    station = message.apply(None)

    assert station is not None
    assert station.ring_always is None
    assert station.allowed_media_types == ()
    assert station.sip_user is None
    assert station.can_be_dialed is True


@pytest.mark.parametrize(
    "info", [None, {}, {**FULL, "stationSetting": 0}, {**FULL, "id": ""}]
)
def test_no_station(info: dict[str, Any] | None) -> None:
    current = Station(
        id="WS-1", extension="1", station_setting=StationSetting.WORKSTATION
    )

    assert station_message(isDelta=True, newStationInfo=info).apply(current) is None


def test_flat_shape() -> None:
    message = station_message(isDelta=False, previousStationInfo=None, **FULL)

    assert message.apply(None) == Station(
        id="WS-1",
        extension="1",
        station_setting=StationSetting.WORKSTATION,
        can_be_dialed=True,
    )


def test_delta_without_a_cached_station() -> None:
    partial = station_message(isDelta=True, newStationInfo={"canBeDialed": False})
    complete = station_message(isDelta=True, newStationInfo=FULL)

    assert partial.apply(None) is None
    assert complete.apply(None) is not None


def test_a_message_without_is_delta_is_merged() -> None:
    current = Station(
        id="WS-1",
        extension="1",
        station_setting=StationSetting.WORKSTATION,
        sip_user="kept",
    )

    message = station_message(newStationInfo={**FULL, "extension": "2"})
    station = message.apply(current)

    assert message.is_delta
    assert station is not None
    assert (station.extension, station.sip_user) == ("2", "kept")


def test_full_message_replaces_the_cache() -> None:
    current = Station(
        id="WS-1",
        extension="1",
        station_setting=StationSetting.WORKSTATION,
        sip_user="old",
    )

    station = station_message(isDelta=False, newStationInfo=FULL).apply(current)

    assert station is not None
    assert station.sip_user is None


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (2, ConnectionState.DOWN),
        ("down", ConnectionState.DOWN),
        ("Up", ConnectionState.UP),
        (1, ConnectionState.UP),
    ],
)
def test_connection_state_as_number_or_text(
    value: object, state: ConnectionState
) -> None:
    message = parse_message(
        {
            "__type": CONNECTION,
            "isDelta": False,
            "previousConnectionState": "up",
            "newConnectionState": value,
            "reason": "Switchover",
            "shouldReconnect": False,
        }
    )

    assert message == ConnectionStateMessage(
        previous_state=ConnectionState.UP,
        new_state=state,
        reason="Switchover",
        should_reconnect=False,
    )


@pytest.mark.parametrize("value", [None, "sideways", True, 2.0])
def test_connection_state_unreadable(value: object) -> None:
    assert parse_message({"__type": CONNECTION, "newConnectionState": value}) is None


def test_connection_message_defaults() -> None:
    message = parse_message(
        {
            "__type": CONNECTION,
            "newConnectionState": 2,
            "reason": 5,
            "shouldReconnect": "x",
        }
    )

    assert message == ConnectionStateMessage(
        previous_state=None,
        new_state=ConnectionState.DOWN,
        reason=None,
        should_reconnect=True,
    )


def test_deeply_nested_json_is_an_error_not_a_crash() -> None:
    with pytest.raises(ValueError, match=r"(?i)recursion"):
        decode_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="unexpected end"):
        decode_json("{")


def test_bad_messages_are_reported_once_then_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, "custom_components.icws_station.icws")
    kind = "urn:example:complaintTest"
    first, second = Complaints(), Complaints()

    for _ in range(3):
        first(kind, "Ignoring a malformed %s", "thing")
    # Another client's complaints are its own: it warns once too.
    second(kind, "Ignoring a malformed %s", "thing")

    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG, logging.WARNING]
    assert "more of these are logged at debug level" in caplog.records[0].getMessage()


def test_malformed_message_reported_to_the_client_that_read_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, "custom_components.icws_station.icws")
    bad = {"__type": STATION, "isDelta": "yes"}

    assert parse_message(bad) is None
    assert parse_message(bad, Complaints()) is None

    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.DEBUG, logging.WARNING]
