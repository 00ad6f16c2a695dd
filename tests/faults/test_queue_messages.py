"""Hostile and malformed queue messages: the call entities stay sane, the session stays.

The queue watch's messages (docs/icws-protocol.md §10) come from the server; none of them
may crash the message loop, log an error, cost the session, or leave the call entities
wrong once the server reports the queue in full again.
"""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.icws.client import QUEUE_SUBSCRIPTION_ID
from icws_simulator import IcwsSimulator
from icws_simulator.calls import TYPE_QUEUE_CONTENTS, queue_message
from tests.conftest import USERNAME
from tests.helpers import wait_for_state

from .conftest import ENTITY, SERVER_CONNECTION, SERVER_LOGGERS

CALL_STATE = f"sensor.{ENTITY}_call_state"
ON_CALL = f"binary_sensor.{ENTITY}_on_call"
RINGING = f"binary_sensor.{ENTITY}_ringing"
CALL_EVENT = f"event.{ENTITY}_call"
SUBSCRIPTION = QUEUE_SUBSCRIPTION_ID


def added(interaction_id: Any, attributes: Any) -> dict[str, Any]:
    """A queue message that adds one interaction, as given."""
    return queue_message(
        SUBSCRIPTION,
        is_delta=True,
        added=[{"interactionId": interaction_id, "attributes": attributes}],
    )


HOSTILE: list[tuple[str, dict[str, Any] | str]] = [
    ("not json", '{"__type": "' + TYPE_QUEUE_CONTENTS + '", "isDelta": tr'),
    ("a list", "[1, 2, 3]"),
    ("lists are objects", {"__type": TYPE_QUEUE_CONTENTS, "isDelta": True,
                           "interactionsAdded": {"a": 1}, "interactionsChanged": "x",
                           "interactionsRemoved": 7}),
    ("items not objects", {"__type": TYPE_QUEUE_CONTENTS, "isDelta": True,
                           "subscriptionId": SUBSCRIPTION,
                           "interactionsAdded": [1, "two", None, []]}),
    ("no id", added(None, {"Eic_State": "A"})),
    ("empty id", added("", {"Eic_State": "A"})),
    ("numeric id", added(42, {"Eic_State": "A"})),
    ("attributes not an object", added("h1", ["Eic_State", "A"])),
    ("values not strings", added("h2", {"Eic_State": 1, "Eic_ObjectType": None,
                                        "Eic_RemoteName": ["x"]})),
    ("unknown letter", added("h3", {"Eic_State": "Q", "Eic_ObjectType": "Call"})),
    ("long letter", added("h4", {"Eic_State": "CONNECTED" * 50,
                                 "Eic_ObjectType": "Call"})),
    ("unknown object type", added("h5", {"Eic_State": "C",
                                         "Eic_ObjectType": "Hologram"})),
    ("odd direction", added("h6", {"Eic_State": "S", "Eic_ObjectType": "Call",
                                   "Eic_CallDirection": "sideways"})),
    ("odd times", added("h7", {"Eic_State": "A", "Eic_ObjectType": "Call",
                               "Eic_InitiationTime": "yesterday",
                               "Eic_ConnectTime": "99999999T999999Z"})),
    ("huge name", added("h8", {"Eic_State": "A", "Eic_ObjectType": "Call",
                               "Eic_RemoteName": "N" * 100_000})),
    ("other subscription", queue_message(
        "someone-else", is_delta=False,
        added=[{"interactionId": "x1", "attributes": {"Eic_State": "C",
                                                      "Eic_ObjectType": "Call"}}])),
    ("change of an unknown one", queue_message(
        SUBSCRIPTION, is_delta=True,
        changed=[{"interactionId": "ghost", "attributes": {"Eic_State": "H"}}])),
    ("removal of an unknown one", queue_message(
        SUBSCRIPTION, is_delta=True, removed=["ghost", "", 5])),  # type: ignore[list-item]
    ("the same one twice", queue_message(
        SUBSCRIPTION, is_delta=True,
        added=[{"interactionId": "d1", "attributes": {"Eic_State": "A",
                                                      "Eic_ObjectType": "Call"}}] * 2)),
    ("no isDelta", {"__type": TYPE_QUEUE_CONTENTS, "subscriptionId": SUBSCRIPTION,
                    "interactionsAdded": []}),
    ("limit exceeded as text", {"__type": TYPE_QUEUE_CONTENTS, "isDelta": True,
                                "subscriptionId": SUBSCRIPTION,
                                "queueResultLimitExceeded": "yes"}),
    ("a full message of garbage", {"__type": TYPE_QUEUE_CONTENTS, "isDelta": False,
                                   "subscriptionId": SUBSCRIPTION,
                                   "interactionsAdded": [{"interactionId": "g1"}]}),
]  # fmt: skip


async def test_hostile_queue_messages(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each hostile message is survived; the server's next full queue shows the truth."""
    call = simulator.calls.ring(USERNAME, "Ada Lovelace", "+1 555 0100")
    simulator.calls.answer(call)
    await wait_for_state(hass, CALL_STATE, "connected")
    listener = init_integration.runtime_data.session._task
    logins = simulator.traffic.login_attempts
    (session,) = simulator.sessions.values()

    # Another subscription's full queue is not ours: it replaces nothing.
    other = dict(HOSTILE)["other subscription"]
    assert isinstance(other, dict)
    simulator.sessions.inject_message(other)
    simulator.calls.hold(call)
    await wait_for_state(hass, CALL_STATE, "held")
    assert (state := hass.states.get(CALL_STATE))
    assert state.attributes["calls"] == 1

    for _, message in HOSTILE:
        if isinstance(message, str):
            simulator.sessions.inject_raw(message)
        else:
            simulator.sessions.inject_message(message)
    # The server reports the queue in full again (as after a renewed watch), then a change.
    (watch,) = simulator.calls.subscriptions(session)
    simulator.calls.subscribe(
        session,
        watch.subscription_id,
        [(1, USERNAME)],
        watch.attribute_names,
    )
    simulator.calls.resume(call)
    simulator.calls.hold(call)

    await wait_for_state(
        hass,
        CALL_STATE,
        lambda state: state.state == "held" and state.attributes["calls"] == 1,
        within=30,
    )
    state = hass.states.get(CALL_STATE)
    assert state is not None
    assert state.attributes["calls"] == 1
    assert state.attributes["remote_name"] == "Ada Lovelace"
    assert (state := hass.states.get(ON_CALL))
    assert state.state == "on"
    assert (state := hass.states.get(RINGING))
    assert state.state == "off"
    assert (state := hass.states.get(SERVER_CONNECTION))
    assert state.state == "on"
    errors = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and not record.name.startswith(SERVER_LOGGERS)
    ]
    assert errors == []
    assert listener is not None
    assert not listener.done()
    assert simulator.traffic.login_attempts == logins
    # The huge name never reached a log line.
    assert "N" * 1000 not in caplog.text
