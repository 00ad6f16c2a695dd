"""Ids spelled two ways: the user's and the statuses', folded wherever they are compared.

CIC compares user and status ids without case, and a real server sent a status id in
another case than its catalogue's (docs/icws-protocol.md §1, §9). Here the directory spells
the user ``JDoe`` while the entry's user typed ``jdoe``, and the server spells every status
id outside the catalogue (access list, user status) in swapped case: ``aVAILABLE``.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import DOMAIN
from icws_simulator import IcwsSimulator

from .conftest import DISPLAY_NAME, PASSWORD, USERNAME
from .helpers import wait_for_state

pytestmark = pytest.mark.usefixtures("socket_enabled", "live_sessions")

DIRECTORY_USER = "JDoe"
SENSOR = "sensor.jane_doe_cic01_status"
SELECT = "select.jane_doe_cic01_set_status"
DND = "binary_sensor.jane_doe_cic01_do_not_disturb"
# What the user may pick of the CIC defaults: all but the ACD's own status.
SELECTABLE = [
    "Available",
    "Available, No ACD",
    "Available, Forward",
    "At Lunch",
    "Do Not Disturb",
    "Gone Home",
    "In a Meeting",
    "Out of the Office",
    "On Vacation",
    "Follow Up",
]


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """A directory that spells the user otherwise than the entry does."""
    assert DIRECTORY_USER.casefold() == USERNAME != DIRECTORY_USER
    return {
        "users": {DIRECTORY_USER: PASSWORD},
        "display_names": {DIRECTORY_USER: DISPLAY_NAME},
    }


@pytest.fixture
def mock_config_entry(
    simulator: IcwsSimulator, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry as the user typed it, against a server that respells status ids."""
    simulator.status.respell_ids = True
    return mock_config_entry


async def test_own_status_is_found_and_shown_by_its_catalogue_text(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """The user's own status, named ``JDoe`` with a respelled id, shows on every entity."""
    assert simulator.status.wire_status(USERNAME)["statusId"] == "aVAILABLE"
    assert (state := hass.states.get(SENSOR))
    assert state.state == "Available"
    assert (select := hass.states.get(SELECT))
    assert select.state == "Available"

    simulator.status.set_user_status(DIRECTORY_USER, "Do Not Disturb", notes="Focus")
    state = await wait_for_state(hass, SENSOR, "Do Not Disturb")
    assert state.attributes["notes"] == "Focus"
    await wait_for_state(hass, DND, "on")
    await wait_for_state(hass, SELECT, "Do Not Disturb")


async def test_options_are_the_access_list_whatever_its_spelling(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """Every status of the access list is offered, and a change to the list follows."""
    assert "aT lUNCH" in simulator.status.wire_access(USERNAME)
    assert (select := hass.states.get(SELECT))
    assert select.attributes["options"] == SELECTABLE

    simulator.status.revoke_access(DIRECTORY_USER, "At Lunch")  # removed as "aT lUNCH"
    await wait_for_state(
        hass,
        SELECT,
        lambda state: (
            state.attributes["options"]
            == [text for text in SELECTABLE if text != "At Lunch"]
        ),
    )


@pytest.mark.parametrize(
    ("asked", "status_id"),
    [
        ("aVAILABLE fORWARD", "Available Forward"),  # the id as the access list has it
        ("AVAILABLE NO ACD", "Available No ACD"),  # an id, in another case
        ("at lunch", "At Lunch"),  # a text, in another case
    ],
)
async def test_set_status_names_the_catalogues_status(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    asked: str,
    status_id: str,
) -> None:
    """The action finds the status in any spelling and sends the catalogue's id."""
    await hass.services.async_call(
        DOMAIN,
        "set_status",
        {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id, "status": asked},
        blocking=True,
    )
    request = simulator.status.requests[-1]
    assert (request.body["statusId"], request.status) == (status_id, 202)
    assert simulator.status.user_status(DIRECTORY_USER).status_id == status_id


async def test_select_sets_the_status(
    hass: HomeAssistant, simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> None:
    """An option of the select reaches the server and comes back as the select's state."""
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: "Available, Forward"},
        blocking=True,
    )
    assert simulator.status.requests[-1].body["statusId"] == "Available Forward"
    await wait_for_state(hass, SELECT, "Available, Forward")
