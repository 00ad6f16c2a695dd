"""Workgroups on the simulated server: their members, each member's activation, the watches.

docs/icws-protocol.md §16. A member who is activated in a workgroup takes its ACD calls. The
rules for changing activations and who is told live here: every session whose activation
watch names the user. The HTTP routes are in ``workgroups_http.py``; the queue and the
statistics of each workgroup in ``statistics.py``. Nothing here knows about HTTP.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Protocol

from . import protocol
from .sessions import SimSession

TYPE_USER_ACTIVATION_SET: Final = "urn:inin.com:activations:userActivationSet"
TYPE_USER_ACTIVATION_MESSAGE: Final = "urn:inin.com:activations:userActivationMessage"
# Every workgroup the user belongs to, in a watch's ``workgroupIds`` [doc].
ALL_WORKGROUPS: Final = "*"
# Names of the watches in ``SimSession.subscriptions``: this prefix and the client's id.
WATCH_PREFIX: Final = "activations/users/"
# The workgroups a new server has: every user a member, activated in the first only.
DEFAULT_WORKGROUPS: Final = (("Support", True), ("Sales", False))


class WorkgroupHost(Protocol):
    """What the workgroup part needs from the rest of the simulated server."""

    @property
    def sessions(self) -> Mapping[str, SimSession]:
        """Return the live sessions by id."""
        ...

    @property
    def user_ids(self) -> tuple[str, ...]:
        """Return the users of the directory."""
        ...

    def user_spelling(self, user_id: str) -> str | None:
        """Return a user's id as the directory spells it (None: no such user)."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


@dataclass
class SimulatedWorkgroup:
    """A workgroup of the server's configuration; ``members`` maps user id to activation."""

    name: str
    members: dict[str, bool] = field(default_factory=dict)
    description: str = ""

    @property
    def key(self) -> str:
        """Return the key the server looks it up by: CIC names ignore case [guess]."""
        return self.name.casefold()

    def member(self, user_id: str) -> str | None:
        """Return the member's id as the workgroup spells it (None: not a member)."""
        folded = user_id.casefold()
        return next((user for user in self.members if user.casefold() == folded), None)


@dataclass(frozen=True, slots=True)
class _ActivationWatch:
    """A session's watch of one user's activations, in the workgroups it names."""

    subscription_id: str
    user_key: str
    workgroup_keys: frozenset[str] | None  # None: every workgroup ("*")

    def covers(self, workgroup: SimulatedWorkgroup) -> bool:
        return self.workgroup_keys is None or workgroup.key in self.workgroup_keys


class ActivationRefusedError(Exception):
    """A session may not change these activations; the HTTP layer answers 403."""


class WorkgroupState:
    """The workgroup directory, the members' activations and the sessions that watch them.

    ``version`` is the ``activations`` feature version the server announces (0: none; the
    routes then answer 404). ``refused_users`` may not change their own activations (their
    PUT answers 403), as users without the right [guess]. ``answer_with_set`` false makes
    an accepted PUT answer 204 without the new set (the docs name the answer's type only).
    ``on_change`` callbacks hear the key of each workgroup whose configuration changed
    (the statistics follow it).
    """

    def __init__(
        self,
        host: WorkgroupHost,
        *,
        version: int = 1,
        workgroups: Iterable[SimulatedWorkgroup] | None = None,
    ) -> None:
        """Seed the directory: the defaults (every user a member) unless given."""
        self._host = host
        self.version = version
        self.refused_users: set[str] = set()
        self.answer_with_set = True
        self.on_change: list[Callable[[str], None]] = []
        self._workgroups: dict[str, SimulatedWorkgroup] = {}
        if workgroups is None:
            workgroups = [
                SimulatedWorkgroup(name, dict.fromkeys(host.user_ids, activated))
                for name, activated in DEFAULT_WORKGROUPS
            ]
        for workgroup in workgroups:
            self._workgroups[workgroup.key] = workgroup

    # ---- read-only views -------------------------------------------------------------

    @property
    def workgroups(self) -> Mapping[str, SimulatedWorkgroup]:
        """Return the workgroups by case-folded name."""
        return MappingProxyType(self._workgroups)

    def find(self, name: str) -> SimulatedWorkgroup | None:
        """Look a workgroup up by name, ignoring case."""
        return self._workgroups.get(name.casefold())

    def _require(self, name: str) -> SimulatedWorkgroup:
        workgroup = self.find(name)
        if workgroup is None:
            raise KeyError(name)
        return workgroup

    def knows_user(self, user_id: str) -> bool:
        """Return whether the directory has this user (case-insensitively)."""
        return self._host.user_spelling(user_id) is not None

    def _spelling(self, user_id: str) -> str:
        spelling = self._host.user_spelling(user_id)
        if spelling is None:
            raise KeyError(user_id)
        return spelling

    def activations(self, user_id: str) -> dict[str, bool]:
        """Return the user's activation in each workgroup they belong to, by name."""
        found: dict[str, bool] = {}
        for workgroup in self._workgroups.values():
            member = workgroup.member(user_id)
            if member is not None:
                found[workgroup.name] = workgroup.members[member]
        return found

    def activation_set(
        self, user_id: str, workgroup_keys: frozenset[str] | None = None
    ) -> dict[str, Any]:
        """Return a ``userActivationSet`` [doc], narrowed to ``workgroup_keys`` if given."""
        return {
            "__type": TYPE_USER_ACTIVATION_SET,
            "userId": self._spelling(user_id),
            "activations": {
                name: activated
                for name, activated in self.activations(user_id).items()
                if workgroup_keys is None or name.casefold() in workgroup_keys
            },
        }

    # ---- watches ---------------------------------------------------------------------

    def _watches(self, user_key: str) -> list[tuple[SimSession, _ActivationWatch]]:
        found = []
        for session in self._host.sessions.values():
            if session.ending:
                continue
            for name, watch in session.subscriptions.items():
                if (
                    name.startswith(WATCH_PREFIX)
                    and isinstance(watch, _ActivationWatch)
                    and watch.user_key == user_key
                ):
                    found.append((session, watch))
        return found

    def watchers(self, user_id: str) -> int:
        """Return how many watches name the user."""
        return len(self._watches(user_id.casefold()))

    def watch(
        self,
        session: SimSession,
        subscription_id: str,
        user_id: str,
        workgroup_ids: Sequence[str],
    ) -> None:
        """Start (or replace) a watch of the user's activations; send the full set.

        [guess] The first message is ``isDelta: false`` with every covered workgroup.
        """
        keys = (
            None
            if ALL_WORKGROUPS in workgroup_ids
            else frozenset(name.casefold() for name in workgroup_ids)
        )
        watch = _ActivationWatch(subscription_id, user_id.casefold(), keys)
        session.subscriptions[WATCH_PREFIX + subscription_id] = watch
        self._send_full(session, watch)
        self._host.pulse()

    def unwatch(self, session: SimSession, subscription_id: str) -> None:
        """Stop a watch."""
        session.subscriptions.pop(WATCH_PREFIX + subscription_id, None)
        self._host.pulse()

    def _message(
        self, watch: _ActivationWatch, changed: Mapping[str, bool], *, is_delta: bool
    ) -> str:
        return protocol.dumps(
            {
                "__type": TYPE_USER_ACTIVATION_MESSAGE,
                "isDelta": is_delta,
                "subscriptionId": watch.subscription_id,
                "userId": self._spelling(watch.user_key),
                "activationsChanged": dict(changed),
            }
        )

    def _send_full(self, session: SimSession, watch: _ActivationWatch) -> None:
        activations = self.activation_set(watch.user_key, watch.workgroup_keys)
        session.push(self._message(watch, activations["activations"], is_delta=False))

    def _fan_out(self, user_id: str, workgroup: SimulatedWorkgroup) -> None:
        """Tell the user's watchers of a changed activation (a delta of one workgroup)."""
        member = workgroup.member(user_id)
        if member is None:
            return
        for session, watch in self._watches(user_id.casefold()):
            if watch.covers(workgroup):
                changed = {workgroup.name: workgroup.members[member]}
                session.push(self._message(watch, changed, is_delta=True))

    def _membership_changed(self, users: Iterable[str], workgroup_key: str) -> None:
        """Send full sets to watchers of ``users`` and tell ``on_change``.

        [guess] A delta cannot say that a workgroup left the set, so a change of membership
        is told with a full message (``isDelta: false``).
        """
        for user_key in {user.casefold() for user in users}:
            for session, watch in self._watches(user_key):
                self._send_full(session, watch)
        for callback in self.on_change:
            callback(workgroup_key)
        self._host.pulse()

    # ---- changes as the server, a supervisor or an administrator makes them ----------

    def add_workgroup(
        self,
        name: str,
        members: Mapping[str, bool] | None = None,
        description: str = "",
    ) -> SimulatedWorkgroup:
        """Create a workgroup, or replace the members of the one with this name.

        ``members`` maps user ids to their activation; None: every user, not activated.
        """
        members = (
            dict.fromkeys(self._host.user_ids, False)
            if members is None
            else dict(members)
        )
        old = self.find(name)
        workgroup = SimulatedWorkgroup(
            old.name if old else name,
            members,
            description or (old and old.description) or "",
        )
        self._workgroups[workgroup.key] = workgroup
        before = set(old.members) if old else set()
        self._membership_changed(before | set(members), workgroup.key)
        return workgroup

    def remove_workgroup(self, name: str) -> None:
        """Delete a workgroup; its members' watchers get their new full set."""
        workgroup = self._workgroups.pop(self._require(name).key)
        self._membership_changed(workgroup.members, workgroup.key)

    def set_member(self, workgroup_name: str, user_id: str, activated: bool) -> None:
        """Activate or deactivate a member, adding the user to the workgroup if needed.

        KeyError for an unknown workgroup or user.
        """
        workgroup = self._require(workgroup_name)
        if not self.knows_user(user_id):
            raise KeyError(user_id)
        member = workgroup.member(user_id)
        if member is None:
            workgroup.members[self._spelling(user_id)] = activated
            self._membership_changed([user_id], workgroup.key)
            return
        if workgroup.members[member] == activated:
            return
        workgroup.members[member] = activated
        self._fan_out(member, workgroup)
        for callback in self.on_change:
            callback(workgroup.key)
        self._host.pulse()

    def remove_member(self, workgroup_name: str, user_id: str) -> None:
        """Take a user out of a workgroup. KeyError when they are not a member."""
        workgroup = self._require(workgroup_name)
        member = workgroup.member(user_id)
        if member is None:
            raise KeyError(user_id)
        del workgroup.members[member]
        self._membership_changed([member], workgroup.key)

    def request_activations(
        self, session: SimSession, user_id: str, changes: Mapping[str, bool]
    ) -> dict[str, Any]:
        """Apply a session's PUT; return the user's full new set (the answer [guess]).

        Raises :class:`ActivationRefusedError` (403) for another user's activations or a
        user without the right, KeyError (400) for a workgroup the user is not in. Only
        the listed workgroups change (``userActivationDelta`` [doc]).
        """
        if (
            user_id.casefold() != session.user_id.casefold()
            or user_id.casefold() in self.refused_users
        ):
            raise ActivationRefusedError(user_id)
        targets = []
        for name, activated in changes.items():
            workgroup = self.find(name)
            if workgroup is None or workgroup.member(user_id) is None:
                raise KeyError(name)
            targets.append((workgroup, activated))
        for workgroup, activated in targets:
            self.set_member(workgroup.name, user_id, activated)
        return self.activation_set(user_id)

    def refuse(self, user_id: str, refused: bool = True) -> None:
        """Take from a user (or give back) the right to change their own activations."""
        if not self.knows_user(user_id):
            raise KeyError(user_id)
        if refused:
            self.refused_users.add(user_id.casefold())
        else:
            self.refused_users.discard(user_id.casefold())
        self._host.pulse()

    # ---- control snapshot ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Describe the workgroups (for ``GET /_simulator/workgroups``)."""
        return {
            "version": self.version,
            "refusedUsers": sorted(self.refused_users),
            "workgroups": {
                workgroup.name: {
                    "members": dict(workgroup.members),
                    "description": workgroup.description,
                }
                for workgroup in self._workgroups.values()
            },
            "watchers": {user: self.watchers(user) for user in self._host.user_ids},
        }
