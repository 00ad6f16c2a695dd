"""Readers of wire values shared by the message parsers.

Strict where a value is required, tolerant where ``docs/icws-protocol.md`` says servers
differ.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
import logging
from typing import Any

_LOGGER = logging.getLogger(__name__)

# Wire name -> (attribute, parser): how :func:`attributes` reads an object.
type FieldTable = Mapping[str, tuple[str, Callable[[object], Any]]]


class InvalidFieldError(Exception):
    """A field had a value of the wrong type."""


def string(value: object) -> str:
    """Return a string or raise :class:`InvalidFieldError`."""
    if not isinstance(value, str):
        raise InvalidFieldError
    return value


def boolean(value: object) -> bool:
    """Return a boolean or raise :class:`InvalidFieldError`."""
    if not isinstance(value, bool):
        raise InvalidFieldError
    return value


def integer(value: object) -> int:
    """Return an integer (not a boolean) or raise :class:`InvalidFieldError`."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidFieldError
    return value


def text(value: object) -> str | None:
    """Return a string, or a number as text; anything else is None."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return None


def nonempty_strings(value: object) -> tuple[str, ...]:
    """Return the non-empty strings of a list; anything else gives none."""
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str) and item)


def strings(value: object) -> tuple[str, ...]:
    """Return the strings of a list; other items are skipped."""
    if not isinstance(value, list):
        raise InvalidFieldError
    return tuple(item for item in value if isinstance(item, str))


def object_list(value: object) -> list[Mapping[str, Any]]:
    """Return the objects of a list (missing: empty); other items are skipped."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidFieldError
    return [item for item in value if isinstance(item, dict)]


def is_delta(message: Mapping[str, Any]) -> bool:
    """Read a message's ``isDelta`` (key as sent or case-folded); absent means a delta.

    Every message carries it [doc]. One that does not is merged rather than taken for the
    whole truth: a full message merged leaves at worst a stale entry until the next full one,
    while a delta taken for the whole would drop what it leaves out (a call would vanish and
    count as missed). A value that is no boolean makes the message malformed.
    """
    for key in ("isDelta", "isdelta"):
        if key in message:
            return boolean(message[key])
    return True


def folded(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``raw`` with case-folded keys.

    Key names differ in case between sources (``isAcdStatus`` in the schema,
    ``isACDStatus`` in a client written against a real server: ``docs/icws-protocol.md``
    §9), so the status parsers match them case-insensitively.
    """
    return {key.casefold(): value for key, value in raw.items() if isinstance(key, str)}


def digits(value: str, limit: int) -> int | None:
    """Read decimal digits (at most ``limit`` of them, spaces around ignored); else None.

    ASCII only: ``str.isdigit`` also takes "²" and other digits that ``int`` refuses.
    """
    text = value.strip()
    if len(text) > limit or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def timestamp(value: object) -> datetime:
    """Read a date in the compact ISO form (``20210706T193229Z``) or the extended one.

    A time without a zone is taken as UTC, the zone of every recorded example.
    """
    if not isinstance(value, str) or not value:
        raise InvalidFieldError
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise InvalidFieldError from err
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def compact_timestamp(moment: datetime) -> str:
    """Write a date in the compact ISO form servers send, in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def attributes(
    wire: Mapping[str, Any],
    table: FieldTable,
    required: Collection[str],
    what: str,
) -> dict[str, Any]:
    """Read the fields ``table`` knows into attributes; others are ignored.

    A wrongly typed field raises :class:`InvalidFieldError` if its attribute is
    ``required`` and is otherwise skipped (logged at debug with ``what`` it belongs to).
    """
    found: dict[str, Any] = {}
    for name, value in wire.items():
        spec = table.get(name)
        if spec is None:
            continue
        attribute, parse = spec
        try:
            found[attribute] = parse(value)
        except InvalidFieldError:
            if attribute in required:
                raise
            _LOGGER.debug("Ignoring %s field %s of unexpected type", what, name)
    return found
