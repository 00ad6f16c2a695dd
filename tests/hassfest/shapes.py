"""A small schema language: each file's rules read as the file's structure.

A rule takes a value and where it was found, and yields a ``"where: what"`` line per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
import re
from typing import Any
from urllib.parse import urlsplit

from homeassistant.util import slugify

type Problems = Iterator[str]
type Rule = Callable[[Any, str], Problems]
type KeyRule = Callable[[str], str | None]
type Check = Callable[[Mapping[str, Any]], str | None]


def at(path: str, key: object) -> str:
    """Where a key of the value at ``path`` is."""
    return f"{path}.{key}" if path else str(key)


@dataclass(frozen=True, slots=True)
class Obj:
    """A JSON object: its known keys, and by ``each`` any further key a key rule admits."""

    keys: Mapping[str, Rule] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    each: tuple[KeyRule, Rule] | None = None
    checks: tuple[Check, ...] = ()

    def __call__(self, value: Any, path: str) -> Problems:
        """Yield the problems of ``value`` found at ``path``."""
        if not isinstance(value, dict):
            yield f"{path}: expected an object"
            return
        for key in sorted(self.required - value.keys()):
            yield f"{at(path, key)}: required"
        for key, item in value.items():
            where = at(path, key)
            if key in self.keys:
                yield from self.keys[key](item, where)
            elif self.each is not None:
                key_rule, rule = self.each
                if (problem := key_rule(key)) is not None:
                    yield f"{where}: {problem}"
                yield from rule(item, where)
            else:
                yield f"{where}: unknown key"
        for check in self.checks:
            if (problem := check(value)) is not None:
                yield f"{path}: {problem}"


def each(key_rule: KeyRule, rule: Rule) -> Obj:
    """An object whose every key passes ``key_rule`` and every value ``rule``."""
    return Obj(each=(key_rule, rule))


def any_key(_key: str) -> str | None:
    """Admit every key."""
    return None


def translation_key(key: str) -> str | None:
    """Translations' key rule: lowercase a-z and 0-9, single ``-`` or ``_`` only inside."""
    if re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", key):
        return None
    return "not a translation key: lowercase a-z, 0-9, and - or _ only between them"


def slug(key: str) -> str | None:
    """``cv.slug``: the key is its own slugified form."""
    return None if slugify(key) == key else f"not a slug (try {slugify(key)!r})"


def slug_or_default(key: str) -> str | None:
    """A slug, or ``_`` for the default entry."""
    return None if key == "_" else slug(key)


def underscore_slug(key: str) -> str | None:
    """``cv.underscore_slug``: a slug that may start with one underscore."""
    return slug(key.removeprefix("_"))


def of_type(kind: type | tuple[type, ...], name: str) -> Rule:
    """A value of a Python type (JSON or YAML scalar, list)."""

    def rule(value: Any, path: str) -> Problems:
        if not isinstance(value, kind) or (
            kind is not bool and isinstance(value, bool)
        ):
            yield f"{path}: expected {name}"

    return rule


STR = of_type(str, "a string")
BOOL = of_type(bool, "true or false")


def list_of(rule: Rule) -> Rule:
    """A list whose items pass ``rule``."""

    def check(value: Any, path: str) -> Problems:
        if not isinstance(value, list):
            yield f"{path}: expected a list"
            return
        for index, item in enumerate(value):
            yield from rule(item, f"{path}[{index}]")

    return check


def not_none(value: Any, path: str) -> Problems:
    """services: an ``example`` or ``default`` must have a value."""
    if value is None:
        yield f"{path}: empty"


def removed(why: str) -> Rule:
    """A key hassfest refuses (or warns about, which fails the workflow too)."""

    def rule(_value: Any, path: str) -> Problems:
        yield f"{path}: {why}"

    return rule


HTML = re.compile(r"<[a-z].*?>", re.IGNORECASE)  # cv.string_with_no_html


def one_of(values: tuple[str, ...]) -> Rule:
    """One of a fixed set of strings."""

    def rule(value: Any, path: str) -> Problems:
        if value not in values:
            yield f"{path}: {value!r} is not one of {', '.join(values)}"

    return rule


def url(value: Any, path: str) -> Problems:
    """An absolute URL with a host (``vol.Url``)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or not parts.scheme or not parts.netloc:
        yield f"{path}: not a URL"


def names_in(document: Mapping[str, Any], key: str) -> set[str]:
    """Return the names listed under ``key``; none if it is no list."""
    value = document.get(key)
    return {str(name) for name in value} if isinstance(value, list) else set()
