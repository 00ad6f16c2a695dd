"""The server's user list: who a user may watch, by id and display name.

``docs/icws-protocol.md`` §15: ``GET configuration/users`` with ``select``, ``where`` and a
``rightsFilter``, paged by a ``Range: items=FIRST-LAST`` request header and answered with
``Content-Range: items FIRST-LAST/TOTAL``. A server that sends no ``Content-Range`` gave
everything in one answer. A malformed entry is skipped, not the whole page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import re
from typing import Any, Final

from .fields import InvalidFieldError, folded, object_list, string

_LOGGER = logging.getLogger(__name__)

USERS_PATH: Final = "configuration/users"
# The rights filter of a user who is no administrator [guess, §15].
VIEW_RIGHTS: Final = "view"
PAGE_SIZE: Final = 200  # what a server gives per page with ``select`` [seen]
# ``items 0-199/523`` (the total may be ``*``: unknown).
_CONTENT_RANGE: Final = re.compile(r"items\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """A user of the server's list: the id statuses are watched by, and the name shown."""

    user_id: str
    display_name: str


def directory_user(raw: Mapping[str, Any]) -> DirectoryUser:
    """Read one item (its ``configurationId``); raises when it has no id."""
    configuration_id = folded(raw).get("configurationid")
    if not isinstance(configuration_id, dict):
        raise InvalidFieldError
    fields = folded(configuration_id)
    user_id = string(fields.get("id"))
    if not user_id:
        raise InvalidFieldError
    name = fields.get("displayname")
    return DirectoryUser(user_id, name if isinstance(name, str) and name else user_id)


def directory_users(body: object) -> tuple[DirectoryUser, ...]:
    """Read a page's ``items``; raises when the answer has no list of them."""
    if not isinstance(body, dict):
        raise InvalidFieldError
    users: list[DirectoryUser] = []
    for item in object_list(folded(body).get("items")):
        try:
            users.append(directory_user(item))
        except InvalidFieldError:
            _LOGGER.debug("Ignoring a user without a configuration id")
    return tuple(users)


def range_header(first: int, count: int) -> dict[str, str]:
    """Return the request header that asks for ``count`` items from ``first`` on."""
    return {"Range": f"items={first}-{first + count - 1}"}


def next_page(content_range: str | None) -> int | None:
    """Return where the next page starts, from a ``Content-Range`` answer.

    None when the answer was the last page, or names no range (all in one answer).
    """
    if content_range is None:
        return None
    match = _CONTENT_RANGE.search(content_range)
    if match is None:
        return None
    after = int(match.group(2)) + 1
    total = match.group(3)
    return None if total != "*" and after >= int(total) else after
