"""translations.py: the schema hassfest checks a custom integration's translations/en.json with."""

from __future__ import annotations

from collections.abc import Mapping
import re
import string
from typing import Any

from .shapes import (
    HTML,
    STR,
    Check,
    Obj,
    Problems,
    Rule,
    any_key,
    at,
    each,
    removed,
    slug,
    slug_or_default,
    translation_key,
    underscore_slug,
)

QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")
# A [%key:...%] reference must be the whole string, never part of a sentence.
COMBINED_REFERENCE = re.compile(r".\[%|%\].")
# URLs must come in through placeholders; hassfest's own pattern: a scheme it knows or
# "www.", then a host name with a top-level domain.
URL = re.compile(
    r"(?:(?:ftps?|scp|https?|mqtts?|socket|socks5)://|www\.)"
    r"[a-z0-9]+(?:[-.][a-z0-9]+)*\.[a-z]{2,5}",
    re.IGNORECASE,
)


def _placeholders(value: str) -> list[str] | None:
    """Return the placeholder names of a text; None if its braces do not parse."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(value) if name]
    except ValueError:
        return None


def text_problems(value: str, *, placeholders: bool = True) -> Problems:
    """translations.py's rules for every translated text."""
    if HTML.search(value):
        yield "contains HTML"
    if QUOTED_PLACEHOLDER.search(value):
        yield "a placeholder in single quotes"
    names = _placeholders(value)
    if names is None:
        yield "braces that are no placeholder (unbalanced)"
    elif names and not placeholders:
        yield "placeholders are not allowed here"
    else:
        for name in names:
            if not name.isidentifier():
                yield f"placeholder {{{name}}} is not an identifier"
    if COMBINED_REFERENCE.search(value):
        yield "a [%key:...%] reference combined with other text"
    if value != value.strip():
        yield "leading or trailing white space"
    if URL.search(value):
        yield "a URL (give it as a placeholder)"


def text(*, placeholders: bool = True) -> Rule:
    """A translated text."""

    def rule(value: Any, path: str) -> Problems:
        if not isinstance(value, str):
            yield f"{path}: expected a string"
            return
        for problem in text_problems(value, placeholders=placeholders):
            yield f"{path}: {problem}"

    return rule


TEXT = text()
PLAIN = text(placeholders=False)  # entity states and attributes: no placeholders
TEXTS = each(any_key, TEXT)


def _described_fields_are_fields(flow: Mapping[str, Any]) -> str | None:
    """A step's data_description may only describe fields its data names."""
    steps = flow.get("step")
    for step_id, step in steps.items() if isinstance(steps, dict) else ():
        if isinstance(step, dict) and isinstance(step.get("data_description"), dict):
            extra = set(step["data_description"]) - set(step.get("data") or {})
            if extra:
                return f"step {step_id}: data_description of fields not in data: {sorted(extra)}"
    return None


def _step_has_description(step_id: str) -> Check:
    """A helper's first step says what the helper does."""

    def check(flow: Mapping[str, Any]) -> str | None:
        step = (flow.get("step") or {}).get(step_id)
        if isinstance(step, dict) and "description" in step:
            return None
        return f"step {step_id} needs a description"

    return check


SECTION_STRINGS = Obj(
    {"data": TEXTS, "data_description": TEXTS, "description": TEXT, "name": TEXT}
)
STEP_STRINGS = Obj(
    {
        "title": TEXT,
        "description": TEXT,
        "data": TEXTS,
        "data_description": TEXTS,
        "menu_options": TEXTS,
        "menu_option_descriptions": TEXTS,
        "submit": TEXT,
        "sections": each(any_key, SECTION_STRINGS),
    }
)
TITLE_MOVED = removed("the flow's title moved to the file's top-level title")


def flow_strings(
    *, title: Rule | None = None, subentry: bool = False, described: str | None = None
) -> Obj:
    """A flow's texts: config, options, a subentry type, an issue's fix flow.

    A subentry type also names its entries (``entry_type``) and the button that starts its
    flow (``initiate_flow.user``, and one per other starting step).
    """
    keys: dict[str, Rule] = {
        "flow_title": TEXT,
        "step": each(any_key, STEP_STRINGS),
        "error": TEXTS,
        "abort": TEXTS,
        "progress": TEXTS,
        "create_entry": TEXTS,
    }
    if subentry:
        keys["entry_type"] = TEXT
        keys["initiate_flow"] = Obj(required=frozenset({"user"}), each=(any_key, TEXT))
    else:
        keys["initiate_flow"] = Obj({"user": TEXT}, required=frozenset({"user"}))
    if title is not None:
        keys["title"] = title
    checks: list[Check] = [_described_fields_are_fields]
    if described is not None:
        checks.append(_step_has_description(described))
    required = {"step", "entry_type", "initiate_flow"} if subentry else {"step"}
    return Obj(keys, required=frozenset(required), checks=tuple(checks))


def _description_or_fix_flow(issue: Mapping[str, Any]) -> str | None:
    """An issue explains itself in a description, or in its fix flow: one of the two."""
    present = [key for key in ("description", "fix_flow") if key in issue]
    if len(present) == 1:
        return None
    if present:
        return "description and fix_flow exclude each other: keep one"
    return "needs a description or a fix_flow"


ISSUE_STRINGS = Obj(
    {"title": TEXT, "description": TEXT, "fix_flow": flow_strings()},
    required=frozenset({"title"}),
    checks=(_description_or_fix_flow,),
)
ACTION_FIELD_STRINGS = Obj(
    {"name": STR, "description": TEXT, "example": TEXT},
    required=frozenset({"name", "description"}),
)
STATE_STRINGS = each(translation_key, PLAIN)
ENTITY_STRINGS = Obj(
    {
        "name": TEXT,
        "state": STATE_STRINGS,
        "state_attributes": each(
            translation_key, Obj({"name": PLAIN, "state": STATE_STRINGS})
        ),
        "unit_of_measurement": PLAIN,
    }
)


def _config_panel(value: Any, path: str) -> Problems:
    """A tree of texts, keyed by translation keys or ``_``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "_" and (problem := translation_key(key)) is not None:
                yield f"{at(path, key)}: {problem}"
            yield from _config_panel(item, at(path, key))
    else:
        yield from TEXT(value, path)


def _selector_fields(value: Any, path: str) -> Problems:
    """A selector's fields: each a bare name (the old form), or each a name and description."""
    if isinstance(value, dict) and all(
        isinstance(item, str) for item in value.values()
    ):
        yield from each(slug, STR)(value, path)
    else:
        yield from each(
            translation_key,
            Obj(
                {"name": STR, "description": TEXT},
                required=frozenset({"name", "description"}),
            ),
        )(value, path)


def strings_rule(integration_type: str) -> Obj:
    """translations.py's schema of an integration's strings, for one integration type."""
    trigger_or_condition = Obj(
        {
            "name": TEXT,
            "description": TEXT,
            "fields": each(translation_key, ACTION_FIELD_STRINGS),
        },
        required=frozenset({"name", "description"}),
    )
    return Obj(
        {
            "title": TEXT,
            "config": flow_strings(
                title=TITLE_MOVED,
                described="user" if integration_type == "helper" else None,
            ),
            "config_subentries": each(
                slug_or_default, flow_strings(title=TITLE_MOVED, subentry=True)
            ),
            "options": flow_strings(),
            "preview_features": each(
                translation_key,
                Obj(
                    {
                        "name": TEXT,
                        "description": TEXT,
                        "enable_confirmation": TEXT,
                        "disable_confirmation": TEXT,
                    },
                    required=frozenset({"name", "description"}),
                ),
            ),
            "selector": each(
                slug_or_default,
                Obj(
                    {
                        "choices": each(translation_key, TEXT),
                        "options": each(translation_key, TEXT),
                        "unit_of_measurement": each(translation_key, TEXT),
                        "fields": _selector_fields,
                    }
                ),
            ),
            "device_automation": Obj(
                dict.fromkeys(
                    (
                        "action_type",
                        "condition_type",
                        "trigger_type",
                        "trigger_subtype",
                        "extra_fields",
                        "extra_fields_descriptions",
                    ),
                    TEXTS,
                )
            ),
            "system_health": Obj({"info": each(translation_key, TEXT)}),
            "config_panel": _config_panel,
            "application_credentials": Obj({"description": TEXT}),
            "issues": each(any_key, ISSUE_STRINGS),
            "entity_component": each(
                slug_or_default,
                Obj(
                    {
                        "name": STR,
                        "state": STATE_STRINGS,
                        "state_attributes": each(
                            translation_key, Obj({"name": STR, "state": STATE_STRINGS})
                        ),
                    }
                ),
            ),
            "device": each(translation_key, Obj({"name": TEXT})),
            "entity": each(slug, each(translation_key, ENTITY_STRINGS)),
            "exceptions": each(slug, Obj({"message": TEXT})),
            "services": each(
                translation_key,
                Obj(
                    {
                        "name": TEXT,
                        "description": TEXT,
                        "fields": each(translation_key, ACTION_FIELD_STRINGS),
                        "sections": each(
                            translation_key,
                            Obj(
                                {"name": STR, "description": TEXT},
                                required=frozenset({"name"}),
                            ),
                        ),
                    },
                    required=frozenset({"name", "description"}),
                ),
            ),
            "conditions": each(underscore_slug, trigger_or_condition),
            "triggers": each(underscore_slug, trigger_or_condition),
            "conversation": Obj(
                {"agent": Obj({"done": TEXT}, required=frozenset({"done"}))},
                required=frozenset({"agent"}),
            ),
            "common": each(slug, TEXT),
        }
    )


def translation_problems(strings: Any, integration_type: str) -> list[str]:
    """Check a translations file as hassfest checks a custom integration's en.json."""
    return list(strings_rule(integration_type)(strings, ""))
