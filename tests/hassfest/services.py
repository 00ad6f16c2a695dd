"""services.py: services.yaml against the custom integration schema, selectors included."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re
from typing import Any

from homeassistant.helpers import selector, service as service_helper
import voluptuous as vol

from .shapes import (
    BOOL,
    STR,
    Obj,
    Problems,
    Rule,
    any_key,
    at,
    each,
    list_of,
    not_none,
    slug,
)


def _selector(value: Any, path: str) -> Problems:
    """A selector Home Assistant knows, with a configuration it accepts."""
    try:
        selector.validate_selector(value)
    except (vol.Invalid, KeyError, TypeError, ValueError) as err:
        yield f"{path}: invalid selector: {err}"


def _target(value: Any, path: str) -> Problems:
    if value is None:
        return
    try:
        selector.TargetSelector.CONFIG_SCHEMA(value)
    except vol.Invalid as err:
        yield f"{path}: invalid target: {err}"


def _validated_by(validate: Callable[[str], Any]) -> Rule:
    def rule(value: Any, path: str) -> Problems:
        if not isinstance(value, str):
            yield f"{path}: expected a string"
            return
        try:
            validate(value)
        except vol.Invalid as err:
            yield f"{path}: {err}"

    return rule


def _one_filter(filters: Mapping[str, Any]) -> str | None:
    both = {"attribute", "supported_features"} <= filters.keys()
    return "filter by attribute or by supported_features, not both" if both else None


FILTER = Obj(
    {
        "attribute": each(
            any_key, list_of(_validated_by(service_helper.validate_attribute_option))
        ),
        "supported_features": list_of(
            _validated_by(service_helper.validate_supported_feature)
        ),
    },
    checks=(_one_filter,),
)
CUSTOM_EXTRAS: dict[str, Rule] = {"name": STR, "description": STR}


def _field_rule(*, targeted: bool) -> Obj:
    keys: dict[str, Rule] = {
        "example": not_none,
        "default": not_none,
        "required": BOOL,
        "advanced": BOOL,
        "selector": _selector,
        **CUSTOM_EXTRAS,
    }
    if targeted:
        # A filter narrows the action's target, so only a targeted action may have one.
        keys["filter"] = FILTER
    return Obj(keys)


def _fields_rule(*, targeted: bool) -> Rule:
    field_rule = _field_rule(targeted=targeted)
    section_rule = Obj(
        {"collapsed": BOOL, "fields": each(any_key, field_rule), **CUSTOM_EXTRAS},
        required=frozenset({"fields"}),
    )

    def rule(value: Any, path: str) -> Problems:
        if not isinstance(value, dict):
            yield f"{path}: expected an object"
            return
        seen: set[str] = set()
        for key, item in value.items():
            if isinstance(item, dict) and "fields" in item:
                yield from section_rule(item, at(path, key))
                names = (
                    list(item["fields"] or {})
                    if isinstance(item["fields"], dict)
                    else []
                )
            else:
                yield from field_rule(item, at(path, key))
                names = [key]
            for name in names:
                if name in seen:
                    yield f"{path}: field {name} is used twice"
                seen.add(name)

    return rule


def _service_rule(value: Any, path: str) -> Problems:
    if value is None:
        return
    targeted = isinstance(value, dict) and "target" in value
    yield from Obj(
        {"target": _target, "fields": _fields_rule(targeted=targeted), **CUSTOM_EXTRAS}
    )(value, path)


def fields_of(service: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return every field of an action, those in sections included, by name."""
    found: dict[str, Any] = {}
    for key, item in ((service or {}).get("fields") or {}).items():
        if isinstance(item, dict) and "fields" in item:
            found.update(item["fields"] or {})
        else:
            found[key] = item
    return found


def sections_of(service: Mapping[str, Any] | None) -> list[str]:
    """Return the names of an action's sections."""
    return [
        key
        for key, item in ((service or {}).get("fields") or {}).items()
        if isinstance(item, dict) and "fields" in item
    ]


def service_problems(services: Any, strings: Mapping[str, Any]) -> list[str]:
    """Check services.yaml as hassfest checks a custom integration's."""
    problems = list(each(slug, _service_rule)(services, ""))
    if problems:
        return problems
    for name, service in services.items():
        for field_name, field_spec in fields_of(service).items():
            select = ((field_spec or {}).get("selector") or {}).get("select") or {}
            if (
                isinstance(select, dict)
                and (translation := select.get("translation_key"))
                and translation not in strings.get("selector", {})
            ):
                problems.append(
                    f"{name}.{field_name}: selector translation_key {translation} "
                    "is not in the translations"
                )
    return problems


# Where an integration registers actions in code, it needs services.yaml (hassfest's pattern).
REGISTERS_ACTIONS = re.compile(
    r"hass\.services\.(?:register|async_register)|async_register_entity_service"
    r"|async_register_admin_service"
)
