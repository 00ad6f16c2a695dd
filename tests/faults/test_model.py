"""The model-based fault test (``model.py``): fixed seeds here, longer runs by scripts/soak.

scripts/soak sets ``ICWS_SOAK`` to a JSON object: ``minutes`` (walk consecutive seeds from
``seed`` until the time is up), or ``seed`` and ``steps`` (one walk), or ``replay`` (a file
a failure wrote). A failure writes its walk and shrunk steps to ``.scratch/`` and says how
to replay them.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
import time
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from pytest_socket import socket_allow_hosts

from .conftest import LiveSessions, Secrets
from .model.steps import InvariantError
from .model.walks import Failure, attempt, explore, shrink, steps_from_json
from .model.world import PARTNER_HOST, Stats, World

SEEDS = (1, 2, 3, 4)
STEPS = 120  # per walk in CI
SOAK_STEPS = 80  # per walk in a soak
SHRINK_BUDGET = 60.0  # seconds to shrink a failure in CI (a soak takes 10 minutes)
SCRATCH = Path(__file__).parents[2] / ".scratch"
SOAK: dict[str, Any] | None = (
    json.loads(os.environ["ICWS_SOAK"]) if os.environ.get("ICWS_SOAK") else None
)
REPLAY: dict[str, Any] | None = (
    json.loads(Path(SOAK["replay"]).read_text(encoding="utf-8"))
    if SOAK is not None and "replay" in SOAK
    else None
)
SOAK_SHRINK = float((SOAK or {}).get("shrink", 600))  # seconds to shrink a failure


@pytest.fixture
def stats() -> Stats:
    """What the walks of the test did."""
    return Stats()


@pytest.fixture
def make_world(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    secrets: Secrets,
    live_sessions: LiveSessions,
    caplog: pytest.LogCaptureFixture,
    socket_enabled: None,
    stats: Stats,
) -> Callable[[], World]:
    """A factory of fresh worlds: new servers and entries, the test's checks."""
    socket_allow_hosts(["127.0.0.1", PARTNER_HOST])
    return lambda: World(
        hass,
        hass_client,
        secrets,
        live_sessions,
        caplog,
        stats,
        clear_logs=SOAK is not None,
    )


def save(failure: Failure) -> Path:
    """Write the failure where scripts/soak --replay reads it."""
    SCRATCH.mkdir(exist_ok=True)
    path = (
        SCRATCH / f"soak-{failure.seed if failure.seed is not None else 'replay'}.json"
    )
    path.write_text(json.dumps(failure.as_json(), indent=1) + "\n", encoding="utf-8")
    # The test's own servers' secrets are in it: it stays in the git-ignored .scratch/.
    path.with_suffix(".log").write_text("\n".join(failure.log) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", SEEDS)
async def test_walk(make_world: Callable[[], World], stats: Stats, seed: int) -> None:
    """A walk of fixed steps from each seed breaks no invariant."""
    failure = await explore(make_world, seed, STEPS, shrink_budget=SHRINK_BUDGET)
    if failure is not None:
        pytest.fail(failure.report(str(save(failure))), pytrace=False)
    assert stats.steps >= STEPS
    assert stats.settles > 0
    assert stats.checks > stats.steps


# Defined only when scripts/soak runs: the suite neither runs it nor counts it as skipped.
if SOAK is not None:

    async def test_soak(
        make_world: Callable[[], World],
        stats: Stats,
        request: pytest.FixtureRequest,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Walks for as long as scripts/soak asks, or one walk, or a replay."""
        assert SOAK is not None
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")

        def say(line: str) -> None:
            if reporter is not None:
                with capsys.disabled():
                    reporter.write_line(line)

        began = time.monotonic()
        failure: Failure | None = None
        if REPLAY is not None:
            steps = steps_from_json(REPLAY["steps"])
            say(f"replaying {len(steps)} steps of {SOAK['replay']}")
            violation, _ = await attempt(make_world, steps)
            if violation is not None:
                failure = await _shrunk(make_world, steps, violation)
        elif "minutes" in SOAK:
            seed = int(SOAK["seed"])
            until = began + float(SOAK["minutes"]) * 60
            while time.monotonic() < until and failure is None:
                failure = await explore(
                    make_world, seed, SOAK_STEPS, shrink_budget=SOAK_SHRINK
                )
                say(
                    f"seed {seed}: {stats.steps} steps, {stats.faults} faults, "
                    f"{stats.checks} checks so far, {time.monotonic() - began:.0f} s"
                )
                seed += 1
        else:
            failure = await explore(
                make_world,
                int(SOAK["seed"]),
                int(SOAK["steps"]),
                shrink_budget=SOAK_SHRINK,
            )
        summary = {
            "minutes": round((time.monotonic() - began) / 60, 1),
            "walks": stats.walks,
            "steps": stats.steps,
            "faults": stats.faults,
            "settles": stats.settles,
            "invariant_checks": stats.checks,
            "calls": stats.calls,
            "call_events": stats.events,
            "violations": 0 if failure is None else 1,
            "outcomes": dict(sorted(stats.outcomes.items())),
            "rules": dict(sorted(stats.rules.items())),
        }
        SCRATCH.mkdir(exist_ok=True)
        (SCRATCH / "soak-summary.json").write_text(
            json.dumps(summary, indent=1) + "\n", encoding="utf-8"
        )
        say(json.dumps(summary))
        if failure is not None:
            pytest.fail(failure.report(str(save(failure))), pytrace=False)


async def _shrunk(
    make_world: Callable[[], World], steps: list[Any], violation: InvariantError
) -> Failure:
    shrunk = await shrink(make_world, steps, violation, SOAK_SHRINK)
    return Failure(None, steps, violation, shrunk)
