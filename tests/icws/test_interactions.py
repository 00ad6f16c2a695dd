"""Call control and new calls over real HTTP: what the server then shows in the queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from multidict import CIMultiDict, CIMultiDictProxy
import pytest

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsInteractionError,
    IcwsResponseError,
    IcwsSessionLostError,
    Interaction,
    InteractionState,
    Message,
    QueueContentsMessage,
    RetrievalMode,
    WorkstationSettings,
)
from custom_components.icws_station.icws.interactions import create_call
from custom_components.icws_station.icws.transport import Response
from icws_simulator import IcwsSimulator, interactions_http
from tests.conftest import USERNAME

from .conftest import next_message

CALLER = ("Ada Lovelace", "3175550100")


class Queue:
    """The user's queue as the client's messages make it."""

    def __init__(self, messages: AsyncIterator[Message]) -> None:
        """Follow ``messages``."""
        self.messages = messages
        self.calls: dict[str, Interaction] = {}

    async def next(self) -> dict[str, Interaction]:
        """Apply the next queue message; return the queue."""
        message = await next_message(self.messages, QueueContentsMessage)
        self.calls = message.apply(self.calls)
        return self.calls


@pytest.fixture
async def queue(simulator: IcwsSimulator, client: IcwsClient) -> AsyncIterator[Queue]:
    """A logged-in client watching its queue (first message read); ended calls stay."""
    simulator.calls.removal_delay = None
    simulator.calls.proceed_delay = None
    await client.login()
    await client.subscribe_queue()
    async with aclosing(client.messages(RetrievalMode.SSE)) as stream:
        followed = Queue(stream)
        await followed.next()
        yield followed


async def test_answer_hold_mute_digits_and_hang_up(
    simulator: IcwsSimulator, client: IcwsClient, queue: Queue
) -> None:
    """Each action is accepted (200 or 204) and the queue watch shows what it did."""
    call = simulator.calls.ring(USERNAME, *CALLER)
    assert (await queue.next())[call].state is InteractionState.ALERTING

    await client.pickup_interaction(call)
    shown = (await queue.next())[call]
    assert shown.state is InteractionState.CONNECTED
    assert shown.state_text == "Connected"
    assert shown.muted is False
    assert shown.capabilities is not None

    await client.hold_interaction(call)
    assert (await queue.next())[call].state is InteractionState.HELD
    await client.hold_interaction(call, on=False)
    assert (await queue.next())[call].state is InteractionState.CONNECTED

    await client.mute_interaction(call)
    shown = (await queue.next())[call]
    assert shown.muted is True
    assert shown.remote_name == CALLER[0]  # kept through the delta
    await client.mute_interaction(call, on=False)
    assert (await queue.next())[call].muted is False

    await client.send_digits(call, "1#")
    assert simulator.calls.interactions[call].digits == "1#"

    await client.disconnect_interaction(call)
    assert (await queue.next())[call].state is InteractionState.DISCONNECTED_INTERNALLY


async def test_transfer_takes_the_call_off_the_queue(
    simulator: IcwsSimulator, client: IcwsClient, queue: Queue
) -> None:
    call = simulator.calls.ring(USERNAME, *CALLER)
    await queue.next()

    await client.transfer_interaction(call, "201")

    assert await queue.next() == {}
    assert simulator.calls.transfers == {call: "201"}


async def test_make_call_returns_the_call_the_queue_shows(
    simulator: IcwsSimulator, client: IcwsClient, queue: Queue
) -> None:
    """201 with the new id; the queue shows the same call, dialing, on the workgroup."""
    call = await client.make_call("3175550199", workgroup="Support")

    shown = (await queue.next())[call]
    assert shown.state is InteractionState.DIALING
    assert shown.remote_number == "3175550199"
    assert shown.attributes.get("Eic_WorkgroupName") is None  # not asked for
    assert simulator.calls.interactions[call].workgroup == "Support"


async def test_refusals_carry_the_servers_message(
    simulator: IcwsSimulator, client: IcwsClient, queue: Queue
) -> None:
    """A call that is gone is 404 (not_found); a wrong state is 400, with its words."""
    theirs_or_gone = "1234567890"
    with pytest.raises(IcwsInteractionError) as gone:
        await client.pickup_interaction(theirs_or_gone)
    assert gone.value.not_found
    assert gone.value.status == 404
    assert gone.value.server_message == "The interaction could not be found."

    call = simulator.calls.ring(USERNAME, *CALLER)
    with pytest.raises(IcwsInteractionError) as refused:
        await client.hold_interaction(call)
    assert not refused.value.not_found
    assert refused.value.status == 400
    assert refused.value.server_message
    assert refused.value.server_message in str(refused.value)
    assert simulator.calls.interactions[call].state == "A"


async def test_a_stationless_session_is_refused_by_such_a_server(
    simulator: IcwsSimulator, client: IcwsClient, queue: Queue
) -> None:
    """The server decides (§14): this one needs a station; the client only reports it."""
    simulator.calls.refuse_stationless = True
    call = simulator.calls.ring(USERNAME, *CALLER)

    with pytest.raises(IcwsInteractionError) as refused:
        await client.pickup_interaction(call)
    assert refused.value.server_message == "There is no station to carry the call."
    with pytest.raises(IcwsInteractionError):
        await client.make_call("100")

    await client.connect_station(WorkstationSettings("WS-114"))
    await client.pickup_interaction(call)
    assert simulator.calls.interactions[call].state == "C"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
async def test_any_2xx_is_success(
    simulator: IcwsSimulator,
    client: IcwsClient,
    queue: Queue,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
) -> None:
    monkeypatch.setitem(interactions_http.ANSWERS, "disconnect", status)
    call = simulator.calls.ring(USERNAME, *CALLER)

    await client.disconnect_interaction(call)

    assert simulator.calls.interactions[call].state == "I"


async def test_server_error_is_a_connection_error(
    simulator: IcwsSimulator,
    client: IcwsClient,
    queue: Queue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 5xx may have been carried out: a connection error, never an interaction error."""
    monkeypatch.setitem(interactions_http.ANSWERS, "pickup", 503)
    call = simulator.calls.ring(USERNAME, *CALLER)

    with pytest.raises(IcwsConnectionError) as failed:
        await client.pickup_interaction(call)

    assert not isinstance(failed.value, IcwsInteractionError)


@pytest.mark.parametrize("interaction_id", ["", ".", "..", "1/pickup", "12\n3"])
async def test_an_id_that_is_no_path_segment_is_never_sent(
    simulator: IcwsSimulator, client: IcwsClient, queue: Queue, interaction_id: str
) -> None:
    sent = len(simulator.traffic.requests)

    with pytest.raises(ValueError, match="not one path segment"):
        await client.disconnect_interaction(interaction_id)

    assert len(simulator.traffic.requests) == sent


async def test_not_logged_in(client: IcwsClient) -> None:
    with pytest.raises(IcwsSessionLostError):
        await client.pickup_interaction("1001000001")
    with pytest.raises(IcwsSessionLostError):
        await client.make_call("100")


def _answer(status: int, body: object) -> Response:
    return Response(status, CIMultiDictProxy(CIMultiDict()), {}, body)


class _Answering:
    """A session that answers every call with one response (a server gone odd)."""

    def __init__(self, response: Response) -> None:
        self.response = response

    async def send(self, *_: object, **__: object) -> Response:
        return self.response


@pytest.mark.parametrize(
    "body", [None, {}, {"interactionId": ""}, {"interactionId": "a/b"}, {"id": "1"}]
)
async def test_a_created_call_without_its_id_is_malformed(body: object) -> None:
    """A 201 that names no usable interaction: the simulator never answers so."""
    with pytest.raises(IcwsResponseError, match="names no interaction"):
        await create_call(_Answering(_answer(201, body)), "100")  # type: ignore[arg-type]


async def test_a_numeric_created_id_is_read_as_text() -> None:
    created = await create_call(
        _Answering(_answer(201, {"interactionId": 1001000009})),  # type: ignore[arg-type]
        "100",
    )
    assert created == "1001000009"


@pytest.mark.parametrize(
    ("attributes", "muted", "capabilities", "text"),
    [
        ({"Eic_Muted": "1", "Eic_Capabilities": "4134"}, True, 4134, None),
        ({"eic_muted": "0", "EIC_CAPABILITIES": " 2 "}, False, 2, None),
        ({"Eic_Muted": "True", "Eic_CallStateString": "Held"}, True, None, "Held"),
        ({"Eic_Muted": "maybe", "Eic_Capabilities": "-1"}, None, None, None),
        ({"Eic_Muted": "", "Eic_Capabilities": "9" * 400}, None, None, None),
        ({"Eic_Capabilities": "٣"}, None, None, None),
        ({}, None, None, None),
    ],
)
def test_mute_capabilities_and_state_text_are_read_tolerantly(
    attributes: dict[str, str],
    muted: bool | None,
    capabilities: int | None,
    text: str | None,
) -> None:
    interaction = Interaction.from_attributes("1", {"Eic_State": "C", **attributes})
    assert interaction.muted is muted
    assert interaction.capabilities == capabilities
    assert interaction.state_text == text
