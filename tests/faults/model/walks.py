"""Walks: drawing steps, replaying them, and shrinking a walk that broke an invariant."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import logging
import random
import time
from typing import Any

# The rules register themselves as their modules load.
from . import actions, call_actions, changes, subentries  # noqa: F401
from .faults import wind_down
from .steps import RULES, InvariantError, Step
from .world import World

_LOGGER = logging.getLogger(__name__)


def draw_step(world: World, rng: random.Random) -> Step:
    """Draw the next step from the rules that apply now, by their weights."""
    names = sorted(RULES)
    weights = [RULES[name].weight for name in names]
    if world.faulty:
        # Faults end, sooner or later; calls change meanwhile, to be caught up.
        weights[names.index("outage_end")] *= 2
        weights[names.index("call_change")] *= 2
        weights[names.index("call")] *= 2
    while True:
        name = rng.choices(names, weights)[0]
        args = RULES[name].draw(world, rng)
        if args is not None:
            return Step(name, args)


async def run_steps(world: World, steps: Iterable[Step], done: list[Step]) -> None:
    """Perform the steps that apply (noting them in ``done``), then wind down and settle."""
    for step in steps:
        if RULES[step.rule].applies(world, step.args):
            done.append(step)
            await world.perform(step)
    for step in wind_down(world):
        await world.perform(step)
    await world.settle()
    for model in world.entries:
        await world.check_diagnostics(model)


def walk_steps(world: World, rng: random.Random, count: int) -> Iterable[Step]:
    """The steps of a walk: drawn one at a time, each against the model's state then."""
    for _ in range(count):
        yield draw_step(world, rng)


@dataclass
class Failure:
    """A walk that broke an invariant: its seed, its steps, the shrunk steps."""

    seed: int | None
    steps: list[Step]
    violation: InvariantError
    shrunk: list[Step]
    log: list[str] = field(default_factory=list)  # the walk's log since its last settle

    def report(self, replay_file: str) -> str:
        """What a person needs to see and replay it."""
        lines = [
            f"{self.violation}",
            f"seed {self.seed}, {len(self.steps)} steps; shrunk to {len(self.shrunk)}:",
            *(f"  {step}" for step in self.shrunk),
            f"replay: scripts/soak --replay {replay_file}",
        ]
        if self.seed is not None:
            lines.append(
                f"   or: scripts/soak --seed {self.seed} --steps {len(self.steps)}"
            )
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """The failure as plain data, for ``--replay``."""
        return {
            "seed": self.seed,
            "violation": str(self.violation),
            "steps": [step.as_json() for step in self.shrunk],
            "walk": [step.as_json() for step in self.steps],
        }


def steps_from_json(data: list[dict[str, Any]]) -> list[Step]:
    """Steps from their JSON form."""
    return [Step(item["rule"], dict(item["args"])) for item in data]


type WorldFactory = Callable[[], World]


async def attempt(
    make: WorldFactory, steps: list[Step]
) -> tuple[InvariantError | None, list[Step]]:
    """Replay ``steps`` in a fresh world.

    Return the violation it ran into (None if none) and the steps that applied up to it.
    """
    world = make()
    done: list[Step] = []
    try:
        await world.open()
        await run_steps(world, steps, done)
    except InvariantError as violation:
        return violation, done
    finally:
        await world.close()
    return None, done


async def shrink(
    make: WorldFactory, steps: list[Step], violation: InvariantError, budget: float
) -> list[Step]:
    """The shortest list of steps found that still breaks the same invariant.

    Short tails of the walk first (a violation usually needs only its last few steps, and
    short replays are quick), then delta debugging on what is left.
    """
    deadline = time.monotonic() + budget
    current = list(steps)
    tail = 8
    while tail < len(current) and time.monotonic() < deadline:
        found, done = await attempt(make, current[-tail:])
        if found is not None and found.kind == violation.kind:
            current = done
            break
        tail *= 2
    chunks = 2
    while len(current) >= 2 and time.monotonic() < deadline:
        size = max(1, len(current) // chunks)
        reduced = False
        for start in range(0, len(current), size):
            if time.monotonic() >= deadline:
                break
            candidate = current[:start] + current[start + size :]
            found, done = await attempt(make, candidate)
            if found is not None and found.kind == violation.kind:
                # Steps that no longer applied, or came after the violation, go too.
                current = done
                chunks = max(chunks - 1, 2)
                reduced = True
                break
        if not reduced:
            if size == 1:
                break
            chunks = min(chunks * 2, len(current))
    return current


async def explore(
    make: WorldFactory,
    seed: int,
    count: int,
    *,
    shrink_budget: float,
) -> Failure | None:
    """Walk ``count`` steps from ``seed``; on a violation, shrink it and return it."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible walk, not a secret
    world = make()
    world.stats.walks += 1
    steps: list[Step] = []
    try:
        await world.open()
        for step in walk_steps(world, rng, count):
            steps.append(step)
            await world.perform(step)
        for step in wind_down(world):
            steps.append(step)
            await world.perform(step)
        await world.settle()
        for model in world.entries:
            await world.check_diagnostics(model)
    except InvariantError as violation:
        log = world.log_lines()
        _LOGGER.warning(
            "Walk %s broke %s; shrinking %s steps", seed, violation.kind, len(steps)
        )
        await world.close()
        shrunk = await shrink(make, steps, violation, shrink_budget)
        return Failure(seed, steps, violation, shrunk, log)
    await world.close()
    return None
