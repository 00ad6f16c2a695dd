"""The call actions and buttons against the simulator over real HTTP.

Each action acts on the user's own calls as the queue watch shows them; what it did shows
when the server reports it. A check that fails sends nothing: those tests assert that the
server received no request at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import CONF_STATION_TYPE, DOMAIN
from icws_simulator import IcwsSimulator, interactions_http
from icws_simulator.calls import TYPE_QUEUE_CONTENTS

from .conftest import USERNAME
from .helpers import wait_for_state
from .test_calls import CALL_STATE, CALLER, RINGING, EventRecorder, attributes

ENTITY = "jane_doe_cic01"
ANSWER_BUTTON = f"button.{ENTITY}_answer_call"
END_BUTTON = f"button.{ENTITY}_end_call"
SERVER_CONNECTION = f"binary_sensor.{ENTITY}_server_connection"
QUEUE_SUBSCRIPTION = "icws-station-user-queue"

pytestmark = pytest.mark.usefixtures("live_sessions")


@pytest.fixture
def events(hass: HomeAssistant) -> Iterator[EventRecorder]:
    """The call events fired during the test."""
    recorder = EventRecorder(hass)
    yield recorder
    recorder.stop()


@pytest.fixture(autouse=True)
def _calls_end_quickly(simulator: IcwsSimulator) -> None:
    """Ended calls leave the queue at once; placed calls ring at the far end when told."""
    simulator.calls.removal_delay = 0.0
    simulator.calls.proceed_delay = None


async def act(
    hass: HomeAssistant, entry: MockConfigEntry, action: str, **data: Any
) -> None:
    """Run a call action for the entry."""
    await hass.services.async_call(
        DOMAIN, action, {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data}, blocking=True
    )


async def dial(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> Any:
    """Run the dial action and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        "dial",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )


def state(simulator: IcwsSimulator, call: str) -> str | None:
    """The state letter the server holds for a call (None: off the queue)."""
    interaction = simulator.calls.interactions.get(call)
    return None if interaction is None else interaction.state


@contextmanager
def nothing_sent(simulator: IcwsSimulator) -> Iterator[None]:
    """Fail unless the server received no request at all inside."""
    before = len(simulator.traffic.requests)
    yield
    assert simulator.traffic.requests[before:] == []


async def ringing(
    hass: HomeAssistant, simulator: IcwsSimulator, *callers: str
) -> list[str]:
    """Ring one call per caller name; return their ids once Home Assistant shows them."""
    calls = [simulator.calls.ring(USERNAME, name, "+1 555 0100") for name in callers]
    await wait_for_state(
        hass, CALL_STATE, lambda s: s.attributes.get("calls") == len(calls)
    )
    return calls


async def connected(hass: HomeAssistant, simulator: IcwsSimulator) -> str:
    """A call that is connected, as Home Assistant shows it."""
    [call] = await ringing(hass, simulator, CALLER[0])
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    return call


# ---- each action, with its default call and with interaction_id --------------------------


async def test_answer_the_oldest_ringing_call(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    first, second = await ringing(hass, simulator, "Ada", "Grace")

    await act(hass, init_integration, "answer_call")

    await wait_for_state(hass, CALL_STATE, "connected")
    assert (state(simulator, first), state(simulator, second)) == ("C", "A")
    assert attributes(hass)["interaction_id"] == first
    assert (await events.wait(3))[-1] == "answered"
    assert events.events[-1][1]["interaction_id"] == first
    assert (hass_state := hass.states.get(RINGING))
    assert hass_state.state == STATE_ON  # the second still rings

    await act(hass, init_integration, "answer_call", interaction_id=second)
    await wait_for_state(hass, RINGING, STATE_OFF)
    assert state(simulator, second) == "C"


async def test_end_the_call_in_hand_or_a_named_one(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    held = await connected(hass, simulator)
    simulator.calls.hold(held)
    await wait_for_state(hass, CALL_STATE, "held")
    [ringing_call] = await ringing(hass, simulator, "Grace")
    await wait_for_state(hass, CALL_STATE, lambda s: s.attributes["calls"] == 2)

    await act(hass, init_integration, "end_call", interaction_id=ringing_call)
    await wait_for_state(hass, CALL_STATE, lambda s: s.attributes["calls"] == 1)
    assert state(simulator, ringing_call) is None  # ended here, then removed
    assert state(simulator, held) == "H"

    await act(hass, init_integration, "end_call")  # the held call is the one in hand
    await wait_for_state(hass, CALL_STATE, "idle")


async def test_end_the_only_ringing_call(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    [call] = await ringing(hass, simulator, "Ada")
    await act(hass, init_integration, "end_call")
    await wait_for_state(hass, CALL_STATE, "idle")
    assert state(simulator, call) is None


async def test_hold_and_resume(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    call = await connected(hass, simulator)

    await act(hass, init_integration, "hold_call")
    await wait_for_state(hass, CALL_STATE, "held")
    await act(hass, init_integration, "resume_call")
    await wait_for_state(hass, CALL_STATE, "connected")
    await act(hass, init_integration, "hold_call", interaction_id=call)
    await wait_for_state(hass, CALL_STATE, "held")
    await act(hass, init_integration, "resume_call", interaction_id=call)
    await wait_for_state(hass, CALL_STATE, "connected")


async def test_mute_shows_as_muted(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    call = await connected(hass, simulator)
    assert attributes(hass)["muted"] is False

    await act(hass, init_integration, "mute_call")
    await wait_for_state(hass, CALL_STATE, lambda s: s.attributes["muted"] is True)
    assert simulator.calls.interactions[call].muted

    await act(hass, init_integration, "mute_call", interaction_id=call, mute=False)
    await wait_for_state(hass, CALL_STATE, lambda s: s.attributes["muted"] is False)


async def test_transfer(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    first = await connected(hass, simulator)
    await act(hass, init_integration, "transfer_call", target=" 201 ")
    await wait_for_state(hass, CALL_STATE, "idle")

    [second] = await ringing(hass, simulator, "Grace")
    await act(
        hass, init_integration, "transfer_call", interaction_id=second, target="amy"
    )
    await wait_for_state(hass, CALL_STATE, "idle")
    assert simulator.calls.transfers == {first: "201", second: "amy"}


async def test_send_digits(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    call = await connected(hass, simulator)
    await act(hass, init_integration, "send_digits", digits="1#")
    await act(hass, init_integration, "send_digits", interaction_id=call, digits=" a* ")
    assert simulator.calls.interactions[call].digits == "1#A*"


async def test_dial_responds_with_the_call_it_shows(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    events: EventRecorder,
) -> None:
    response = await dial(hass, init_integration, number=" +1 555 0199 ")

    call = response["interaction_id"]
    assert response == {"interaction_id": call}
    await wait_for_state(hass, CALL_STATE, "dialing")
    assert attributes(hass)["interaction_id"] == call
    assert attributes(hass)["remote_number"] == "+1 555 0199"
    assert await events.wait(1) == ["outgoing"]
    assert events.events[0][1]["interaction_id"] == call

    simulator.calls.answer(call)  # the far end picks up
    await wait_for_state(hass, CALL_STATE, "connected")
    await dial(hass, init_integration, number="114", workgroup="Support")
    assert [i.workgroup for i in simulator.calls.interactions.values()] == [
        "",
        "Support",
    ]


async def test_dial_without_a_response(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A script that does not ask for the response dials all the same."""
    await act(hass, init_integration, "dial", number="114")
    await wait_for_state(hass, CALL_STATE, "dialing")


# ---- checks before anything is sent -----------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data", "key"),
    [
        ("answer_call", {}, "no_ringing_call"),
        ("end_call", {}, "no_current_call"),
        ("hold_call", {}, "no_connected_call"),
        ("resume_call", {}, "no_held_call"),
        ("mute_call", {}, "no_connected_call"),
        ("transfer_call", {"target": "201"}, "no_connected_call"),
        ("send_digits", {"digits": "1"}, "no_connected_call"),
        ("end_call", {"interaction_id": "1001000999"}, "unknown_call"),
    ],
)
async def test_no_call_to_act_on(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    action: str,
    data: dict[str, Any],
    key: str,
) -> None:
    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await act(hass, init_integration, action, **data)
    assert err.value.translation_key == key


async def test_another_users_call_is_not_the_users(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.set_password("amy", "pw")
    theirs = simulator.calls.ring("amy", *CALLER)

    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await act(hass, init_integration, "answer_call", interaction_id=theirs)

    assert err.value.translation_key == "unknown_call"
    assert err.value.translation_placeholders == {"interaction_id": theirs}
    assert state(simulator, theirs) == "A"


@pytest.mark.parametrize(
    ("action", "data", "key"),
    [
        ("hold_call", {}, "call_not_actionable"),
        ("send_digits", {"digits": "1"}, "call_not_actionable"),
        ("send_digits", {"digits": "12E"}, "invalid_digits"),
        ("send_digits", {"digits": ""}, "invalid_digits"),
        ("transfer_call", {"target": "  "}, "invalid_transfer_target"),
    ],
)
async def test_wrong_state_or_bad_input(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    action: str,
    data: dict[str, Any],
    key: str,
) -> None:
    [call] = await ringing(hass, simulator, "Ada")

    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await act(hass, init_integration, action, interaction_id=call, **data)

    assert err.value.translation_key == key
    assert state(simulator, call) == "A"


async def test_several_ringing_calls_need_a_name_to_end_one(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    await ringing(hass, simulator, "Ada", "Grace")
    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await act(hass, init_integration, "end_call", interaction_id="  ")
    assert err.value.translation_key == "several_calls_ringing"
    assert err.value.translation_placeholders == {"count": "2"}


@pytest.mark.parametrize("number", ["", "reception", " + "])
async def test_nothing_to_dial(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    number: str,
) -> None:
    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await dial(hass, init_integration, number=number)
    assert err.value.translation_key == "invalid_number"


async def test_not_connected(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """During an outage nothing is sent: the queue Home Assistant knows may be stale."""
    await ringing(hass, simulator, "Ada")
    simulator.set_outage("refuse")
    await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)

    for action in ("answer_call", "dial"):
        with pytest.raises(HomeAssistantError) as err:
            await act(
                hass,
                init_integration,
                action,
                **({"number": "1"} if action == "dial" else {}),
            )
        assert err.value.translation_key == "not_connected"
    assert not any("/interactions" in path for _, path, _ in simulator.traffic.requests)

    simulator.set_outage(None)
    await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)


# ---- what the server says --------------------------------------------------------------


def shown_but_not_so(simulator: IcwsSimulator, call: str, letter: str) -> None:
    """Tell the user's session a call is in ``letter`` though the server holds otherwise.

    What a session sees while its news lags behind the server: the action goes out, and
    the server's answer is the truth.
    """
    simulator.sessions.inject_message(
        {
            "__type": TYPE_QUEUE_CONTENTS,
            "isDelta": True,
            "subscriptionId": QUEUE_SUBSCRIPTION,
            "interactionsAdded": [
                {
                    "interactionId": call,
                    "attributes": {"Eic_State": letter, "Eic_ObjectType": "Call"},
                }
            ],
        }
    )


async def test_a_call_gone_on_the_server(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    shown_but_not_so(simulator, "1001000777", "A")
    await wait_for_state(hass, RINGING, STATE_ON)

    with pytest.raises(HomeAssistantError) as err:
        await act(hass, init_integration, "answer_call")

    assert err.value.translation_key == "call_gone"
    assert init_integration.runtime_data.session.live


async def test_a_refusal_shows_the_servers_message(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    call = await connected(hass, simulator)
    shown_but_not_so(simulator, call, "H")
    await wait_for_state(hass, CALL_STATE, "held")

    with pytest.raises(HomeAssistantError) as err:
        await act(hass, init_integration, "resume_call")

    assert err.value.translation_key == "call_refused"
    placeholders = err.value.translation_placeholders or {}
    assert placeholders["message"] == "The interaction is in state 'C', not ['H']."
    assert "refused" in str(err.value)
    assert state(simulator, call) == "C"


async def test_a_server_error_may_have_been_carried_out(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(interactions_http.ANSWERS, "pickup", 500)
    await ringing(hass, simulator, "Ada")

    with pytest.raises(HomeAssistantError) as err:
        await act(hass, init_integration, "answer_call")

    assert err.value.translation_key == "request_failed"


# ---- no station of its own -------------------------------------------------------------


@pytest.mark.parametrize("station_options", [{CONF_STATION_TYPE: "none"}])
async def test_without_a_station_the_server_picks_one(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """No station is logged on to answer or dial: the desk phone stays the desktop's."""
    [call] = await ringing(hass, simulator, "Ada")
    await act(hass, init_integration, "answer_call")
    await wait_for_state(hass, CALL_STATE, "connected")
    await dial(hass, init_integration, number="114")

    assert state(simulator, call) == "C"
    assert simulator.traffic.station_requests == []
    assert all(session.station is None for session in simulator.sessions.values())


@pytest.mark.parametrize("station_options", [{CONF_STATION_TYPE: "none"}])
async def test_a_server_that_needs_a_station_says_so(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """A 400 to a session without a station is told as such, once, with the server's words."""
    simulator.calls.refuse_stationless = True
    [call] = await ringing(hass, simulator, "Ada")
    sent = len(simulator.traffic.requests)

    for action, data in (("answer_call", {}), ("dial", {"number": "114"})):
        with pytest.raises(HomeAssistantError) as err:
            await act(hass, init_integration, action, **data)
        assert err.value.translation_key == "call_needs_station"
        assert (err.value.translation_placeholders or {})["message"] == (
            "There is no station to carry the call."
        )

    assert len(simulator.traffic.requests) == sent + 2  # asked once each, never again
    assert simulator.traffic.station_requests == []
    assert state(simulator, call) == "A"
    assert init_integration.runtime_data.session.live


async def test_with_a_station_a_400_is_a_plain_refusal(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    call = await connected(hass, simulator)
    shown_but_not_so(simulator, call, "A")
    await wait_for_state(hass, RINGING, STATE_ON)
    with pytest.raises(HomeAssistantError) as err:
        await act(hass, init_integration, "answer_call")
    assert err.value.translation_key == "call_refused"


# ---- servers that do not offer call control ---------------------------------------------


async def test_server_without_call_control(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    simulator.interactions_version = 0
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await ringing(hass, simulator, "Ada")

    for action, data in (("answer_call", {}), ("dial", {"number": "114"})):
        with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
            await act(hass, mock_config_entry, action, **data)
        assert err.value.translation_key == "calls_not_offered"
    for entity_id in (ANSWER_BUTTON, END_BUTTON):
        assert entity_registry.async_get(entity_id) is None


async def test_server_without_the_queue_watch_can_still_dial(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Which call to act on needs the queue; placing one does not."""
    simulator.queues_version = 0
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await act(hass, mock_config_entry, "end_call")
    assert err.value.translation_key == "calls_not_offered"
    response = await dial(hass, mock_config_entry, number="114")
    assert state(simulator, response["interaction_id"]) == "S"
    assert entity_registry.async_get(ANSWER_BUTTON) is None


# ---- buttons ---------------------------------------------------------------------------


async def test_buttons_answer_and_end(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The answer button picks up the ringing call; the end button hangs up."""
    assert (button := hass.states.get(ANSWER_BUTTON))
    assert button.state == STATE_UNKNOWN
    [call] = await ringing(hass, simulator, "Ada")

    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: ANSWER_BUTTON}, blocking=True
    )
    await wait_for_state(hass, CALL_STATE, "connected")
    assert state(simulator, call) == "C"
    assert (button := hass.states.get(ANSWER_BUTTON))
    assert button.state != STATE_UNKNOWN  # the time of the press

    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: END_BUTTON}, blocking=True
    )
    await wait_for_state(hass, CALL_STATE, "idle")


@pytest.mark.parametrize(
    ("button", "key"),
    [(ANSWER_BUTTON, "no_ringing_call"), (END_BUTTON, "no_current_call")],
)
async def test_a_button_without_a_call_is_refused(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    button: str,
    key: str,
) -> None:
    with nothing_sent(simulator), pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: button}, blocking=True
        )
    assert err.value.translation_key == key
