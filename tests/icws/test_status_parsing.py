"""Status and queue messages a server might send in other shapes: tolerated, never fatal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.icws_station.icws import (
    CallDirection,
    Interaction,
    InteractionState,
    QueueContentsMessage,
    StatusCatalogueMessage,
    StatusDefinition,
    UserStatus,
    UserStatusAccessMessage,
    UserStatusMessage,
    id_key,
)
from custom_components.icws_station.icws.messages import parse_message

USER_STATUS = "urn:inin.com:status:userStatusMessage"
CATALOGUE = "urn:inin.com:status:statusMessagesMessage"
ACCESS = "urn:inin.com:status:statusMessagesUserAccessMessage"
QUEUE = "urn:inin.com:queues:queueContentsMessage"


def parse[T](kind: type[T], **raw: Any) -> T:
    message = parse_message(raw)
    assert isinstance(message, kind)
    return message


def statuses(*entries: dict[str, Any], is_delta: bool = True) -> UserStatusMessage:
    return parse(
        UserStatusMessage,
        __type=USER_STATUS,
        isDelta=is_delta,
        userStatusList=list(entries),
    )


def test_user_status_fields_in_any_key_case() -> None:
    message = statuses(
        {
            "USERID": "jdoe",
            "statusid": "Do Not disturb",
            "Notes": "Focus",
            "until": {"untilDateTime": "20261128T170000Z", "hasDate": True},
            "onPhone": True,
            "onPhoneChanged": "20210706T193229Z",
            "stations": ["WS-114", 5],
            "icServers": ["CIC01"],
            "loggedIn": True,
            "presenceServer": "ignored",
            "somethingNew": {"x": 1},
        },
        is_delta=False,
    )

    (status,) = message.apply({}).values()
    assert status == UserStatus(
        user_id="jdoe",
        status_id="Do Not disturb",
        notes="Focus",
        until=datetime(2026, 11, 28, 17, tzinfo=UTC),
        on_phone=True,
        on_phone_changed=datetime(2021, 7, 6, 19, 32, 29, tzinfo=UTC),
        stations=("WS-114",),
        ic_servers=("CIC01",),
        logged_in=True,
    )


def test_full_message_replaces_and_deltas_merge_by_user() -> None:
    cache = statuses(
        {"userId": "jdoe", "statusId": "Available", "notes": "hi"},
        {"userId": "asmith", "statusId": "At Lunch"},
        is_delta=False,
    ).apply({})

    # A delta in another case of the user id merges; absent fields keep their value,
    # a null clears, a wrongly typed optional field is ignored.
    cache = statuses(
        {"userId": "JDOE", "onPhone": True, "until": None, "loggedIn": "yes"}
    ).apply(cache)
    assert cache[id_key("jdoe")].status_id == "Available"
    assert cache[id_key("jdoe")].notes == "hi"
    assert cache[id_key("jdoe")].on_phone is True
    assert cache[id_key("jdoe")].logged_in is None

    # A delta for a user not cached, without a status, has nothing to show.
    cache = statuses({"userId": "nobody", "onPhone": True}).apply(cache)
    assert set(cache) == {"jdoe", "asmith"}

    # A full message clears the cache, even when it lists one user only.
    cache = statuses({"userId": "jdoe", "statusId": "Gone Home"}, is_delta=False).apply(
        cache
    )
    assert {key: s.status_id for key, s in cache.items()} == {"jdoe": "Gone Home"}


def test_bad_user_status_entries_are_skipped() -> None:
    message = statuses(
        {"statusId": "Available"},  # no user
        {"userId": "jdoe", "statusId": 5},  # status of the wrong type
        {"userId": "asmith", "statusId": "Available", "until": "not a date"},
        is_delta=False,
    )

    cache = message.apply({})
    assert list(cache) == ["asmith"]
    assert cache["asmith"].until is None


@pytest.mark.parametrize(
    "raw",
    [
        {"isDelta": "no", "userStatusList": []},
        {"isDelta": False, "userStatusList": {"userId": "jdoe"}},
    ],
)
def test_malformed_user_status_message_is_dropped(raw: dict[str, Any]) -> None:
    assert parse_message({"__type": USER_STATUS, **raw}) is None


def catalogue_entry(status_id: str, **flags: Any) -> dict[str, Any]:
    return {"statusId": status_id, "messageText": status_id.title(), **flags}


def test_catalogue_flags_in_any_key_case() -> None:
    message = parse(
        StatusCatalogueMessage,
        __type=CATALOGUE,
        isDelta=False,
        statusMessagesAdded=[
            catalogue_entry(
                "AcdAgentNotAnswering",
                isACDStatus=True,
                isSelectableStatus=False,
                iconUri="/icon",
                groupTag="Acd",
                systemId="7",
            ),
            catalogue_entry("Do Not Disturb", isDoNotDisturbStatus=True, canHaveDate=1),
            {"statusId": "Available"},  # no text: the id stands in
            {"messageText": "no id"},
        ],
    )

    catalogue = message.apply({"old": StatusDefinition("Old", "Old")})

    assert set(catalogue) == {"acdagentnotanswering", "do not disturb", "available"}
    acd = catalogue["acdagentnotanswering"]
    assert (
        acd.is_acd,
        acd.is_selectable,
        acd.icon_uri,
        acd.group_tag,
        acd.system_id,
    ) == (
        True,
        False,
        "/icon",
        "Acd",
        "7",
    )
    assert catalogue["do not disturb"].is_do_not_disturb
    assert not catalogue["do not disturb"].can_have_date  # 1 is not a boolean
    assert catalogue["available"].message_text == "Available"


def test_catalogue_changes() -> None:
    catalogue = {
        id_key(s): StatusDefinition(s, s)
        for s in ("Available", "At Lunch", "Gone Home")
    }
    message = parse(
        StatusCatalogueMessage,
        __type=CATALOGUE,
        isDelta=True,
        statusMessagesChanged=[catalogue_entry("AVAILABLE")],
        statusMessagesRemoved=["at lunch"],
    )

    catalogue = message.apply(catalogue)

    assert set(catalogue) == {"available", "gone home"}
    assert catalogue["available"].message_text == "Available"
    assert catalogue["available"].status_id == "AVAILABLE"


def test_access_changes_compare_case_insensitively() -> None:
    full = parse(
        UserStatusAccessMessage,
        __type=ACCESS,
        isDelta=False,
        statusMessagesUserAccessChanges=[
            {
                "userId": "jdoe",
                "statusMessagesAdded": ["Available", "AVAILABLE", "Gone Home"],
            },
            {"statusMessagesAdded": ["no user"]},
        ],
    )
    access = full.apply({"someone": frozenset({"x"})})
    assert access == {"jdoe": frozenset({"Available", "Gone Home"})}

    delta = parse(
        UserStatusAccessMessage,
        __type=ACCESS,
        isDelta=True,
        statusMessagesUserAccessChanges=[
            {
                "USERID": "JDoe",
                "statusMessagesAdded": ["At Lunch"],
                "statusMessagesRemoved": ["gone home"],
            }
        ],
    )
    assert delta.apply(access) == {"jdoe": frozenset({"Available", "At Lunch"})}


def queue(**raw: Any) -> QueueContentsMessage:
    return parse(QueueContentsMessage, __type=QUEUE, **raw)


def test_queue_tolerates_new_letters_directions_and_shapes() -> None:
    message = queue(
        subscriptionId="q1",
        isDelta=False,
        interactionsAdded=[
            {
                "interactionId": "1",
                "attributes": {
                    "EIC_STATE": "Z",
                    "Eic_CallDirection": "T",
                    "Eic_ObjectType": "Callback",
                    "Eic_InitiationTime": "soon",
                    "Eic_Other": 5,
                },
            },
            {"interactionId": "2", "attributes": {"Eic_State": "c"}},
            {"interactionId": "3"},
            {"attributes": {"Eic_State": "A"}},
        ],
        queueResultLimitExceeded=True,
    )

    interactions = message.apply({"stale": Interaction.from_attributes("stale", {})})

    assert message.subscription_id == "q1"
    assert message.limit_exceeded
    assert set(interactions) == {"1", "2", "3"}
    odd = interactions["1"]
    assert odd.state == "Z"
    assert odd.state.name == "UNKNOWN_Z"
    assert odd.direction == "T"
    assert odd.object_type == "Callback"
    assert odd.initiation_time is None
    assert "Eic_Other" not in odd.attributes
    assert interactions["2"].state is InteractionState.CONNECTED
    assert interactions["3"].state is InteractionState.NONE
    assert interactions["3"].direction is None


def test_queue_deltas_merge_attributes_and_remove() -> None:
    current = queue(
        isDelta=False,
        interactionsAdded=[
            {
                "interactionId": "1",
                "attributes": {"Eic_State": "A", "Eic_CallDirection": "I"},
            }
        ],
    ).apply({})

    current = queue(
        isDelta=True,
        interactionsChanged=[
            {"interactionId": "1", "attributes": {"eic_state": "C"}},
            {"interactionId": "9", "attributes": {"Eic_State": "R"}},
        ],
        interactionsRemoved=["", "404"],
    ).apply(current)

    assert current["1"].state is InteractionState.CONNECTED
    assert current["1"].direction is CallDirection.INBOUND
    assert current["1"].attributes == {"Eic_CallDirection": "I", "eic_state": "C"}
    assert current["9"].state is InteractionState.PROCEEDING

    current = queue(isDelta=True, interactionsRemoved=["1"]).apply(current)
    assert set(current) == {"9"}


@pytest.mark.parametrize(
    "raw",
    [
        {"isDelta": 0},
        {"isDelta": True, "interactionsRemoved": "1"},
        {"isDelta": True, "interactionsAdded": {"interactionId": "1"}},
    ],
)
def test_malformed_queue_message_is_dropped(raw: dict[str, Any]) -> None:
    assert parse_message({"__type": QUEUE, **raw}) is None
