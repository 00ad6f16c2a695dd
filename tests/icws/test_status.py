"""The user's status over real HTTP: watch it, read the catalogue and access list, set it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime

import pytest

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsStatusError,
    Message,
    RetrievalMode,
    StatusCatalogueMessage,
    StatusDefinition,
    UserStatus,
    UserStatusAccessMessage,
    UserStatusMessage,
    id_key,
)
from icws_simulator import IcwsSimulator, Until
from tests.conftest import USERNAME

from .conftest import next_message

POLL_INTERVAL = 0.05


@pytest.fixture(params=[RetrievalMode.SSE, RetrievalMode.POLL])
async def messages(
    request: pytest.FixtureRequest, client: IcwsClient
) -> AsyncIterator[AsyncIterator[Message]]:
    """A logged-in client watching its user's status, catalogue and access list."""
    info = await client.login()
    assert info.supports_status
    await client.subscribe_user_statuses()
    await client.subscribe_status_catalogue()
    await client.subscribe_user_status_access()
    async with aclosing(
        client.messages(request.param, poll_interval=POLL_INTERVAL)
    ) as stream:
        yield stream


async def next_status(messages: AsyncIterator[Message]) -> UserStatusMessage:
    return await next_message(messages, UserStatusMessage)


async def test_statuses_full_then_deltas(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    first = await next_status(messages)
    assert not first.is_delta
    statuses = first.apply({})
    assert set(statuses) == {id_key(USERNAME)}
    assert statuses[id_key(USERNAME)].status_id == "Available"

    until = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    simulator.status.set_user_status(
        USERNAME, "Out of the Office", notes="Dentist", until=Until(until)
    )
    message = await next_status(messages)
    statuses = message.apply(statuses)

    status = statuses[id_key(USERNAME)]
    assert message.is_delta
    assert status.status_id == "Out of the Office"
    assert status.notes == "Dentist"
    assert status.until == until
    assert status.status_changed is not None
    assert "Dentist" not in repr(status)  # personal data stays out of repr


async def test_catalogue_and_access_messages(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    catalogue = (await next_message(messages, StatusCatalogueMessage)).apply({})
    access = (await next_message(messages, UserStatusAccessMessage)).apply({})

    dnd = catalogue[id_key("do not disturb")]
    assert dnd.is_do_not_disturb
    assert dnd.message_text == "Do Not Disturb"
    assert any(
        message.is_acd and not message.is_selectable for message in catalogue.values()
    )
    assert "Do Not Disturb" in access[id_key(USERNAME)]

    simulator.status.revoke_access(USERNAME, "Do Not Disturb")
    access = (await next_message(messages, UserStatusAccessMessage)).apply(access)
    assert id_key("Do Not Disturb") not in {id_key(s) for s in access[id_key(USERNAME)]}


async def test_renewal_after_a_gap_sends_every_subscription_in_full(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    await client.subscribe_station()
    await client.subscribe_user_statuses()
    await client.subscribe_status_catalogue()
    async with aclosing(client.messages(RetrievalMode.SSE)) as stream:
        await next_message(stream, UserStatusMessage)
        await next_message(stream, StatusCatalogueMessage)

        simulator.sessions.drop_sse_mid_event()
        simulator.status.set_user_status(USERNAME, "At Lunch")

        # The delta is cut; the renewed subscriptions bring full messages again.
        status = await next_message(stream, UserStatusMessage)
        catalogue = await next_message(stream, StatusCatalogueMessage)
    assert not status.is_delta
    assert status.apply({})[id_key(USERNAME)].status_id == "At Lunch"
    assert catalogue.apply({})
    renewals = [
        path
        for method, path, _ in simulator.traffic.requests
        if method == "PUT" and "/messaging/subscriptions/" in path
    ]
    assert len(renewals) == 6  # three subscriptions, each renewed once


async def test_one_off_reads(client: IcwsClient, simulator: IcwsSimulator) -> None:
    await client.login()

    catalogue = await client.get_status_catalogue()
    access = await client.get_user_status_access()
    status = await client.get_user_status()

    assert all(isinstance(message, StatusDefinition) for message in catalogue)
    assert {id_key(m.status_id) for m in catalogue} >= {id_key(s) for s in access}
    assert status == UserStatus(
        user_id=USERNAME,
        status_id="Available",
        notes=status.notes,
        forward_number=status.forward_number,
        until=None,
        on_phone=False,
        on_phone_changed=status.on_phone_changed,
        status_changed=status.status_changed,
        stations=(),
        ic_servers=status.ic_servers,
        logged_in=status.logged_in,
    )


async def test_set_user_status(client: IcwsClient, simulator: IcwsSimulator) -> None:
    await client.login()
    until = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

    await client.set_user_status(
        "do not disturb", notes="Focus", forward_number="3175550000", until=until
    )

    status = await client.get_user_status()
    assert id_key(status.status_id) == id_key("Do Not Disturb")
    assert (status.notes, status.forward_number, status.until) == (
        "Focus",
        "3175550000",
        until,
    )


@pytest.mark.parametrize(
    ("status_id", "reason", "http"),
    [("No Such Status", "unknown_status", 400), ("Gone Home", "not_allowed", 403)],
)
async def test_set_user_status_refused(
    client: IcwsClient,
    simulator: IcwsSimulator,
    status_id: str,
    reason: str,
    http: int,
) -> None:
    simulator.status.revoke_access(USERNAME, "Gone Home")
    await client.login()

    with pytest.raises(IcwsStatusError) as caught:
        await client.set_user_status(status_id)

    assert caught.value.reason == reason
    assert caught.value.status == http
    assert (await client.get_user_status()).status_id == "Available"


@pytest.mark.parametrize("simulator_options", [{"status_version": 0}])
async def test_server_without_the_status_feature(client: IcwsClient) -> None:
    info = await client.login()

    assert not info.supports_status


@pytest.mark.parametrize("user_id", [".", "..", "ada/../jdoe", "ada\nx"])
async def test_a_user_id_that_is_no_path_segment_is_never_sent(
    client: IcwsClient, simulator: IcwsSimulator, user_id: str
) -> None:
    await client.login()
    sent = len(simulator.traffic.requests)

    with pytest.raises(ValueError, match="not one path segment"):
        await client.set_user_status("At Lunch", user_id=user_id)
    with pytest.raises(ValueError, match="not one path segment"):
        await client.get_user_status(user_id)

    assert simulator.traffic.requests[sent:] == []
