"""quality_scale.yaml tells the truth: every rule listed, each done rule observed.

Hassfest skips the file for custom integrations, so this test reads it instead. The rule list
comes from the installed Home Assistant: hassfest makes every core integration's
quality_scale.yaml list every rule, so those files hold the list of the release under test.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Coroutine
import json
from pathlib import Path
from typing import Any

import homeassistant.components
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.icws_station.const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    DOMAIN,
)
from icws_simulator import IcwsSimulator

from .conftest import DISPLAY_NAME, PASSWORD, USERNAME
from .helpers import wait_for_state
from .test_translations import PLATFORMS, SOURCES, STRINGS, descriptions_of

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "icws_station"
RULES: dict[str, Any] = load_yaml_dict(INTEGRATION / "quality_scale.yaml")["rules"]
# Used only where no core integration's file is installed. It also names the rules added
# after the oldest supported release (docs-triggers and docs-conditions, 2026.7), which
# that release's files do not list yet.
KNOWN_RULES = {
    "action-setup", "appropriate-polling", "brands", "common-modules",
    "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
    "docs-conditions", "docs-high-level-description", "docs-installation-instructions",
    "docs-removal-instructions", "docs-triggers", "entity-event-setup",
    "entity-unique-id", "has-entity-name", "runtime-data", "test-before-configure",
    "test-before-setup", "unique-config-entry", "action-exceptions",
    "config-entry-unloading", "docs-configuration-parameters",
    "docs-installation-parameters", "entity-unavailable", "integration-owner",
    "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
    "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
    "entity-category", "entity-device-class", "entity-disabled-by-default",
    "entity-translations", "exception-translations", "icon-translations",
    "reconfiguration-flow", "repair-issues", "stale-devices", "async-dependency",
    "inject-websession", "strict-typing",
}  # fmt: skip
# Measured elsewhere: coverage and mypy by scripts/test, the documentation by reading it.
NOT_OBSERVED_HERE = {
    "async-dependency", "brands", "common-modules", "config-flow-test-coverage",
    "dependency-transparency", "docs-actions", "docs-configuration-parameters",
    "docs-data-update", "docs-examples", "docs-high-level-description",
    "docs-installation-instructions", "docs-installation-parameters",
    "docs-known-limitations", "docs-removal-instructions", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases",
    "entity-category", "entity-device-class", "entity-disabled-by-default",
    "entity-event-setup", "entity-unavailable", "inject-websession", "integration-owner",
    "log-when-unavailable", "repair-issues", "strict-typing", "test-before-configure",
    "test-before-setup", "test-coverage", "unique-config-entry",
}  # fmt: skip
REMOTE_NUMBER = "3175559876"
COLLEAGUE = "ada"


def _installed_rules() -> set[str]:
    """Return the rules the installed Home Assistant's own integrations list."""
    rules: set[str] = set()
    for folder in homeassistant.components.__path__:
        for path in Path(folder).glob("*/quality_scale.yaml"):
            rules |= set(load_yaml_dict(path)["rules"])
    return rules


def _status(rule: str) -> str:
    value = RULES[rule]
    return value if isinstance(value, str) else str(value["status"])


def test_every_rule_is_listed() -> None:
    installed = _installed_rules() or KNOWN_RULES
    assert installed <= set(RULES)
    assert set(RULES) <= installed | KNOWN_RULES


def test_every_rule_not_done_says_why() -> None:
    for name, rule in RULES.items():
        if rule == "done":
            continue
        assert rule["status"] in {"done", "exempt", "todo"}, name
        assert len(rule["comment"]) > 20, name
    # Only one rule is still to do, and it has a plan.
    assert [name for name in RULES if _status(name) == "todo"] == [
        "dependency-transparency"
    ]


def _raises() -> list[tuple[str, ast.Call]]:
    return [
        (module, node.exc)
        for module, tree in SOURCES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
    ]


def _check_parallel_updates(**_: Any) -> None:
    for platform in PLATFORMS:
        tree = SOURCES[platform]
        names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "PARALLEL_UPDATES" in names, platform


def _check_entity_translations(**_: Any) -> None:
    for platform in PLATFORMS:
        for description in descriptions_of(platform):
            key = description.translation_key
            assert key in STRINGS["entity"][platform], f"{platform}.{description.key}"


def _check_icon_translations(**_: Any) -> None:
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    for platform in PLATFORMS:
        for description in descriptions_of(platform):
            icon = icons["entity"][platform][description.translation_key]
            assert icon["default"].startswith("mdi:"), description.key
    for service in STRINGS.get("services", {}):
        assert icons["services"][service]["service"].startswith("mdi:"), service


def _check_exception_translations(**_: Any) -> None:
    translatable = {
        "HomeAssistantError", "ServiceValidationError", "ConfigEntryAuthFailed",
        "ConfigEntryNotReady", "ConfigEntryError", "UpdateFailed",
    }  # fmt: skip
    for module, call in _raises():
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in translatable:
            keywords = {keyword.arg for keyword in call.keywords}
            assert "translation_key" in keywords, f"{module}: raise {name}"


def _check_flows(**_: Any) -> None:
    steps = {
        node.name
        for node in ast.walk(SOURCES["config_flow"])
        if isinstance(node, ast.AsyncFunctionDef)
    }
    assert {"async_step_user", "async_step_reauth", "async_step_reconfigure"} <= steps


async def _check_action_setup(
    hass: HomeAssistant, entry: MockConfigEntry, **_: Any
) -> None:
    """The actions of services.yaml are registered by async_setup: unloading keeps them."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert await hass.config_entries.async_unload(entry.entry_id)
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    path = INTEGRATION / "services.yaml"
    assert registered == set(load_yaml_dict(path) if path.exists() else {})


async def _check_entry(hass: HomeAssistant, entry: MockConfigEntry, **_: Any) -> None:
    """Runtime data, entity names, devices and unloading of a running entry."""
    assert entry.runtime_data is not None
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert entities
    assert all(entity.has_entity_name for entity in entities)
    assert all(entity.translation_key for entity in entities)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1
    assert all(entity.device_id == devices[0].id for entity in entities)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def _check_appropriate_polling(
    hass: HomeAssistant, simulator: IcwsSimulator, **_: Any
) -> None:
    """Pushed, not polled: no entity or coordinator polls, and a change costs no request.

    The server offers server-sent events: the entry holds one stream, and a status change
    on the server reaches its entity without any request.
    """
    entities = [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        for entity in platform.entities.values()
    ]
    assert entities
    assert not [entity.entity_id for entity in entities if entity.should_poll]
    assert not [
        entity.entity_id
        for entity in entities
        if isinstance(entity, CoordinatorEntity)
        and entity.coordinator.update_interval is not None
    ]
    assert simulator.sessions.open_streams == 1
    since = len(simulator.traffic.requests)
    simulator.status.set_user_status(USERNAME, "At Lunch")
    await wait_for_state(hass, "sensor.jane_doe_cic01_status", "At Lunch")
    assert simulator.traffic.requests[since:] == []


async def _check_diagnostics(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
) -> None:
    """No personal field of a remote-number entry reaches the diagnostics."""
    text = json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry))
    personal = {USERNAME, PASSWORD, DISPLAY_NAME, REMOTE_NUMBER, simulator.url}
    assert not {value for value in personal if value in text}


async def _add_colleague(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Add a colleague through the subentry flow; return the subentry's id."""
    flow = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "colleague"), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], {"user_id": COLLEAGUE}
    )
    await hass.async_block_till_done()
    assert result["type"] == "create_entry"
    return next(iter(entry.subentries))


async def _check_dynamic_devices(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: IcwsSimulator, **_: Any
) -> None:
    """A colleague added while the entry runs is a new device, without a reload."""
    logins = simulator.traffic.login_attempts
    await _add_colleague(hass, entry)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 2
    assert entry.state is ConfigEntryState.LOADED
    assert simulator.traffic.login_attempts == logins


async def _check_stale_devices(
    hass: HomeAssistant, entry: MockConfigEntry, **_: Any
) -> None:
    """A colleague removed takes their device and entities away."""
    subentry_id = await _add_colleague(hass, entry)
    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert all(entity.config_subentry_id is None for entity in entities)


async def _check_workgroup_devices(
    hass: HomeAssistant, entry: MockConfigEntry, **_: Any
) -> None:
    """A wallboard workgroup added while the entry runs gets a device; removed, it goes."""
    registry = dr.async_get(hass)

    def devices() -> int:
        return len(dr.async_entries_for_config_entry(registry, entry.entry_id))

    before, subentries = devices(), set(entry.subentries)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "workgroup"), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"workgroup": "Support"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    (subentry_id,) = set(entry.subentries) - subentries

    assert devices() == before + 1
    assert entry.state is ConfigEntryState.LOADED
    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert devices() == before


async def _check_subentry_devices_appear(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: IcwsSimulator, **_: Any
) -> None:
    """Colleagues and wallboard workgroups become devices while the entry runs."""
    await _check_dynamic_devices(hass, entry, simulator)
    await _check_workgroup_devices(hass, entry)


async def _check_subentry_devices_go(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: IcwsSimulator, **_: Any
) -> None:
    """A colleague or a workgroup removed takes its device along."""
    await _check_stale_devices(hass, entry)
    await _check_workgroup_devices(hass, entry)


type Check = Callable[..., Coroutine[Any, Any, None] | None]
CHECKS: dict[str, Check] = {
    "action-exceptions": _check_exception_translations,
    "action-setup": _check_action_setup,
    "appropriate-polling": _check_appropriate_polling,
    "config-entry-unloading": _check_entry,
    "config-flow": _check_flows,
    "devices": _check_entry,
    "diagnostics": _check_diagnostics,
    "dynamic-devices": _check_subentry_devices_appear,
    "entity-translations": _check_entity_translations,
    "entity-unique-id": _check_entry,
    "exception-translations": _check_exception_translations,
    "has-entity-name": _check_entry,
    "icon-translations": _check_icon_translations,
    "parallel-updates": _check_parallel_updates,
    "reauthentication-flow": _check_flows,
    "reconfiguration-flow": _check_flows,
    "runtime-data": _check_entry,
    "stale-devices": _check_subentry_devices_go,
}


def test_every_done_rule_has_a_check_or_a_reason_it_has_none() -> None:
    done = {name for name in RULES if _status(name) == "done"}
    assert done <= set(CHECKS) | NOT_OBSERVED_HERE, done - set(CHECKS)


@pytest.fixture
def station_options() -> dict[str, object]:
    """A remote-number station: personal data in the options and on the station."""
    return {
        CONF_STATION_TYPE: "remote_number",
        CONF_REMOTE_NUMBER: REMOTE_NUMBER,
        CONF_PERSISTENT: False,
    }


@pytest.mark.parametrize(
    "rule",
    [name for name in sorted(CHECKS) if _status(name) == "done"],
)
async def test_done_rule_is_observed(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: IcwsSimulator,
    init_integration: MockConfigEntry,
    rule: str,
) -> None:
    simulator.set_password(COLLEAGUE, "pw-colleague")
    result = CHECKS[rule](
        hass=hass,
        entry=init_integration,
        hass_client=hass_client,
        simulator=simulator,
    )
    if result is not None:
        await result


def test_brand_images_ship_with_the_integration() -> None:
    for name in ("icon.png", "icon@2x.png", "logo.png", "logo@2x.png"):
        assert (INTEGRATION / "brand" / name).stat().st_size > 0
