"""Hassfest's rules applied offline: what the Validate workflow's hassfest would refuse.

The rules live in tests/hassfest/. The integration's files are checked as they are, and
each rule is shown to catch a violation planted in a small valid example of its file, so a
rule that stopped working fails here too. The examples carry what the integration does not
use yet (config subentries, action sections, range icons) so those shapes are checked ahead.
"""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import homeassistant.components
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest

from custom_components.icws_station.const import DOMAIN

from .hassfest.code import config_flow_problems, config_schema_problems, import_problems
from .hassfest.icons import icon_problems
from .hassfest.manifest import manifest_problems
from .hassfest.services import REGISTERS_ACTIONS, service_problems
from .hassfest.translations import translation_problems

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "icws_station"
MANIFEST: dict[str, Any] = json.loads((INTEGRATION / "manifest.json").read_text())
INTEGRATION_TYPE = str(MANIFEST.get("integration_type", "hub"))
STRINGS: dict[str, Any] = json.loads(
    (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
)
SOURCES = {
    path.relative_to(INTEGRATION).as_posix(): path.read_text(encoding="utf-8")
    for path in sorted(INTEGRATION.rglob("*.py"))
}
CORE_DOMAINS = {
    path.name
    for folder in homeassistant.components.__path__
    for path in Path(folder).iterdir()
    if path.is_dir() and not path.name.startswith("_")
}
DELETE = object()


def plant(document: dict[str, Any], where: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``document`` with ``value`` at the dotted path (DELETE removes it)."""
    planted = copy.deepcopy(document)
    *parents, last = where.split(".")
    node = planted
    for key in parents:
        node = node.setdefault(key, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return planted


# --- The integration's files ---


def test_json_files_parse() -> None:
    """json: every JSON file of the integration parses."""
    for path in INTEGRATION.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_translations_directory_name() -> None:
    """translations: the directory is ``translations`` (``.translations`` is long gone)."""
    assert (INTEGRATION / "translations").is_dir()
    assert not (INTEGRATION / ".translations").exists()


@pytest.mark.parametrize(
    "path",
    sorted((INTEGRATION / "translations").glob("*.json")),
    ids=lambda path: path.name,
)
def test_translations(path: Path) -> None:
    """translations: the schema of en.json; every language is held to it (stricter)."""
    strings = json.loads(path.read_text(encoding="utf-8"))
    assert translation_problems(strings, INTEGRATION_TYPE) == []


def test_icons() -> None:
    """icons: the schema of icons.json for the manifest's integration type."""
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    assert icon_problems(icons, INTEGRATION_TYPE) == []


def test_services() -> None:
    """services: services.yaml's schema, selectors and select translation keys."""
    services = load_yaml_dict(INTEGRATION / "services.yaml")
    assert service_problems(services, STRINGS) == []


def test_actions_registered_in_code_have_services_yaml() -> None:
    """services: code that registers actions comes with services.yaml."""
    registering = [
        name for name, text in SOURCES.items() if REGISTERS_ACTIONS.search(text)
    ]
    assert registering
    assert (INTEGRATION / "services.yaml").is_file()


def test_manifest() -> None:
    """manifest: the custom integration schema, version, order, domain and dependencies."""
    assert manifest_problems(MANIFEST, INTEGRATION.name, CORE_DOMAINS) == []


def test_imports_of_other_integrations() -> None:
    """dependencies: every integration the code imports is declared or always there."""
    trees = {name: ast.parse(text) for name, text in SOURCES.items()}
    own = {path.stem for path in INTEGRATION.iterdir() if path.suffix in ("", ".py")}
    assert import_problems(trees, MANIFEST, own) == []


def test_config_schema() -> None:
    """config_schema: async_setup comes with a CONFIG_SCHEMA."""
    config = SOURCES.get("config.py")
    init = ast.parse(SOURCES["__init__.py"])
    parsed = None if config is None else ast.parse(config)
    assert config_schema_problems(init, parsed) == []


def test_config_flow() -> None:
    """config_flow: the manifest's config flow is in config_flow.py."""
    assert config_flow_problems(MANIFEST, SOURCES.get("config_flow.py")) == []


async def test_yaml_configuration_is_refused_with_an_issue(hass: HomeAssistant) -> None:
    """What CONFIG_SCHEMA does for a user: YAML for the domain raises a repair issue."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"url": "cic01"}})
    issue = ir.async_get(hass).async_get_issue(
        "homeassistant", f"config_entry_only_{DOMAIN}"
    )
    assert issue is not None
    assert not hass.config_entries.async_entries(DOMAIN)


# --- Each rule catches a planted violation ---

STRINGS_EXAMPLE: dict[str, Any] = {
    "config": {
        "step": {
            "user": {
                "title": "Sign in",
                "description": "Sign in to {server}.",
                "data": {"url": "Address", "password": "Password"},
                "data_description": {"url": "For example {url_example}."},
                "sections": {
                    "advanced": {"name": "Advanced", "data": {"timeout": "Timeout"}}
                },
            }
        },
        "error": {"cannot_connect": "Cannot connect."},
        "abort": {"already_configured": "Already set up."},
    },
    "config_subentries": {
        "team": {
            "entry_type": "Team",
            "initiate_flow": {"user": "Add team", "reconfigure": "Change team"},
            "step": {"user": {"title": "Team", "data": {"name": "Name"}}},
            "error": {"unknown": "Unexpected error."},
            "abort": {"already_configured": "Already added."},
        }
    },
    "options": {"step": {"init": {"data": {"mode": "Mode"}}}},
    "selector": {"mode": {"options": {"auto": "Automatic", "poll-fast": "Fast"}}},
    "entity": {
        "sensor": {
            "call_state": {
                "name": "Call state",
                "state": {"idle": "Idle"},
                "state_attributes": {"direction": {"name": "Direction"}},
            }
        }
    },
    "exceptions": {"cannot_connect": {"message": "Cannot connect to {host}: {error}"}},
    "issues": {
        "refused": {"title": "Refused", "description": "{host} refused."},
        "ended": {
            "title": "Ended",
            "fix_flow": {"step": {"confirm": {"description": "Sign in again."}}},
        },
    },
    "services": {
        "call": {
            "name": "Call",
            "description": "Places a call.",
            "fields": {"number": {"name": "Number", "description": "Whom to call."}},
            "sections": {"advanced": {"name": "Advanced options"}},
        }
    },
}


def test_the_strings_example_is_valid() -> None:
    assert translation_problems(STRINGS_EXAMPLE, "service") == []


@pytest.mark.parametrize(
    ("where", "value", "found"),
    [
        pytest.param("issues.ended.description", "Text.", "exclude each other", id="issue-both"),
        pytest.param("issues.refused.description", DELETE, "needs a description or a fix_flow", id="issue-neither"),
        pytest.param("issues.refused.title", DELETE, "issues.refused.title: required", id="issue-title"),
        pytest.param("exceptions.cannot_connect.message", "{host name}", "not an identifier", id="placeholder-name"),
        pytest.param("exceptions.cannot_connect.message", "At '{host}'.", "single quotes", id="quoted-placeholder"),
        pytest.param("exceptions.cannot_connect.message", "At {host.", "unbalanced", id="unbalanced-brace"),
        pytest.param("config.error.cannot_connect", "See https://cic01.example.com/help.", "a URL", id="url"),
        pytest.param("config.error.cannot_connect", "See www.example.org.", "a URL", id="www"),
        pytest.param("config.error.cannot_connect", "Cannot <b>connect</b>.", "HTML", id="html"),
        pytest.param("config.error.cannot_connect", "Cannot connect. ", "white space", id="trailing-space"),
        pytest.param("config.error.cannot_connect", "Oh: [%key:common::x%]", "reference combined", id="combined-reference"),
        pytest.param("entity.sensor.call_state.state.idle", "Idle {since}", "not allowed here", id="state-placeholder"),
        pytest.param("entity.sensor.call_state.state_attributes.direction.name", "In {x}", "not allowed here", id="attribute-placeholder"),
        pytest.param("entity.sensor.Call_State", {"name": "Call"}, "not a translation key", id="uppercase-key"),
        pytest.param("entity.sensor.call__state", {"name": "Call"}, "not a translation key", id="double-separator"),
        pytest.param("entity.sensor.call_state.state._idle", "Idle", "not a translation key", id="leading-separator"),
        pytest.param("entity.Sensor", {}, "not a slug", id="platform-slug"),
        pytest.param("exceptions.Cannot-Connect", {"message": "x"}, "not a slug", id="exception-slug"),
        pytest.param("selector.mode.options.Auto", "Automatic", "not a translation key", id="option-key"),
        pytest.param("configs", {}, "configs: unknown key", id="top-level-key"),
        pytest.param("config.step.user.datas", {}, "unknown key", id="step-key"),
        pytest.param("config.step.user.data_description.password_hint", "Hint.", "not in data", id="data-description"),
        pytest.param("config.title", "ICWS", "top-level title", id="config-title"),
        pytest.param("config.step", DELETE, "config.step: required", id="flow-step"),
        pytest.param("options.entry_type", "Team", "unknown key", id="entry-type-outside-subentries"),
        pytest.param("config_subentries.team.entry_type", DELETE, "entry_type: required", id="subentry-entry-type"),
        pytest.param("config_subentries.team.initiate_flow.user", DELETE, "initiate_flow.user: required", id="subentry-initiate"),
        pytest.param("config_subentries.team.step.user.colour", "Red", "unknown key", id="subentry-step-key"),
        pytest.param("config_subentries.team.abort.gone", "<i>Gone</i>", "HTML", id="subentry-abort"),
        pytest.param("config_subentries.Team", {}, "not a slug", id="subentry-type-slug"),
        pytest.param("services.call.description", DELETE, "services.call.description: required", id="action-description"),
        pytest.param("services.call.sections.advanced.name", DELETE, "sections.advanced.name: required", id="section-name"),
        pytest.param("services.call.sections.advanced.icon", "mdi:x", "unknown key", id="section-key"),
        pytest.param("services.call.fields.number.description", DELETE, "required", id="field-description"),
    ],
)  # fmt: skip
def test_translation_rule_catches(where: str, value: Any, found: str) -> None:
    problems = translation_problems(plant(STRINGS_EXAMPLE, where, value), "service")
    assert any(found in problem for problem in problems), problems


def test_a_helper_describes_its_user_step() -> None:
    planted = plant(STRINGS_EXAMPLE, "config.step.user.description", DELETE)
    assert translation_problems(planted, "service") == []
    assert translation_problems(planted, "helper") == [
        "config: step user needs a description"
    ]


ICONS_EXAMPLE: dict[str, Any] = {
    "entity": {
        "sensor": {
            "call_state": {
                "default": "mdi:phone",
                "state": {"ringing": "mdi:phone-ring"},
                "state_attributes": {"direction": {"default": "mdi:arrow-left-right"}},
            },
            "calls": {
                "default": "mdi:counter",
                "range": {"0": "mdi:numeric-0", "1": "mdi:numeric-1"},
            },
        }
    },
    "services": {
        "call": {"service": "mdi:phone-outgoing", "sections": {"advanced": "mdi:cog"}},
        "hang_up": "mdi:phone-hangup",
    },
    "config": {"step": {"user": {"sections": {"advanced": "mdi:cog"}}}},
}


def test_the_icons_example_is_valid() -> None:
    assert icon_problems(ICONS_EXAMPLE, "service") == []


@pytest.mark.parametrize(
    ("where", "value", "found"),
    [
        pytest.param("entity.sensor.call_state.default", "phone", "not a Material Design icon", id="not-mdi"),
        pytest.param("entity.sensor.call_state.state.ringing", "mdi:phone", "equal to the default", id="state-same-as-default"),
        pytest.param("entity.sensor.call_state.state.Ringing", "mdi:phone-ring", "not a translation key", id="state-key"),
        pytest.param("entity.sensor.calls.range", {"1": "mdi:a", "0": "mdi:b"}, "ascend", id="range-order"),
        pytest.param("entity.sensor.calls.range", {"one": "mdi:a"}, "must be a number", id="range-key"),
        pytest.param("entity.sensor.call_state.colour", "red", "unknown key", id="entity-key"),
        pytest.param("entity.sensor.call_state.state_attributes.direction.default", "arrow", "not a Material Design icon", id="attribute-icon"),
        pytest.param("entity_component", {"_": {"default": "mdi:phone"}}, "entity_component: unknown key", id="entity-component"),
        pytest.param("services.call.sections.advanced", "cog", "not a Material Design icon", id="section-icon"),
        pytest.param("services.call.icon", "mdi:phone", "unknown key", id="action-key"),
        pytest.param("services.hang_up", "hangup", "not a Material Design icon", id="shorthand"),
        pytest.param("config.step.user.sections.advanced", 5, "expected a string", id="step-section"),
        pytest.param("exceptions", {}, "unknown key", id="top-level-key"),
    ],
)  # fmt: skip
def test_icon_rule_catches(where: str, value: Any, found: str) -> None:
    problems = icon_problems(plant(ICONS_EXAMPLE, where, value), "service")
    assert any(found in problem for problem in problems), problems


def test_an_entity_integration_has_component_icons_only() -> None:
    problems = icon_problems(ICONS_EXAMPLE, "entity")
    assert "entity_component: required" in problems
    assert "entity: unknown key" in problems


SERVICES_EXAMPLE: dict[str, Any] = {
    "call": {
        "fields": {
            "number": {"required": True, "example": "3175551234", "selector": {"text": {"type": "tel"}}},
            "mode": {"selector": {"select": {"options": ["auto", "poll-fast"], "translation_key": "mode"}}},
            "advanced": {
                "collapsed": True,
                "fields": {"timeout": {"default": 30, "selector": {"number": {"min": 1, "max": 60}}}},
            },
        }
    },
    "hang_up": {"target": {"entity": {"domain": "sensor"}}},
    "refresh": None,
}  # fmt: skip


def test_the_services_example_is_valid() -> None:
    assert service_problems(SERVICES_EXAMPLE, STRINGS_EXAMPLE) == []


@pytest.mark.parametrize(
    ("where", "value", "found"),
    [
        pytest.param("call.fields.number.selector", {"txt": None}, "invalid selector", id="selector-type"),
        pytest.param("call.fields.advanced.fields.timeout.selector", {"number": {"min": "one"}}, "invalid selector", id="selector-config"),
        pytest.param("call.fields.mode.selector.select.translation_key", "modes", "not in the translations", id="select-translation"),
        pytest.param("call.fields.number.requird", True, "unknown key", id="field-key"),
        pytest.param("call.fields.number.example", None, "empty", id="example-empty"),
        pytest.param("call.fields.number.required", "yes", "true or false", id="required-bool"),
        pytest.param("call.fields.advanced.fields.number", {"selector": {"text": None}}, "used twice", id="field-twice"),
        pytest.param("call.fields.advanced.fields", None, "expected an object", id="section-fields"),
        pytest.param("call.fields.number.filter", {"supported_features": ["light.LightEntityFeature.EFFECT"]}, "unknown key", id="filter-untargeted"),
        pytest.param("hang_up.target", {"entity": {"domian": "sensor"}}, "invalid target", id="target"),
        pytest.param("Call", None, "not a slug", id="action-slug"),
    ],
)  # fmt: skip
def test_service_rule_catches(where: str, value: Any, found: str) -> None:
    problems = service_problems(plant(SERVICES_EXAMPLE, where, value), STRINGS_EXAMPLE)
    assert any(found in problem for problem in problems), problems


MANIFEST_EXAMPLE: dict[str, Any] = {
    "domain": "example_station",
    "name": "Example Station",
    "codeowners": ["@example"],
    "config_flow": True,
    "dependencies": ["http"],
    "documentation": "https://github.com/example/example_station",
    "integration_type": "service",
    "iot_class": "local_push",
    "issue_tracker": "https://github.com/example/example_station/issues",
    "quality_scale": "platinum",
    "requirements": ["aioicws==1.0.0", "yarl>=1.9"],
    "version": "1.2.0",
}


def check_manifest(manifest: dict[str, Any]) -> list[str]:
    return manifest_problems(manifest, "example_station", CORE_DOMAINS)


def test_the_manifest_example_is_valid() -> None:
    assert check_manifest(MANIFEST_EXAMPLE) == []


@pytest.mark.parametrize(
    ("where", "value", "found"),
    [
        pytest.param("version", DELETE, "manifest.version: required", id="version-missing"),
        pytest.param("version", "one", "not a version", id="version-invalid"),
        pytest.param("iot_class", DELETE, "manifest.iot_class: required", id="iot-class-missing"),
        pytest.param("iot_class", "local_pushing", "not one of", id="iot-class"),
        pytest.param("integration_type", "virtual", "not one of", id="integration-type"),
        pytest.param("quality_scale", "diamond", "not one of", id="quality-scale"),
        pytest.param("zz_extra", True, "unknown key", id="unknown-key"),
        pytest.param("documentation", "http://example.com/docs", "not an https URL", id="docs-http"),
        pytest.param("documentation", "https://www.home-assistant.io/integrations/x", "core's documentation", id="docs-core"),
        pytest.param("issue_tracker", "issues", "not a URL", id="issue-tracker"),
        pytest.param("codeowners", [], "needs a code owner", id="codeowners"),
        pytest.param("domain", "other_station", "directory's name", id="domain"),
        pytest.param("after_dependencies", ["http"], "dependencies and after_dependencies", id="dependency-twice"),
        pytest.param("requirements", ["aioicws == 1.0"], "without spaces", id="requirement-space"),
        pytest.param("requirements", ["aio icws"], "without spaces", id="requirement-name"),
        pytest.param("config_flow", "yes", "true or false", id="config-flow-bool"),
    ],
)  # fmt: skip
def test_manifest_rule_catches(where: str, value: Any, found: str) -> None:
    problems = check_manifest(plant(MANIFEST_EXAMPLE, where, value))
    assert any(found in problem for problem in problems), problems


def test_manifest_keys_are_ordered_and_the_domain_is_new() -> None:
    unordered = {"name": "Example Station", **MANIFEST_EXAMPLE}
    assert check_manifest(unordered) == [
        "manifest: keys not in order (domain, name, then alphabetical)"
    ]
    assert "manifest.domain: collides with a core integration" in manifest_problems(
        plant(MANIFEST_EXAMPLE, "domain", "sensor"), "sensor", CORE_DOMAINS
    )


def test_import_rule_catches_an_undeclared_integration() -> None:
    code = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from homeassistant.components.sensor import SensorEntity\n"
        "from homeassistant.components.http import HomeAssistantView\n"
        "import homeassistant.components.mqtt as mqtt\n"
        "from homeassistant.components import zeroconf, repairs\n"
        "if TYPE_CHECKING:\n"
        "    from homeassistant.components.cloud import Cloud\n"
    )
    problems = import_problems({"x.py": code}, MANIFEST_EXAMPLE, {"repairs"})
    assert problems == [
        "x.py: imports mqtt, which is not in dependencies or after_dependencies",
        "x.py: imports zeroconf, which is not in dependencies or after_dependencies",
    ]


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("async def async_setup(hass, config):\n    return True\n", 1),
        ("def setup(hass, config):\n    return True\n", 1),
        (
            "CONFIG_SCHEMA = x\nasync def async_setup(hass, config):\n    return True\n",
            0,
        ),
        (
            "from .x import PLATFORM_SCHEMA\ndef setup(hass, config):\n    return True\n",
            0,
        ),
        ("async def async_setup_entry(hass, entry):\n    return True\n", 0),
    ],
)
def test_config_schema_rule(source: str, problems: int) -> None:
    assert len(config_schema_problems(ast.parse(source))) == problems


def test_config_schema_rule_accepts_a_config_module() -> None:
    init = ast.parse("async def async_setup(hass, config):\n    return True\n")
    config = ast.parse(
        "async def async_validate_config(hass, config):\n    return config\n"
    )
    assert config_schema_problems(init, config) == []


def test_config_flow_rule() -> None:
    assert config_flow_problems({"config_flow": True}, None) == [
        "config_flow.py missing"
    ]
    discoverable = "async def async_step_zeroconf(self, info):\n    pass\n"
    assert config_flow_problems({}, discoverable) == [
        "config_flow.py: a discoverable flow needs to set a unique ID"
    ]
    assert (
        config_flow_problems({}, discoverable + "await self.async_set_unique_id(x)\n")
        == []
    )
