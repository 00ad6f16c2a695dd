"""Workgroup activation over real HTTP: read, set and watch the user's activations (§16)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsNotAllowedError,
    IcwsResponseError,
    Message,
    RetrievalMode,
    SubscriptionKind,
    SubscriptionRefusedMessage,
    UserActivationMessage,
    UserActivations,
    workgroup_key,
)
from custom_components.icws_station.icws.activations import (
    user_activation_message,
    user_activations,
)
from custom_components.icws_station.icws.fields import InvalidFieldError
from icws_simulator import IcwsSimulator
from tests.conftest import USERNAME

from .conftest import next_message

POLL_INTERVAL = 0.05


@pytest.fixture(params=[RetrievalMode.SSE, RetrievalMode.POLL])
async def messages(
    request: pytest.FixtureRequest, client: IcwsClient
) -> AsyncIterator[AsyncIterator[Message]]:
    """A logged-in client watching its user's activations in every workgroup."""
    info = await client.login()
    assert info.supports_activations
    assert await client.subscribe_user_activations() == "icws-station-activations"
    async with aclosing(
        client.messages(request.param, poll_interval=POLL_INTERVAL)
    ) as stream:
        yield stream


async def test_watch_full_then_deltas(
    simulator: IcwsSimulator, messages: AsyncIterator[Message]
) -> None:
    first = await next_message(messages, UserActivationMessage)
    assert not first.is_delta
    assert first.subscription_id == "icws-station-activations"
    assert first.user_id == USERNAME
    activations = first.apply({"Gone": True})
    assert activations == {"Support": True, "Sales": False}

    simulator.workgroups.set_member("Sales", USERNAME, True)  # a supervisor's change
    delta = await next_message(messages, UserActivationMessage)
    assert delta.is_delta
    assert delta.apply(activations) == {"Support": True, "Sales": True}


async def test_set_changes_only_the_given_workgroup(
    simulator: IcwsSimulator, client: IcwsClient, messages: AsyncIterator[Message]
) -> None:
    activations = (await next_message(messages, UserActivationMessage)).apply({})
    answer = await client.set_user_activations({"Sales": True})
    assert answer == UserActivations(USERNAME, {"Support": True, "Sales": True})
    assert answer.activated("sales") is True
    assert answer.activated("Nowhere") is None
    message = await next_message(messages, UserActivationMessage)
    assert message.apply(activations) == {"Support": True, "Sales": True}
    assert simulator.workgroups.activations(USERNAME) == {
        "Support": True,
        "Sales": True,
    }


async def test_read_the_activations(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    await client.login()
    assert await client.get_user_activations() == UserActivations(
        USERNAME, {"Support": True, "Sales": False}
    )
    narrowed = await client.get_user_activations(workgroups=["Sales"])
    assert dict(narrowed.activations) == {"Sales": False}
    with pytest.raises(IcwsResponseError) as caught:
        await client.get_user_activations("nobody")
    assert caught.value.status == 404


async def test_refusals_are_typed(simulator: IcwsSimulator, client: IcwsClient) -> None:
    await client.login()
    simulator.workgroups.refuse(USERNAME)
    with pytest.raises(IcwsNotAllowedError) as refused:
        await client.set_user_activations({"Sales": True})
    assert refused.value.status == 403
    assert simulator.workgroups.activations(USERNAME)["Sales"] is False
    simulator.workgroups.refuse(USERNAME, refused=False)
    with pytest.raises(IcwsResponseError) as unknown:
        await client.set_user_activations({"Nowhere": True})
    assert unknown.value.status == 400
    assert not isinstance(unknown.value, IcwsNotAllowedError)


@pytest.mark.parametrize("mode", [RetrievalMode.SSE, RetrievalMode.POLL])
async def test_a_refused_renewal_is_reported(
    simulator: IcwsSimulator, client: IcwsClient, mode: RetrievalMode
) -> None:
    """A partner without the feature refuses the renewal: the caller hears of it."""
    await client.login()
    await client.subscribe_user_activations()
    async with aclosing(client.messages(mode, poll_interval=POLL_INTERVAL)) as stream:
        await next_message(stream, UserActivationMessage)
    simulator.workgroups.version = 0
    async with aclosing(client.messages(mode, poll_interval=POLL_INTERVAL)) as stream:
        refusal = await next_message(stream, SubscriptionRefusedMessage)
    assert refusal.kind is SubscriptionKind.ACTIVATIONS
    assert refusal.status == 404


async def test_an_answer_without_a_set_is_no_error(
    simulator: IcwsSimulator, client: IcwsClient
) -> None:
    """[guess] The PUT's answer is documented by its type's name only: tolerate none."""
    await client.login()
    simulator.workgroups.answer_with_set = False
    assert await client.set_user_activations({"Sales": True}) is None
    assert simulator.workgroups.activations(USERNAME)["Sales"] is True


def test_a_set_needs_its_user() -> None:
    assert user_activations({"userId": "jdoe"}) == UserActivations("jdoe", {})
    malformed: list[object] = [
        [],
        {"activations": {}},
        {"userId": "jdoe", "activations": []},
    ]
    for raw in malformed:
        with pytest.raises(InvalidFieldError):
            user_activations(raw)


@pytest.mark.parametrize(
    ("raw", "changes", "is_delta"),
    [
        ({"isDelta": False, "activationsChanged": {"A": True}}, {"A": True}, False),
        ({"isdelta": True, "ActivationsChanged": {"A": False}}, {"A": False}, True),
        ({"activationsChanged": {"A": "yes", "": True, "B": True}}, {"B": True}, True),
        ({"isDelta": False}, {}, False),
    ],
)
def test_messages_are_read_tolerantly(
    raw: dict[str, Any], changes: dict[str, bool], is_delta: bool
) -> None:
    message = user_activation_message(raw)
    assert dict(message.changes) == changes
    assert message.is_delta is is_delta
    assert message.subscription_id is None
    assert message.user_id is None


def test_merge_matches_workgroups_without_case() -> None:
    message = user_activation_message(
        {"isDelta": True, "activationsChanged": {"support": False}}
    )
    assert message.apply({"Support": True, "Sales": False}) == {
        "Sales": False,
        "support": False,
    }
    assert workgroup_key("Support") == workgroup_key("SUPPORT")
