"""A step of a walk, the rules that make steps, and a broken invariant."""

from __future__ import annotations

from dataclasses import dataclass
import random
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .world import World


class InvariantError(AssertionError):
    """An invariant that did not hold; ``kind`` names it for shrinking."""

    def __init__(self, kind: str, detail: str) -> None:
        """Say which invariant and what was seen."""
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass(frozen=True)
class Step:
    """One step of a walk: a rule and its arguments (JSON)."""

    rule: str
    args: dict[str, Any]

    def __str__(self) -> str:
        """Show the step as a call."""
        args = ", ".join(f"{key}={value!r}" for key, value in self.args.items())
        return f"{self.rule}({args})"

    def as_json(self) -> dict[str, Any]:
        """Return the step as plain data."""
        return {"rule": self.rule, "args": self.args}


class Rule:
    """A kind of step; subclasses say when it applies, what it draws and what it does.

    ``logoffs``: the client logoff causes a step of this rule may bring about for its entry's
    user (``all_entries``: for every user). ``fault``: the step is a fault (for the stats).
    """

    name: ClassVar[str]
    weight: ClassVar[int] = 2
    fault: ClassVar[bool] = False
    logoffs: ClassVar[frozenset[str]] = frozenset()
    all_entries: ClassVar[bool] = False

    @classmethod
    def draw(cls, world: World, rng: random.Random) -> dict[str, Any] | None:
        """Return the step's arguments, or None when the rule does not apply now."""
        raise NotImplementedError

    @classmethod
    def applies(cls, world: World, args: dict[str, Any]) -> bool:
        """Whether a step with these arguments can run now (on replay)."""
        return True

    @classmethod
    async def run(cls, world: World, args: dict[str, Any]) -> None:
        """Perform the step."""
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}


def rule[R: type[Rule]](rule_class: R) -> R:
    """Register a rule under its name."""
    RULES[rule_class.name] = rule_class
    return rule_class


def pick_entry(world: World, rng: random.Random) -> int:
    """Draw one of the world's entries, by its index."""
    return rng.randrange(len(world.entries))
