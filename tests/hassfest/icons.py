"""icons.py: the schema of icons.json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .shapes import (
    HTML,
    Obj,
    Problems,
    Rule,
    any_key,
    each,
    slug,
    slug_or_default,
    translation_key,
)


def icon(value: Any, path: str) -> Problems:
    """A Material Design icon: ``mdi:`` and its name, no markup."""
    if not isinstance(value, str):
        yield f"{path}: expected a string"
        return
    if HTML.search(value):
        yield f"{path}: contains HTML"
    if not value.startswith("mdi:"):
        yield f"{path}: not a Material Design icon (mdi:...)"


def _range_key(key: str) -> str | None:
    try:
        float(key)
    except ValueError:
        return "a range key must be a number"
    return None


def _states_differ_from_default(icons: Mapping[str, Any]) -> str | None:
    """A state's icon that equals the default adds nothing (hassfest: "can be removed").

    Stricter: hassfest applies it to attributes and entity components; this applies it to
    every entity too.
    """
    default, states = icons.get("default"), icons.get("state")
    if default and isinstance(states, dict):
        same = sorted(state for state, name in states.items() if name == default)
        if same:
            return f"state icons equal to the default: {same}"
    return None


def _ranges_ascend(icons: Mapping[str, Any]) -> str | None:
    ranges = icons.get("range")
    if isinstance(ranges, dict) and all(_range_key(key) is None for key in ranges):
        values = [float(key) for key in ranges]
        if values != sorted(values):
            return "range keys must ascend"
    return None


def _icon_set(default_required: bool) -> Obj:
    """One translation key's icons: a default, per state and per numeric range."""
    state = each(translation_key, icon)
    ranges = each(_range_key, icon)
    checks = (_states_differ_from_default, _ranges_ascend)
    attribute = Obj(
        {"default": icon, "state": state, "range": ranges},
        required=frozenset({"default"} if default_required else ()),
        checks=checks,
    )
    return Obj(
        {
            "default": icon,
            "state": state,
            "range": ranges,
            "state_attributes": each(translation_key, attribute),
        },
        required=frozenset({"default"} if default_required else ()),
        checks=checks,
    )


def _service_icons(value: Any, path: str) -> Problems:
    """A custom integration's action icon: the icon itself, or the action's and its sections'."""
    if isinstance(value, str):
        yield from icon(value, path)
        return
    yield from Obj({"service": icon, "sections": each(translation_key, icon)})(
        value, path
    )


def _component_has_default(icons: Mapping[str, Any]) -> str | None:
    return (
        None if "_" in icons else "an entity component needs a default icon set under _"
    )


def icons_rule(integration_type: str) -> Obj:
    """icons.py's schema of icons.json, for one integration type."""
    data_entry = Obj({"step": each(any_key, Obj({"sections": each(any_key, icon)}))})
    keys: dict[str, Rule] = {
        "config": data_entry,
        "issues": each(any_key, Obj({"fix_flow": data_entry})),
        "options": data_entry,
        "services": each(translation_key, _service_icons),
    }
    required: set[str] = set()
    if integration_type in ("entity", "helper", "system"):
        keys["entity_component"] = Obj(
            each=(slug_or_default, _icon_set(default_required=True)),
            checks=(_component_has_default,),
        )
        if integration_type == "entity":
            required.add("entity_component")
    if integration_type not in ("entity", "system"):
        keys["entity"] = each(
            slug, each(translation_key, _icon_set(default_required=False))
        )
    return Obj(keys, required=frozenset(required))


def icon_problems(icons: Any, integration_type: str) -> list[str]:
    """Check icons.json as hassfest does."""
    return list(icons_rule(integration_type)(icons, ""))
