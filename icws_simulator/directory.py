"""The server's user list and its rights: who may see and change whose status.

docs/icws-protocol.md §15. The users themselves (ids, passwords, display names) are the
state's; this part answers ``GET configuration/users`` (``select``, ``where``, ``orderBy``,
``rightsFilter``, paged by ``Range``) and decides the rights the status routes check.

[guess] The rights are kept per user, not per viewer and user: a *private* user's status is
seen by nobody but themselves (a read answers 403, a watch leaves them out, the list with
``rightsFilter=view`` does not name them), and a *supervisor* may change the status of any
user who is not private (the right behind the rights filter ``changeUserStatus`` [seen]).
Nothing here knows about HTTP.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import itertools
from typing import Any, Final, Protocol

# Fictional names for a generated floor of users (``--users N``).
FIRST_NAMES: Final = (
    "Ada", "Alan", "Barbara", "Claude", "Dorothy", "Edsger", "Frances", "Grace",
    "Hedy", "Ivan", "Joan", "Ken", "Katherine", "Linus", "Margaret", "Niklaus",
    "Radia", "Shafi", "Tim", "Whitfield",
)  # fmt: skip
LAST_NAMES: Final = (
    "Allen", "Backus", "Conway", "Diffie", "Engelbart", "Floyd", "Goldberg", "Hamilton",
    "Iverson", "Johnson", "Kay", "Liskov", "McCarthy", "Naur", "Ousterhout", "Perlman",
    "Ritchie", "Shannon", "Thompson", "Ullman", "Vaughan", "Wirth", "Yao", "Zuse",
    "Lamport",
)  # fmt: skip
GENERATED_PASSWORD: Final = "secret"  # noqa: S105 - the simulator's users
# Items per answer of the user list when the request names no range [seen: 200 a page].
PAGE_SIZE: Final = 200
RIGHTS_FILTERS: Final = ("view", "changeUserStatus", "loggedInUser")
_FIELDS: Final = {"configurationid.id": "id", "configurationid.displayname": "name"}
_OPERATORS: Final = ("eq", "sw", "ct")


@dataclass(frozen=True, slots=True)
class GeneratedUser:
    """A user of a generated floor."""

    user_id: str
    password: str
    display_name: str


def generated_users(
    count: int, taken: frozenset[str] = frozenset()
) -> list[GeneratedUser]:
    """Return ``count`` users with fictional names, their ids from them, none in ``taken``.

    Deterministic: the same count gives the same floor. Ids are the names (``ada.allen``),
    with a number once the names repeat.
    """
    users: list[GeneratedUser] = []
    used = {user_id.casefold() for user_id in taken}
    for index in itertools.count():
        if len(users) == count:
            return users
        # Every pair of names once per round, neighbours differing in both names.
        round_, pair = divmod(index, len(FIRST_NAMES) * len(LAST_NAMES))
        shift, position = divmod(pair, len(FIRST_NAMES))
        first = FIRST_NAMES[position]
        last = LAST_NAMES[(shift + position) % len(LAST_NAMES)]
        number = f"{round_ + 1}" if round_ else ""
        user_id = f"{first}.{last}{number}".lower()
        if user_id in used:
            continue
        used.add(user_id)
        name = f"{first} {last} {number}".rstrip()
        users.append(GeneratedUser(user_id, GENERATED_PASSWORD, name))
    raise AssertionError("unreachable")  # pragma: no cover


def _same_user(viewer: str, user_id: str) -> bool:
    return viewer.casefold() == user_id.casefold()


class DirectoryHost(Protocol):
    """What the directory needs from the rest of the simulated server."""

    @property
    def user_ids(self) -> tuple[str, ...]:
        """Return the users of the directory."""
        ...

    def display_name(self, user_id: str) -> str:
        """Return a user's display name."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


class Query:
    """A parsed ``where``/``orderBy`` of the user list; ValueError for one it cannot read."""

    def __init__(self, where: str | None, order_by: str | None) -> None:
        """Parse ``configurationId.id sw St`` and ``configurationId.id desc``."""
        self.condition: tuple[str, str, str] | None = None
        if where:
            field, _, rest = where.strip().partition(" ")
            operator, _, value = rest.strip().partition(" ")
            if field.casefold() not in _FIELDS or operator.casefold() not in _OPERATORS:
                raise ValueError(f"cannot filter by {where!r}")
            self.condition = (_FIELDS[field.casefold()], operator.casefold(), value)
        self.order = "id"
        self.descending = False
        if order_by:
            field, _, direction = order_by.strip().partition(" ")
            if field.casefold() not in _FIELDS or direction.casefold() not in {
                "",
                "asc",
                "desc",
            }:
                raise ValueError(f"cannot order by {order_by!r}")
            self.order = _FIELDS[field.casefold()]
            self.descending = direction.casefold() == "desc"

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Return whether a user's fields meet the condition (compared without case)."""
        if self.condition is None:
            return True
        field, operator, value = self.condition
        have, want = fields[field].casefold(), value.casefold()
        if operator == "eq":
            return have == want
        if operator == "sw":
            return have.startswith(want)
        return want in have


class UserDirectory:
    """The user list as a viewer gets it, and who is private or a supervisor.

    ``list_refused`` (tests may set it) makes the list answer 403, as a server may to a
    user without the right to read the configuration [guess].
    """

    def __init__(self, host: DirectoryHost) -> None:
        """Start with every user public and nobody a supervisor."""
        self._host = host
        self.list_refused = False
        self._private: set[str] = set()
        self._supervisors: set[str] = set()

    def is_private(self, user_id: str) -> bool:
        """Return whether only the user sees their own status."""
        return user_id.casefold() in self._private

    def is_supervisor(self, user_id: str) -> bool:
        """Return whether the user may change other users' statuses."""
        return user_id.casefold() in self._supervisors

    def may_view(self, viewer: str, user_id: str) -> bool:
        """Return whether ``viewer`` may read and watch the status of ``user_id``."""
        return viewer.casefold() == user_id.casefold() or not self.is_private(user_id)

    def may_change(self, changer: str, user_id: str) -> bool:
        """Return whether ``changer`` may set the status of ``user_id``."""
        if changer.casefold() == user_id.casefold():
            return True
        return self.is_supervisor(changer) and not self.is_private(user_id)

    def set_rights(
        self,
        user_id: str,
        *,
        private: bool | None = None,
        supervisor: bool | None = None,
    ) -> None:
        """Make a user private or public, a supervisor or not; KeyError for an unknown one."""
        key = next(
            (
                u.casefold()
                for u in self._host.user_ids
                if u.casefold() == user_id.casefold()
            ),
            None,
        )
        if key is None:
            raise KeyError(user_id)
        for flag, keys in ((private, self._private), (supervisor, self._supervisors)):
            if flag is True:
                keys.add(key)
            elif flag is False:
                keys.discard(key)
        self._host.pulse()

    def users(
        self, viewer: str, *, rights_filter: str = "view", query: Query | None = None
    ) -> list[dict[str, str]]:
        """Return the users ``viewer`` gets for ``rights_filter``, filtered and ordered.

        Each as ``{"id", "name"}``. ValueError for a rights filter the server does not
        know here.
        """
        if rights_filter not in RIGHTS_FILTERS:
            raise ValueError(f"unknown rights filter {rights_filter!r}")
        allowed: Callable[[str, str], bool] = {
            "view": self.may_view,
            "changeUserStatus": self.may_change,
            "loggedInUser": _same_user,
        }[rights_filter]
        query = query or Query(None, None)
        found = [
            {"id": user_id, "name": self._host.display_name(user_id)}
            for user_id in self._host.user_ids
            if allowed(viewer, user_id)
        ]
        found = [fields for fields in found if query.matches(fields)]
        found.sort(
            key=lambda fields: fields[query.order].casefold(), reverse=query.descending
        )
        return found

    def snapshot(self) -> dict[str, Any]:
        """Describe the rights (for ``GET /_simulator/directory``)."""
        return {
            "users": len(self._host.user_ids),
            "private": sorted(self._private),
            "supervisors": sorted(self._supervisors),
        }
