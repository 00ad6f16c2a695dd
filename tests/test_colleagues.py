"""Colleagues as config subentries, against the simulator over real HTTP.

Adding one asks the entry's live session (never a login of its own), re-PUTs the one
user-statuses subscription with the user and every colleague, and gives the colleague a
device with the user's own presence entities; removing one takes them away and the server
stops sending their status. The station and the user's own entities are untouched, and the
server holds one session of the user throughout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
import logging
from types import MappingProxyType
from typing import Any

from homeassistant.components.homeassistant import (
    DOMAIN as HOMEASSISTANT_DOMAIN,
    SERVICE_UPDATE_ENTITY,
)
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryData,
)
from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import SelectSelector, TextSelector
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.icws_station.colleagues import CONF_USER_ID, SUBENTRY_COLLEAGUE
from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_simulator import IcwsSimulator
from icws_simulator.directory import generated_users
from icws_simulator.status import USER_STATUSES
from icws_testing.entries import config_entry

from .conftest import DISPLAY_NAME, PASSWORD, SERVER_NAME, USERNAME
from .helpers import WAIT, LiveSessionWatch, wait_for_state
from .test_presence import Writes

pytestmark = pytest.mark.usefixtures("socket_enabled")

FLOOR = {user.user_id: user for user in generated_users(12, frozenset({USERNAME}))}
ADA, ALAN, PRIVATE = list(FLOOR)[:3]
OWN = "jane_doe_cic01"
OWN_ENTITIES = (
    f"sensor.{OWN}_status",
    f"select.{OWN}_set_status",
    f"binary_sensor.{OWN}_do_not_disturb",
    f"binary_sensor.{OWN}_on_call",
    f"sensor.{OWN}_extension",
)


def slug(user_id: str) -> str:
    return FLOOR[user_id].display_name.lower().replace(" ", "_")


def entities(user_id: str) -> dict[str, str]:
    """A colleague's entity ids, by what they show."""
    name = slug(user_id)
    return {
        "status": f"sensor.{name}_status",
        "on_call": f"binary_sensor.{name}_on_call",
        "do_not_disturb": f"binary_sensor.{name}_do_not_disturb",
        "logged_in": f"binary_sensor.{name}_logged_in_to_cic",
    }


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """The user and a floor of colleagues, one of them private."""
    return {
        "users": {USERNAME: PASSWORD} | {u: f.password for u, f in FLOOR.items()},
        "display_names": {USERNAME: DISPLAY_NAME}
        | {u: f.display_name for u, f in FLOOR.items()},
    }


@pytest.fixture(autouse=True)
def private_user(simulator: IcwsSimulator) -> None:
    """One colleague nobody else may watch."""
    simulator.directory.set_rights(PRIVATE, private=True)


@pytest.fixture
async def watch(
    simulator: IcwsSimulator, init_integration: MockConfigEntry
) -> AsyncIterator[LiveSessionWatch]:
    """The entry is loaded; fail if the server ever held a second session of the user."""
    live = LiveSessionWatch(simulator, USERNAME)
    yield live
    await live.stop()
    assert live.most == 1


def watched(simulator: IcwsSimulator) -> set[str]:
    """The users the server sends the entry's session, by folded id."""
    (session,) = simulator.sessions.values()
    return set(session.subscriptions[USER_STATUSES].user_keys)


async def start(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Open the Add colleague flow."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_COLLEAGUE), context={"source": "user"}
    )
    return dict(result)


async def add(hass: HomeAssistant, entry: MockConfigEntry, user_id: str) -> Any:
    """Add a colleague through the flow, and let the entry follow."""
    form = await start(hass, entry)
    assert form["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_USER_ID: user_id}
    )
    await hass.async_block_till_done()
    return result


def device_of(
    registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: str
) -> dr.DeviceEntry | None:
    """Return the entry's device with this identifier, as each release finds it."""
    devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
    return next((d for d in devices if (DOMAIN, identifier) in d.identifiers), None)


def subentry_id(entry: MockConfigEntry, user_id: str) -> str:
    return next(
        key
        for key, subentry in entry.subentries.items()
        if subentry.data[CONF_USER_ID] == user_id
    )


def own_writes(hass: HomeAssistant) -> Writes:
    """Count every state write of the user's own entities."""
    return Writes(hass, list(OWN_ENTITIES))


async def test_add_from_the_list_in_the_same_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    entry = init_integration
    logins = simulator.traffic.login_attempts
    own = own_writes(hass)
    assert watched(simulator) == {USERNAME}

    form = await start(hass, entry)
    assert form["step_id"] == "user"
    assert form["description_placeholders"] == {"title": entry.title}
    selector = form["data_schema"].schema[CONF_USER_ID]
    assert isinstance(selector, SelectSelector)
    options = {
        option["value"]: option["label"]
        for option in selector.config["options"]
        if isinstance(option, dict)
    }
    # The list, by name; neither the user nor a user they may not see.
    assert options[ADA] == f"{FLOOR[ADA].display_name} ({ADA})"
    assert USERNAME not in options
    assert PRIVATE not in options
    assert selector.config["custom_value"]
    result = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_USER_ID: ADA}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == FLOOR[ADA].display_name
    assert result["unique_id"] == ADA
    assert watched(simulator) == {USERNAME, ADA}
    ids = entities(ADA)
    assert (status := hass.states.get(ids["status"]))
    assert status.state == "Available"
    assert status.attributes["status_id"] == "Available"
    assert status.attributes["logged_in"] is True
    for key in ("on_call", "do_not_disturb"):
        assert (state := hass.states.get(ids[key]))
        assert state.state == STATE_OFF
    assert (logged_in := entity_registry.async_get(ids["logged_in"]))
    assert logged_in.entity_category is EntityCategory.DIAGNOSTIC

    # A device of the colleague's own, reached through the entry's.
    sub = subentry_id(entry, ADA)
    device = device_of(device_registry, entry, sub)
    assert device is not None
    assert device.name == FLOOR[ADA].display_name
    parent = device_of(device_registry, entry, str(entry.unique_id))
    assert parent is not None
    assert device.via_device_id == parent.id
    if hasattr(device, "config_subentry_id"):  # one entry per device, from 2026.8
        assert device.config_subentry_id == sub
    else:
        assert device.config_entries_subentries == {entry.entry_id: {sub}}
    for entity_id in ids.values():
        assert (registered := entity_registry.async_get(entity_id))
        assert registered.config_subentry_id == sub
        assert registered.device_id == device.id

    assert simulator.traffic.login_attempts == logins
    assert entry.state is ConfigEntryState.LOADED
    assert set(own.stop().values()) == {0}


async def test_add_by_typing_when_the_list_is_refused(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
) -> None:
    simulator.directory.list_refused = True
    form = await start(hass, init_integration)
    assert isinstance(form["data_schema"].schema[CONF_USER_ID], TextSelector)
    result = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_USER_ID: f"  {ALAN.upper()} "}
    )
    await hass.async_block_till_done()
    # Kept as the server spells the user; without a list the ID is the name.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_USER_ID: ALAN}
    assert result["title"] == ALAN
    assert watched(simulator) == {USERNAME, ALAN}


async def test_a_typed_user_beyond_the_list_is_named(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
) -> None:
    """A custom value in the select: the name comes from the server's list."""
    colleague = list(FLOOR)[5]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("custom_components.icws_station.config_flow.MAX_USER_CHOICES", 2)
        form = await start(hass, init_integration)
        options = form["data_schema"].schema[CONF_USER_ID].config["options"]
        assert colleague not in {option["value"] for option in options}
        result = await hass.config_entries.subentries.async_configure(
            form["flow_id"], {CONF_USER_ID: colleague}
        )
    assert result["title"] == FLOOR[colleague].display_name


@pytest.mark.parametrize(
    ("user_id", "error"),
    [("nobody", "unknown_user"), (PRIVATE, "not_allowed")],
)
async def test_unknown_and_not_allowed_users_are_form_errors(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
    user_id: str,
    error: str,
) -> None:
    form = await start(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_USER_ID: user_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_USER_ID: error}
    # The form stays, and takes a colleague the server knows.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_USER_ID: ADA}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert watched(simulator) == {USERNAME, ADA}


async def test_duplicates_and_oneself_are_refused(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
) -> None:
    await add(hass, init_integration, ADA)
    asked = len(simulator.traffic.requests)
    for user_id in (ADA.upper(), USERNAME):
        result = await add(hass, init_integration, user_id)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
    # Told apart before asking the server anything but the list.
    assert all("user-statuses/" not in r[1] for r in simulator.traffic.requests[asked:])
    assert len(init_integration.subentries) == 1


async def test_a_colleague_is_known_by_their_id(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
) -> None:
    """A stored colleague is found by the user ID it watches, whatever its unique ID."""
    hass.config_entries.async_add_subentry(
        init_integration,
        ConfigSubentry(
            data=MappingProxyType({CONF_USER_ID: ADA}),
            subentry_type=SUBENTRY_COLLEAGUE,
            title=FLOOR[ADA].display_name,
            unique_id="legacy",
        ),
    )
    await hass.async_block_till_done()
    result = await add(hass, init_integration, ADA.upper())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_a_colleagues_changes_reach_only_their_entities(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
) -> None:
    await add(hass, init_integration, ADA)
    await add(hass, init_integration, ALAN)
    ada, alan = entities(ADA), entities(ALAN)
    own = own_writes(hass)
    alans = Writes(hass, [alan["status"]])

    simulator.status.set_user_status(ADA, "Do Not Disturb", notes="Focus time")
    state = await wait_for_state(hass, ada["status"], "Do Not Disturb")
    assert state.attributes["notes"] == "Focus time"
    assert state.attributes["do_not_disturb"] is True
    await wait_for_state(hass, ada["do_not_disturb"], STATE_ON)
    simulator.status.set_on_phone(ADA, True)
    await wait_for_state(hass, ada["on_call"], STATE_ON)
    simulator.status.set_logged_in(ADA, False)
    await wait_for_state(hass, ada["logged_in"], STATE_OFF)
    simulator.status.set_user_status(ADA, "At Lunch")
    await wait_for_state(hass, ada["status"], "At Lunch")
    await wait_for_state(hass, ada["do_not_disturb"], STATE_OFF)

    # An ACD status shows by its text; a status the catalogue lacks, by its id.
    simulator.status.set_user_status(ADA, "AcdAgentNotAnswering")
    await wait_for_state(hass, ada["status"], "ACD - Agent Not Answering")
    acd = simulator.status.find_status_message("AcdAgentNotAnswering")
    assert acd is not None
    simulator.status.put_status_message(
        replace(acd, message_text={"en": "Not answering"})
    )
    await wait_for_state(hass, ada["status"], "Not answering")

    # A repeat changes nothing: nothing is written (Alan's change comes after it).
    ada_writes = Writes(hass, list(ada.values()))
    simulator.status.resend_user_status(ADA)
    simulator.status.set_user_status(ALAN, "In a Meeting")
    await wait_for_state(hass, alan["status"], "In a Meeting")
    assert set(ada_writes.stop().values()) == {0}
    assert alans.stop()[alan["status"]] == 1
    assert set(own.stop().values()) == {0}
    assert (own_status := hass.states.get(f"sensor.{OWN}_status"))
    assert own_status.state == "Available"


async def test_remove_takes_device_and_entities_away(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    watch: LiveSessionWatch,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    entry = init_integration
    await add(hass, entry, ADA)
    await add(hass, entry, ALAN)
    assert watched(simulator) == {USERNAME, ADA, ALAN}
    logins = simulator.traffic.login_attempts
    own = own_writes(hass)
    sub = subentry_id(entry, ADA)

    assert hass.config_entries.async_remove_subentry(entry, sub)
    await hass.async_block_till_done()

    assert watched(simulator) == {USERNAME, ALAN}
    assert device_of(device_registry, entry, sub) is None
    for entity_id in entities(ADA).values():
        assert entity_registry.async_get(entity_id) is None
        assert hass.states.get(entity_id) is None
    # Alan goes on; Ada's changes are no longer sent.
    simulator.status.set_user_status(ALAN, "In a Meeting")
    await wait_for_state(hass, entities(ALAN)["status"], "In a Meeting")
    since = len(simulator.traffic.requests)
    simulator.status.set_user_status(ADA, "Gone Home")
    assert simulator.traffic.requests[since:] == []
    assert init_integration.runtime_data.colleagues.watched == 1

    # Added again: the same entities, and their history, come back.
    await add(hass, entry, ADA)
    assert (state := hass.states.get(entities(ADA)["status"]))
    assert state.state == "Gone Home"
    assert simulator.traffic.login_attempts == logins
    assert set(own.stop().values()) == {0}


def stored(user_id: str) -> ConfigSubentryData:
    """A colleague as the flow stores it."""
    return ConfigSubentryData(
        data={CONF_USER_ID: user_id},
        subentry_type=SUBENTRY_COLLEAGUE,
        title=FLOOR[user_id].display_name,
        unique_id=user_id,
    )


@pytest.fixture
def colleague_entry(simulator: IcwsSimulator) -> MockConfigEntry:
    """The entry with two colleagues stored, as after a restart."""
    return config_entry(
        simulator.url,
        USERNAME,
        PASSWORD,
        title=f"{DISPLAY_NAME} ({SERVER_NAME})",
        station={CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: "WS-114"},
        subentries=[stored(ADA), stored(ALAN)],
    )


async def test_colleagues_survive_a_restart(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
) -> None:
    """Stored colleagues are watched from the first subscription of each setup."""
    simulator.status.set_user_status(ADA, "In a Meeting")
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    assert watched(simulator) == {USERNAME, ADA, ALAN}
    puts = [
        r for r in simulator.traffic.requests if r[0] == "PUT" and USER_STATUSES in r[1]
    ]
    assert len(puts) == 1
    assert (state := hass.states.get(entities(ADA)["status"]))
    assert state.state == "In a Meeting"

    assert await hass.config_entries.async_reload(colleague_entry.entry_id)
    await hass.async_block_till_done()
    assert watched(simulator) == {USERNAME, ADA, ALAN}
    assert (state := hass.states.get(entities(ALAN)["status"]))
    assert state.state == "Available"


async def test_colleagues_follow_reconnects_and_re_logins(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
) -> None:
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    status = entities(ADA)["status"]
    # A listener of the whole concern hears of the outage too.
    heard: list[bool] = []
    colleagues = colleague_entry.runtime_data.colleagues
    stop = colleagues.async_add_listener(lambda: heard.append(colleagues.session.live))
    # Asked again with nothing new, the status coordinator sends nothing.
    since = len(simulator.traffic.requests)
    await colleague_entry.runtime_data.status.async_watch_users()
    assert simulator.traffic.requests[since:] == []

    # An outage: unavailable, and the renewed subscription brings what changed meanwhile.
    simulator.set_outage("refuse")
    await wait_for_state(hass, status, STATE_UNAVAILABLE)
    simulator.status.set_user_status(ADA, "At Lunch")
    simulator.set_outage(None)
    await wait_for_state(hass, status, "At Lunch")

    # The server ends the session: a new login watches the colleagues again.
    simulator.sessions.end()
    await wait_for_state(hass, status, STATE_UNAVAILABLE)
    await wait_for_state(hass, status, "At Lunch")
    assert watched(simulator) == {USERNAME, ADA, ALAN}
    simulator.status.set_on_phone(ALAN, True)
    await wait_for_state(hass, entities(ALAN)["on_call"], STATE_ON)
    stop()
    assert False in heard
    assert heard[-1] is True


async def test_a_colleague_removed_during_an_outage_is_dropped_after_it(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No live session to re-PUT in: the set is PUT once the session is live again."""
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    status = entities(ALAN)["status"]
    simulator.set_outage("drop_streams")
    await wait_for_state(hass, status, STATE_UNAVAILABLE)
    with caplog.at_level(logging.DEBUG):
        hass.config_entries.async_remove_subentry(
            colleague_entry, subentry_id(colleague_entry, ADA)
        )
        await hass.async_block_till_done()
    assert "waits for the session" in caplog.text
    simulator.set_outage(None)
    await wait_for_state(hass, status, "Available")
    async with asyncio.timeout(WAIT):
        await simulator.wait_until(lambda: watched(simulator) == {USERNAME, ALAN})


async def test_a_catch_up_the_server_refuses_is_said_once(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A colleague removed in an outage, and the server refuses the new set after it."""
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    status = entities(ALAN)["status"]
    simulator.set_outage("drop_streams")
    await wait_for_state(hass, status, STATE_UNAVAILABLE)
    hass.config_entries.async_remove_subentry(
        colleague_entry, subentry_id(colleague_entry, ADA)
    )
    await hass.async_block_till_done()
    simulator.status.version = 0
    said = asyncio.Event()

    class Said(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "did not take the users to watch" in record.getMessage():
                said.set()

    logger = logging.getLogger("custom_components.icws_station")
    handler = Said()
    logger.addHandler(handler)
    try:
        simulator.set_outage(None)
        async with asyncio.timeout(WAIT):
            await said.wait()
    finally:
        logger.removeHandler(handler)
    assert ADA not in caplog.text


async def test_a_refused_watch_is_logged_and_retried_with_the_next_change(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that refuses the new set keeps the old one: said once, at warning level."""
    await add(hass, init_integration, ADA)
    simulator.status.version = 0  # the status routes answer 404 now
    hass.config_entries.async_remove_subentry(
        init_integration, subentry_id(init_integration, ADA)
    )
    await hass.async_block_till_done()
    assert "refused to watch 0 colleagues" in caplog.text
    assert ADA not in caplog.text
    simulator.status.version = 1
    await add(hass, init_integration, ALAN)
    assert watched(simulator) == {USERNAME, ALAN}


async def test_a_refused_renewal_makes_colleagues_unavailable_until_granted(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
) -> None:
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    status = entities(ADA)["status"]
    simulator.status.version = 0
    simulator.set_outage("drop_streams")
    simulator.set_outage(None)
    await wait_for_state(hass, status, STATE_UNAVAILABLE)
    simulator.status.version = 1
    simulator.status.set_user_status(ADA, "Gone Home")
    simulator.set_outage("drop_streams")
    simulator.set_outage(None)
    await wait_for_state(hass, status, "Gone Home")
    assert (state := hass.states.get(entities(ALAN)["status"]))
    assert state.state == "Available"


async def test_update_entity_asks_the_server_nothing(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
) -> None:
    """The subscription keeps colleagues current; a refresh repeats what it said."""
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    await async_setup_component(hass, HOMEASSISTANT_DOMAIN, {})
    since = len(simulator.traffic.requests)
    await hass.services.async_call(
        HOMEASSISTANT_DOMAIN,
        SERVICE_UPDATE_ENTITY,
        {ATTR_ENTITY_ID: [entities(ADA)["status"]]},
        blocking=True,
    )
    assert simulator.traffic.requests[since:] == []
    assert (state := hass.states.get(entities(ADA)["status"]))
    assert state.state == "Available"


async def test_a_colleague_without_a_status_is_unknown(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A colleague the server stops reporting (made private) shows no status."""
    await add(hass, init_integration, ADA)
    simulator.directory.set_rights(ADA, private=True)
    simulator.set_outage("drop_streams")
    simulator.set_outage(None)
    await wait_for_state(hass, entities(ADA)["status"], STATE_UNKNOWN)
    assert (state := hass.states.get(entities(ADA)["on_call"]))
    assert state.state == STATE_UNKNOWN


@pytest.mark.parametrize("state", ["not_loaded", "not_connected"])
async def test_the_flow_needs_the_live_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    state: str,
) -> None:
    logins = simulator.traffic.login_attempts
    if state == "not_loaded":
        assert await hass.config_entries.async_unload(init_integration.entry_id)
    else:
        simulator.set_outage("refuse")
        await wait_for_state(hass, f"sensor.{OWN}_status", STATE_UNAVAILABLE)
    result = await start(hass, init_integration)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == state
    assert simulator.traffic.login_attempts == logins


async def test_the_flow_checks_on_a_live_session(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The session goes down between the form and the check: a form error, no save."""
    form = await start(hass, init_integration)
    simulator.set_outage("refuse")
    result = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_USER_ID: ADA}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert not init_integration.subentries


async def test_no_colleagues_without_the_status_feature(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    colleague_entry: MockConfigEntry,
) -> None:
    simulator.status.version = 0
    colleague_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(colleague_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(entities(ADA)["status"]) is None
    result = await start(hass, colleague_entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "status_not_supported"
    # Removing one asks the server nothing: there is no subscription to change.
    since = len(simulator.traffic.requests)
    hass.config_entries.async_remove_subentry(
        colleague_entry, subentry_id(colleague_entry, ADA)
    )
    await hass.async_block_till_done()
    assert simulator.traffic.requests[since:] == []


@pytest.mark.parametrize("user_id", ["..", "ada/../jdoe", "ada\tx"])
async def test_a_user_id_that_names_another_path_sends_nothing(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    user_id: str,
) -> None:
    """Typed in the flow or given to set_status: refused before any request."""
    form = await start(hass, init_integration)
    sent = len(simulator.traffic.requests)
    result = await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_USER_ID: user_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_USER_ID: "unknown_user"}

    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "set_status",
            {
                ATTR_CONFIG_ENTRY_ID: init_integration.entry_id,
                "status": "At Lunch",
                "user_id": user_id,
            },
            blocking=True,
        )
    assert refused.value.translation_key == "invalid_user_id"
    assert simulator.traffic.requests[sent:] == []
    assert simulator.status.user_status(USERNAME).status_id == "Available"


async def test_set_a_colleagues_status_as_a_supervisor(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    await add(hass, init_integration, ADA)

    async def set_status(**data: Any) -> None:
        await hass.services.async_call(
            DOMAIN,
            "set_status",
            {ATTR_CONFIG_ENTRY_ID: init_integration.entry_id, **data},
            blocking=True,
        )

    with pytest.raises(HomeAssistantError) as refused:
        await set_status(status="Do Not Disturb", user_id=ADA)
    assert refused.value.translation_key == "colleague_status_refused"
    placeholders = refused.value.translation_placeholders or {}
    assert {
        key: placeholders[key] for key in ("host", "username", "status", "user")
    } == {
        "host": "127.0.0.1",
        "username": USERNAME,
        "status": "Do Not Disturb",
        "user": ADA,
    }
    with pytest.raises(ServiceValidationError) as unknown:
        await set_status(status="Napping", user_id=ADA)
    assert unknown.value.translation_key == "unknown_status"

    simulator.directory.set_rights(USERNAME, supervisor=True)
    await set_status(status="do not disturb", user_id=ADA, notes="Quiet please")
    await wait_for_state(hass, entities(ADA)["status"], "Do Not Disturb")
    assert simulator.status.user_status(ADA).notes == "Quiet please"
    assert simulator.status.user_status(USERNAME).status_id == "Available"
    # Without user_id (or with one's own) it is one's own status, as always.
    await set_status(status="At Lunch", user_id=USERNAME.upper())
    await wait_for_state(hass, f"sensor.{OWN}_status", "At Lunch")
    assert simulator.status.user_status(ADA).status_id == "Do Not Disturb"


async def test_diagnostics_count_colleagues_and_name_none(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
) -> None:
    await add(hass, init_integration, ADA)
    await add(hass, init_integration, ALAN)
    simulator.status.set_user_status(ADA, "Do Not Disturb", notes="Dentist at 3")
    await wait_for_state(hass, entities(ADA)["status"], "Do Not Disturb")
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics["colleagues"] == {
        "last_update_success": True,
        "watched": 2,
        "reported": 2,
    }
    text = repr(diagnostics).casefold()
    for personal in (ADA, ALAN, "ada", "alan", "allen", "dentist"):
        assert personal not in text
