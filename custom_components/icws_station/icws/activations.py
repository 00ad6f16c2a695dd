"""Workgroup activation: whether a user takes a workgroup's ACD calls, and its messages.

``docs/icws-protocol.md`` §16. A user belongs to workgroups and is activated in each or
not. Workgroup names are kept as the server spells them and compared without case (CIC
configuration names ignore case [guess]), so a later message that spells one differently
updates it rather than adding a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from .fields import InvalidFieldError, folded, is_delta, string

USER_ACTIVATION_MESSAGE: Final = "urn:inin.com:activations:userActivationMessage"
# Every workgroup the user belongs to, as a watch's ``workgroupIds`` names them [doc].
ALL_WORKGROUPS: Final = "*"


def workgroup_key(name: str) -> str:
    """Return the key under which a workgroup name is compared."""
    return name.casefold()


def _activations(value: object) -> dict[str, bool]:
    """Read an object of workgroup -> activated; a wrongly typed entry is skipped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidFieldError
    return {
        name: activated
        for name, activated in value.items()
        if isinstance(name, str) and name and isinstance(activated, bool)
    }


def merge(current: Mapping[str, bool], changes: Mapping[str, bool]) -> dict[str, bool]:
    """Return ``current`` with ``changes`` applied, matching names without case.

    A changed workgroup takes the spelling of the change.
    """
    result = dict(current)
    by_key = {workgroup_key(name): name for name in result}
    for name, activated in changes.items():
        old = by_key.get(workgroup_key(name))
        if old is not None:
            del result[old]
        result[name] = activated
        by_key[workgroup_key(name)] = name
    return result


@dataclass(frozen=True, slots=True)
class UserActivations:
    """A ``userActivationSet``: a user's activation in each workgroup they belong to."""

    user_id: str
    activations: Mapping[str, bool]

    def __post_init__(self) -> None:
        """Freeze the mapping: the set is a value."""
        object.__setattr__(
            self, "activations", MappingProxyType(dict(self.activations))
        )

    def activated(self, workgroup: str) -> bool | None:
        """Return whether the user is activated in a workgroup (None: not a member)."""
        key = workgroup_key(workgroup)
        return next(
            (on for name, on in self.activations.items() if workgroup_key(name) == key),
            None,
        )


def user_activations(raw: object) -> UserActivations:
    """Read a ``userActivationSet``; raises :class:`InvalidFieldError` without a user."""
    if not isinstance(raw, dict):
        raise InvalidFieldError
    wire = folded(raw)
    return UserActivations(
        string(wire.get("userid")), _activations(wire.get("activations"))
    )


@dataclass(frozen=True, slots=True)
class UserActivationMessage:
    """A ``userActivationMessage`` of an activation watch.

    ``is_delta`` false: ``changes`` is the user's whole set (every covered workgroup);
    true: only the listed workgroups changed [guess, as other ICWS messages].
    """

    subscription_id: str | None
    user_id: str | None
    is_delta: bool
    changes: Mapping[str, bool]

    def apply(self, current: Mapping[str, bool]) -> dict[str, bool]:
        """Return the activations after this message: replaced (full) or merged (delta)."""
        return merge(current if self.is_delta else {}, self.changes)


def user_activation_message(raw: Mapping[str, Any]) -> UserActivationMessage:
    """Parse a ``userActivationMessage``."""
    wire = folded(raw)
    subscription_id = wire.get("subscriptionid")
    user_id = wire.get("userid")
    return UserActivationMessage(
        subscription_id=subscription_id if isinstance(subscription_id, str) else None,
        user_id=user_id if isinstance(user_id, str) else None,
        is_delta=is_delta(wire),
        changes=MappingProxyType(_activations(wire.get("activationschanged"))),
    )


def activation_delta(changes: Mapping[str, bool]) -> dict[str, Any]:
    """Return the body of a PUT that changes only the listed workgroups [doc]."""
    return {"activations": dict(changes)}
