"""The user's queue over real HTTP: calls as they ring, connect, hold and end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from custom_components.icws_station.icws import (
    CallDirection,
    IcwsClient,
    Interaction,
    InteractionState,
    Message,
    QueueContentsMessage,
    RetrievalMode,
    StationMessage,
    SubscriptionKind,
    SubscriptionRefusedMessage,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator
from tests.conftest import USERNAME

from .conftest import WAIT, next_message, next_station_message


@pytest.fixture(params=[RetrievalMode.SSE, RetrievalMode.POLL])
async def messages(
    request: pytest.FixtureRequest, client: IcwsClient
) -> AsyncIterator[AsyncIterator[Message]]:
    """A logged-in client watching its user's queue."""
    info = await client.login()
    assert info.supports_queues
    await client.subscribe_queue()
    async with aclosing(client.messages(request.param, poll_interval=0.05)) as stream:
        yield stream


async def follow(
    messages: AsyncIterator[Message], queue: dict[str, Interaction]
) -> dict[str, Interaction]:
    message = await next_message(messages, QueueContentsMessage)
    return message.apply(queue)


async def test_a_call_rings_connects_is_held_and_ends(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    first = await next_message(messages, QueueContentsMessage)
    assert not first.is_delta
    queue = first.apply({})
    assert queue == {}

    call_id = simulator.calls.ring(USERNAME, "Ada Lovelace", "3175550100")
    queue = await follow(messages, queue)
    call = queue[call_id]
    assert call.state is InteractionState.ALERTING
    assert call.object_type == "Call"
    assert call.direction is CallDirection.INBOUND
    assert (call.remote_name, call.remote_number) == ("Ada Lovelace", "3175550100")
    assert call.initiation_time is not None
    assert "Ada" not in repr(call)

    simulator.calls.answer(call_id)
    queue = await follow(messages, queue)
    assert queue[call_id].state is InteractionState.CONNECTED
    assert queue[call_id].connect_time is not None
    assert queue[call_id].remote_name == "Ada Lovelace"  # kept through the delta

    simulator.calls.hold(call_id)
    queue = await follow(messages, queue)
    assert queue[call_id].state is InteractionState.HELD

    simulator.calls.disconnect(call_id)
    queue = await follow(messages, queue)
    assert queue[call_id].state is InteractionState.DISCONNECTED_EXTERNALLY

    simulator.calls.remove(call_id)  # as the server does a moment after the call ends
    queue = await follow(messages, queue)
    assert queue == {}


async def test_a_call_in_progress_comes_in_the_first_message(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    call_id = simulator.calls.place_call(USERNAME, "3175550199")
    await client.subscribe_queue()

    async with aclosing(client.messages(RetrievalMode.SSE)) as stream:
        first = await next_message(stream, QueueContentsMessage)

    assert not first.is_delta
    (call,) = first.apply({}).values()
    assert call.interaction_id == call_id
    assert call.direction is CallDirection.OUTBOUND
    assert call.remote_number == "3175550199"


@pytest.mark.parametrize("simulator_options", [{"status_version": 1}])
async def test_server_without_the_queue_feature(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    simulator.queues_version = 0

    info = await client.login()

    assert not info.supports_queues


async def test_a_refused_renewal_is_a_message_and_does_not_stop_the_others(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))
    await client.subscribe_queue()
    await client.subscribe_station()
    async with aclosing(client.messages(RetrievalMode.SSE)) as stream:
        await next_message(stream, QueueContentsMessage)
        await next_station_message(stream)

        simulator.queues_version = 0  # the server no longer offers the queue watch
        simulator.sessions.drop_sse_mid_event()
        simulator.stations.change("WS-114", extension="300")

        refused = await next_message(stream, SubscriptionRefusedMessage)
        station = (await next_station_message(stream)).apply(None)

    assert refused == SubscriptionRefusedMessage(
        SubscriptionKind.QUEUE, 404, "error.request.notFound"
    )
    assert station is not None
    assert station.extension == "300"
    assert client.logged_in


@pytest.mark.parametrize("mode", [RetrievalMode.SSE, RetrievalMode.POLL])
async def test_every_refused_renewal_names_its_subscription(
    simulator: IcwsSimulator, client: IcwsClient, mode: RetrievalMode
) -> None:
    await client.login()
    await client.subscribe_station()
    await client.subscribe_user_statuses()
    await client.subscribe_status_catalogue()
    await client.subscribe_user_status_access()
    await client.subscribe_queue()
    await client.subscribe_messages_waiting()
    async with aclosing(client.messages(mode, poll_interval=0.05)) as stream:
        await next_message(stream, QueueContentsMessage)
    # A switchover partner on another release: no statuses, queues or voicemail any more.
    simulator.status.version = 0
    simulator.queues_version = 0
    simulator.voicemail.offered = False

    received: list[Message] = []
    async with aclosing(client.messages(mode, poll_interval=0.05)) as stream:
        async with asyncio.timeout(WAIT):
            async for message in stream:
                received.append(message)
                if isinstance(message, StationMessage):
                    break

    refusals = [m for m in received if isinstance(m, SubscriptionRefusedMessage)]
    assert {refusal.kind for refusal in refusals} == {
        SubscriptionKind.USER_STATUSES,
        SubscriptionKind.STATUS_CATALOGUE,
        SubscriptionKind.STATUS_ACCESS,
        SubscriptionKind.QUEUE,
        SubscriptionKind.MESSAGES_WAITING,
    }
    assert len(refusals) == 5
    assert {refusal.status for refusal in refusals} == {404}
    # The renewal granted still brings its full message, after the refusals.
    assert received[-1] == StationMessage(is_delta=False, changes=None)
    assert client.logged_in
