"""Voicemail waiting over real HTTP, and its messages read tolerantly (§18)."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

import pytest

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsResponseError,
    MessagesWaitingMessage,
    MessagesWaitingState,
    MessagesWaitingStateMessage,
    RetrievalMode,
    StationMessage,
    SubscriptionKind,
    SubscriptionRefusedMessage,
)
from custom_components.icws_station.icws.messages import parse_message
from icws_simulator import IcwsSimulator
from tests.conftest import USERNAME

from .conftest import next_message

MWI = "urn:inin.com:unifiedMessaging:mwiMessage"
MWI_STATE = "urn:inin.com:unifiedMessaging:mwiSubscriptionStateMessage"
SUBSCRIPTION = "messaging/subscriptions/unified-messaging/messages-waiting-indicator"


@pytest.mark.parametrize("mode", [RetrievalMode.SSE, RetrievalMode.POLL])
async def test_state_count_changes_and_recount(
    simulator: IcwsSimulator, client: IcwsClient, mode: RetrievalMode
) -> None:
    simulator.voicemail.set_count(USERNAME, 2)
    await client.login()
    await client.subscribe_messages_waiting()

    async with aclosing(client.messages(mode, poll_interval=0.05)) as stream:
        state = await next_message(stream, MessagesWaitingStateMessage)
        first = await next_message(stream, MessagesWaitingMessage)
        simulator.voicemail.set_count(USERNAME, 3)
        changed = await next_message(stream, MessagesWaitingMessage)
        await client.refresh_messages_waiting()
        recounted = await next_message(stream, MessagesWaitingMessage)

    assert state == MessagesWaitingStateMessage(MessagesWaitingState.NORMAL)
    assert state.normal
    assert (first.count, first.is_delta) == (2, False)
    assert (changed.count, recounted.count) == (3, 3)


async def test_a_server_that_does_not_offer_it_refuses_once(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    """The refusal is an error to the caller, and the subscription is never renewed."""
    simulator.voicemail.offered = False
    await client.login()

    with pytest.raises(IcwsResponseError) as refused:
        await client.subscribe_messages_waiting()
    assert refused.value.status == 404

    await client.subscribe_station()
    for _ in range(2):  # the second retrieval renews what the session holds
        async with aclosing(client.messages(RetrievalMode.POLL, 0.05)) as stream:
            await next_message(stream, StationMessage)
    asked = [
        path for _, path, _ in simulator.traffic.requests if path.endswith(SUBSCRIPTION)
    ]
    assert len(asked) == 1


async def test_a_refused_renewal_names_voicemail(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    await client.subscribe_messages_waiting()
    async with aclosing(client.messages(RetrievalMode.SSE)) as stream:
        await next_message(stream, MessagesWaitingMessage)
    simulator.voicemail.offered = False

    async with aclosing(client.messages(RetrievalMode.SSE)) as stream:
        refused = await next_message(stream, SubscriptionRefusedMessage)

    assert refused.kind is SubscriptionKind.MESSAGES_WAITING
    assert refused.status == 404


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"__type": MWI, "isDelta": False, "messagesWaiting": 0}, 0),
        ({"__type": MWI, "isdelta": False, "MessagesWaiting": "4"}, 4),
        ({"__type": MWI, "messagesWaiting": 1}, 1),
        ({"__type": MWI, "isDelta": False, "messagesWaiting": -1}, None),
        ({"__type": MWI, "isDelta": False, "messagesWaiting": True}, None),
        ({"__type": MWI, "isDelta": False, "messagesWaiting": "many"}, None),
        # A digit that is no decimal digit: malformed, not the end of the message stream.
        ({"__type": MWI, "isDelta": False, "messagesWaiting": "\u00b2"}, None),
        ({"__type": MWI, "isDelta": False}, None),
    ],
)
def test_count_messages(raw: dict[str, Any], expected: int | None) -> None:
    message = parse_message(raw)
    if expected is None:
        assert message is None
    else:
        assert isinstance(message, MessagesWaitingMessage)
        assert message.count == expected


@pytest.mark.parametrize(
    ("raw", "state", "error"),
    [
        ({"state": 1}, MessagesWaitingState.NORMAL, None),
        ({"state": 3, "error": "Store offline"}, MessagesWaitingState.FAULTED, "Store offline"),
        ({"state": 2, "error": {"message": "Paused"}}, MessagesWaitingState.SUSPENDED, "Paused"),
        ({"state": 7, "error": None}, MessagesWaitingState(7), None),
        ({"state": "1"}, None, None),
        ({}, None, None),
    ],
)  # fmt: skip
def test_state_messages(
    raw: dict[str, Any],
    state: MessagesWaitingState | None,
    error: str | None,
) -> None:
    message = parse_message({"__type": MWI_STATE, "isDelta": False, **raw})
    if state is None:
        assert message is None
        return
    assert message == MessagesWaitingStateMessage(state, error)
    assert message.normal is (state is MessagesWaitingState.NORMAL)
