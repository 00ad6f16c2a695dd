"""translations/en.json against the code: no URL, no missing key, no key nobody uses.

Keys are found where the code names them, so a new platform, action or issue is checked
without changing this file: ``translation_key=`` keywords (classified by the call they are
in), ``step_id=``, form errors, abort reasons, selectors in the flows' schemas, entity
descriptions in the platform modules and the actions in services.yaml.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import importlib
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

from homeassistant.const import Platform
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.selector import SelectSelector
from homeassistant.util.yaml import load_yaml_dict
import pytest

from .hassfest.services import fields_of, sections_of

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "icws_station"
PACKAGE = "custom_components.icws_station"
STRINGS: dict[str, Any] = json.loads(
    (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
)
SOURCES = {
    path.stem: ast.parse(path.read_text(encoding="utf-8"))
    for path in INTEGRATION.glob("*.py")
}
PLATFORMS = sorted(name for name in SOURCES if name in set(Platform))
# A scheme, "www." or a host name: hassfest refuses URLs in strings (use placeholders).
URL = re.compile(
    r"\b[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|example)\b",
    re.IGNORECASE,
)
# Abort reasons that Home Assistant's flow helpers raise for the integration.
IMPLIED_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "async_set_unique_id": "already_in_progress",
    "async_step_reauth": "reauth_successful",
    "async_step_reconfigure": "reconfigure_successful",
}


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else key)


def _constants(node: ast.AST) -> set[str]:
    """Return the string constants in an expression (both sides of a conditional)."""
    return {
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
    }


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _calls() -> Iterator[tuple[str, ast.ClassDef | None, ast.Call]]:
    """Yield every call of the integration with its module and the class it is in."""
    for module, tree in SOURCES.items():
        for top in tree.body:
            cls = top if isinstance(top, ast.ClassDef) else None
            for node in ast.walk(top):
                if isinstance(node, ast.Call):
                    yield module, cls, node


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _subentry_types() -> dict[str, str]:
    """Return each subentry flow class's name with the subentry type it adds."""
    flow = _module("config_flow").IcwsStationConfigFlow
    types = flow.async_get_supported_subentry_types(None)
    return {cls.__name__: subentry_type for subentry_type, cls in types.items()}


def _in_subentry_flow(cls: ast.ClassDef | None) -> bool:
    return cls is not None and "ConfigSubentryFlow" in {_name(b) for b in cls.bases}


def _flow(cls: ast.ClassDef | None) -> str:
    """Return the section of en.json a flow class's texts are in (dotted)."""
    bases = {_name(base) for base in cls.bases} if cls else set()
    if "ConfigFlow" in bases:
        return "config"
    if "ConfigSubentryFlow" in bases:
        assert cls is not None
        return f"config_subentries.{_subentry_types()[cls.name]}"
    assert bases & {"OptionsFlow", "OptionsFlowWithReload"}, bases
    return "options"


def _section(dotted: str) -> Any:
    """Return the part of en.json a dotted section names."""
    found: Any = STRINGS
    for key in dotted.split("."):
        found = found[key]
    return found


def _form_errors(cls: ast.ClassDef) -> set[str]:
    """Return the errors a flow class sets: ``errors[field] = ...`` or ``errors = {...}``."""
    found: set[str] = set()
    for node in ast.walk(cls):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "errors"
            ):
                found |= _constants(node.value)
            elif (
                isinstance(target, ast.Name)
                and target.id == "errors"
                and isinstance(node.value, ast.Dict)
            ):
                for value in node.value.values:
                    found |= _constants(value)
    return found


def _used() -> dict[str, set[str]]:
    """Return the dotted keys the code uses, by section, from the sources."""
    used: dict[str, set[str]] = {}

    def use(section: str, keys: set[str]) -> None:
        used.setdefault(section, set()).update(keys)

    for module, cls, call in _calls():
        name = _name(call.func)
        if (key := _keyword(call, "translation_key")) is not None:
            if name == "async_create_issue":
                use("issues", _constants(key))
            elif name == "SelectSelectorConfig":
                pass  # read from the schemas, with their options
            elif _keyword(call, "translation_domain") is not None:
                use("exceptions", _constants(key))
            elif name.endswith("EntityDescription"):
                pass  # read from the platform modules, with their states
            else:
                pytest.fail(f"{module}: translation_key in {name}() is not classified")
        if (step := _keyword(call, "step_id")) is not None:
            use(f"{_flow(cls)}.step", _constants(step))
        if name == "async_abort" and (reason := _keyword(call, "reason")) is not None:
            section = _flow(cls) if cls is not None else "config"
            use(
                f"{'config' if section == 'options' else section}.abort",
                _constants(reason),
            )
        if name == "_ValidationError" and call.args:
            flow = f"{_flow(cls)}." if _in_subentry_flow(cls) else ""
            use(f"{flow}error", _constants(call.args[0]))
        if name == "_raise_issue" and call.args:
            use("issues", _constants(call.args[0]))
        if name in IMPLIED_ABORTS:
            use("config.abort", {IMPLIED_ABORTS[name]})
        if name == "translated_errors" and (refused := _keyword(call, "refused")):
            # A constant, or the function that picks the key for a refusal.
            use("exceptions", _constants(refused) or _returned(module, refused))
    for node in ast.walk(SOURCES["config_flow"]):
        if isinstance(node, ast.AsyncFunctionDef) and node.name in IMPLIED_ABORTS:
            use("config.abort", {IMPLIED_ABORTS[node.name]})
    for top in SOURCES["config_flow"].body:
        if isinstance(top, ast.ClassDef) and top.name in _subentry_types():
            use(f"{_flow(top)}.error", _form_errors(top))
    return used


def _returned(module: str, function: ast.expr) -> set[str]:
    """Return the string constants the module's function ``function`` names returns."""
    name = _name(function)
    for node in ast.walk(SOURCES[module]):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return {
                constant
                for sub in ast.walk(node)
                if isinstance(sub, ast.Return) and sub.value is not None
                for constant in _constants(sub.value)
            }
    pytest.fail(f"{module}: no function {name} picks the translation key")


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _is_description(value: object) -> bool:
    # Home Assistant builds plain (non-subclassed) descriptions from a frozen copy of the
    # class that is no EntityDescription subclass, so isinstance() misses them.
    return isinstance(value, EntityDescription) or (
        type(value).__name__.endswith("EntityDescription") and hasattr(value, "key")
    )


def descriptions_of(platform: str) -> list[Any]:
    """Return the entity descriptions a platform module defines at module level."""
    found: list[Any] = []
    for value in vars(_module(platform)).values():
        items = value if isinstance(value, tuple | list) else (value,)
        found += [item for item in items if _is_description(item)]
    return found


def _selectors() -> dict[str, list[str]]:
    """Return each translated select selector of the flows' schemas with its options."""
    found: dict[str, list[str]] = {}
    for value in vars(_module("config_flow")).values():
        candidates = getattr(value, "schema", None)
        selectors = candidates.values() if isinstance(candidates, dict) else [value]
        for selector in selectors:
            if isinstance(selector, SelectSelector) and (
                key := selector.config.get("translation_key")
            ):
                found[key] = [str(option) for option in selector.config["options"]]
    return found


def test_no_string_contains_a_url() -> None:
    offenders = [(path, text) for path, text in _strings(STRINGS) if URL.search(text)]
    assert not offenders


def test_the_url_pattern_finds_urls() -> None:
    for text in ("see https://x.y", "www.example", "cic01.example.com", "a.b.net"):
        assert URL.search(text), text
    assert not URL.search("for example `{url_example}`, e.g. WS-114 or 8019.")


def test_flow_steps_errors_and_aborts() -> None:
    used = _used()
    assert set(STRINGS["config"]["step"]) == used["config.step"]
    assert set(STRINGS["options"]["step"]) == used["options.step"]
    assert set(STRINGS["config"]["abort"]) == used["config.abort"]
    assert set(STRINGS["config"]["error"]) == used["error"]
    # The options flow shows the errors of trying a station, a subset of the config flow's.
    assert set(STRINGS["options"]["error"]) <= used["error"]


def test_subentry_flows() -> None:
    """Each subentry type's steps, errors and aborts are the ones its flow uses."""
    used = _used()
    types = set(_subentry_types().values())
    assert set(STRINGS.get("config_subentries", {})) == types
    for subentry_type in types:
        section = f"config_subentries.{subentry_type}"
        strings = _section(section)
        assert set(strings["step"]) == used[f"{section}.step"], subentry_type
        assert set(strings.get("abort", {})) == used.get(f"{section}.abort", set())
        assert set(strings.get("error", {})) == used.get(f"{section}.error", set())
        assert strings["initiate_flow"]["user"]
        assert strings["entry_type"]


def test_exceptions_and_issues() -> None:
    used = _used()
    assert set(STRINGS.get("exceptions", {})) == used.get("exceptions", set())
    assert set(STRINGS.get("issues", {})) == used.get("issues", set())


def test_selectors_and_their_options() -> None:
    selectors = _selectors()
    assert selectors
    assert set(STRINGS["selector"]) == set(selectors)
    for key, options in selectors.items():
        assert set(STRINGS["selector"][key]["options"]) == set(options), key


def test_entities_of_every_platform() -> None:
    assert set(STRINGS.get("entity", {})) <= set(PLATFORMS)
    for platform in PLATFORMS:
        strings = STRINGS["entity"].get(platform, {})
        descriptions = descriptions_of(platform)
        keys = {d.translation_key for d in descriptions}
        assert None not in keys, f"{platform}: an entity without translation_key"
        assert set(strings) == keys, platform
        for description in descriptions:
            entry = strings[description.translation_key]
            assert entry["name"], description.key
            if options := getattr(description, "options", None):
                assert set(entry["state"]) == set(options), description.key
            if event_types := getattr(description, "event_types", None):
                states = entry["state_attributes"]["event_type"]["state"]
                assert set(states) == set(event_types), description.key


def test_actions() -> None:
    path = INTEGRATION / "services.yaml"
    services = load_yaml_dict(path) if path.exists() else {}
    strings = STRINGS.get("services", {})
    assert set(strings) == set(services)
    for name, service in services.items():
        assert strings[name]["name"]
        assert strings[name]["description"]
        # A section's fields are translated among the action's own; the section by name.
        fields = fields_of(service)
        assert set(strings[name].get("fields", {})) == set(fields), name
        for field in fields:
            assert strings[name]["fields"][field]["name"], f"{name}.{field}"
            assert strings[name]["fields"][field]["description"], f"{name}.{field}"
        sections = sections_of(service)
        assert set(strings[name].get("sections", {})) == set(sections), name
        for section in sections:
            assert strings[name]["sections"][section]["name"], f"{name}.{section}"


def test_icons_are_for_what_exists() -> None:
    """icons.json names only translated entities, their states and attributes, and actions.

    Hassfest checks the file's shape only; an icon for a key nobody uses is never shown.
    """
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    for platform, entities in icons.get("entity", {}).items():
        for key, entity_icons in entities.items():
            strings = STRINGS["entity"].get(platform, {}).get(key)
            assert strings is not None, f"{platform}.{key}"
            states = set(strings.get("state", {}))
            if platform in {Platform.BINARY_SENSOR, Platform.SWITCH}:
                states |= {"on", "off"}  # translated by Home Assistant itself
            assert set(entity_icons.get("state", {})) <= states, f"{platform}.{key}"
            attributes = strings.get("state_attributes", {})
            for name, attribute_icons in entity_icons.get(
                "state_attributes", {}
            ).items():
                assert name in attributes, f"{platform}.{key}.{name}"
                attribute_states = set(attributes[name].get("state", {}))
                assert set(attribute_icons.get("state", {})) <= attribute_states, name
    path = INTEGRATION / "services.yaml"
    services = load_yaml_dict(path) if path.exists() else {}
    assert set(icons.get("services", {})) <= set(services)
    for name, service_icons in icons.get("services", {}).items():
        sections = (
            service_icons.get("sections", {}) if isinstance(service_icons, dict) else {}
        )
        assert set(sections) <= set(sections_of(services[name])), name


def test_static_placeholders_are_provided() -> None:
    """Where a form's placeholders are a literal or a module constant, they cover the text."""
    flow = _module("config_flow")
    for _, cls, call in _calls():
        step = _keyword(call, "step_id")
        given = _keyword(call, "description_placeholders")
        if step is None or not isinstance(given, ast.Name | ast.Dict):
            continue
        if isinstance(given, ast.Name):
            if not hasattr(flow, given.id):
                continue  # built at run time; the flow tests check those forms
            provided = set(getattr(flow, given.id))
        elif any(key is None for key in given.keys):
            provided = {  # {**NAME, "key": ...}
                name
                for key, value in zip(given.keys, given.values, strict=True)
                for name in (
                    _constants(key)
                    if key is not None
                    else set(getattr(flow, _name(value), {}))
                )
            }
        else:
            provided = {k.value for k in given.keys if isinstance(k, ast.Constant)}
        for step_id in _constants(step):
            texts = dict(_strings(_section(_flow(cls))["step"][step_id]))
            needed = {
                n for text in texts.values() for n in re.findall(r"\{(\w+)\}", text)
            }
            assert needed <= provided, step_id
