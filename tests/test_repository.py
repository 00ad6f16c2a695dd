"""The repository's own files that no test run exercises: GitHub workflows, HACS metadata.

They run only on GitHub, so here they are linted and checked for what they must contain.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil
import subprocess
import sys
from typing import Any

from homeassistant.util.yaml import parse_yaml
import pytest

ROOT = Path(__file__).parents[1]
GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
MANIFEST = ROOT / "custom_components" / "icws_station" / "manifest.json"

# yamllint's defaults, less the document-start marker GitHub's own examples leave out, and
# with the "on:" key of workflows, which YAML 1.1 would read as a boolean.
LINT = """
extends: default
rules:
  document-start: disable
  line-length: {max: 100}
  truthy: {check-keys: false}
"""
BASH = shutil.which("bash") or "/bin/bash"
YAML_FILES = [*sorted(GITHUB.rglob("*.yml")), ROOT / "config" / "configuration.yaml"]


def load(path: Path) -> Any:
    """Parse a YAML file of the repository."""
    return parse_yaml(path.read_text())


def triggers(workflow: dict[Any, Any]) -> Any:
    """A workflow's ``on:``, which YAML 1.1 parsers read as the key True."""
    return workflow[True]


def steps(workflow: str) -> list[dict[str, Any]]:
    """Every step of every job of a workflow."""
    jobs: dict[str, Any] = load(WORKFLOWS / workflow)["jobs"]
    return [step for job in jobs.values() for step in job["steps"]]


def uses(workflow: str) -> dict[str, dict[str, Any]]:
    """The actions a workflow uses, with their inputs."""
    return {
        step["uses"]: step.get("with", {}) for step in steps(workflow) if "uses" in step
    }


def test_yaml_is_clean() -> None:
    """Yamllint, run as a developer runs it, finds nothing in the YAML files."""
    lint = subprocess.run(
        [sys.executable, "-m", "yamllint", "--format", "parsable", "--config-data", LINT,
         *map(str, YAML_FILES)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (lint.returncode, lint.stdout, lint.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda path: path.name
)
def test_workflows_are_complete(path: Path) -> None:
    """Every workflow has triggers, least permissions, and jobs that run steps."""
    workflow = load(path)
    assert workflow["name"]
    assert triggers(workflow)
    assert workflow["permissions"]
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
        assert job["steps"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step


def test_validators_run_as_for_a_published_integration() -> None:
    """Hassfest and HACS validate the repository as a custom integration."""
    actions = uses("validate.yml")
    assert "home-assistant/actions/hassfest@master" in actions
    assert actions["hacs/action@main"] == {"category": "integration"}


def test_tests_run_every_leg_of_scripts_test() -> None:
    """The test workflow runs each leg scripts/test knows, on Python 3.14."""
    script = (ROOT / "scripts" / "test").read_text()
    known = re.search(r"legs=\(([a-z ]+)\)", script)
    assert known is not None
    workflow = load(WORKFLOWS / "tests.yml")
    assert workflow["jobs"]["test"]["strategy"]["matrix"]["leg"] == known[1].split()
    assert uses("tests.yml")["actions/setup-python@v6"]["python-version"] == "3.14"
    assert any(
        step.get("run") == "scripts/test --leg ${{ matrix.leg }}"
        for step in steps("tests.yml")
    )


def _leg_bodies() -> dict[str, str]:
    """Each leg's function in scripts/test, by leg."""
    script = (ROOT / "scripts" / "test").read_text()
    return {
        match[1]: match[2]
        for match in re.finditer(
            r"^leg_(\w+)\(\) \{\n(.*?)^\}", script, re.MULTILINE | re.DOTALL
        )
    }


def _legs_of(step: dict[str, Any]) -> set[str]:
    """The legs a step's ``if: contains(fromJSON('[...]'), matrix.leg)`` runs on."""
    condition = re.fullmatch(
        r"contains\(fromJSON\('(\[.*\])'\), matrix\.leg\)", step["if"]
    )
    assert condition is not None, step["if"]
    return set(json.loads(condition[1]))


def test_tests_install_what_the_browser_test_needs() -> None:
    """The browser test runs on GitHub instead of skipping.

    Each leg that runs tests/system gets Chromium where the browser test looks for it, and
    each leg that installs Home Assistant gets g++, before scripts/test starts.
    """
    legs = _leg_bodies()
    system = {
        leg
        for leg, body in legs.items()
        if "pytest" in body and "--ignore=tests/system" not in body
    }
    installs = {leg for leg, body in legs.items() if "scripts/bootstrap" in body}
    assert system
    assert system <= installs
    browser_test = (ROOT / "tests" / "system" / "test_browser.py").read_text()
    looked_up = re.search(r'shutil\.which\("([^"]+)"\)', browser_test)
    assert looked_up is not None
    name = looked_up[1]

    workflow = steps("tests.yml")
    runs = [step.get("run", "") for step in workflow]
    tests = runs.index("scripts/test --leg ${{ matrix.leg }}")
    browser = next(i for i, run in enumerate(runs) if "playwright install" in run)
    assert browser < tests
    assert _legs_of(workflow[browser]) == system
    # Playwright's own build of the release the tests pin, linked under the name looked up;
    # the version check fails the job if it is not on PATH.
    assert "grep '^playwright==' requirements_test.txt" in runs[browser]
    assert "playwright install --with-deps chromium" in runs[browser]
    assert f"/usr/local/bin/{name}\n" in runs[browser]
    assert runs[browser].endswith(f"{name} --version\n")
    compiler = next(
        i for i, run in enumerate(runs) if "install" in run and "g++" in run
    )
    assert compiler < tests
    assert installs <= _legs_of(workflow[compiler])


def test_workflow_scripts_parse() -> None:
    """Every run script of every workflow is valid bash (GitHub runs them with bash)."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        jobs: dict[str, Any] = load(path)["jobs"]
        for job in jobs.values():
            for step in job["steps"]:
                if "run" in step:
                    check = subprocess.run(
                        [BASH, "-n", "-c", step["run"]],
                        capture_output=True, text=True, check=False,
                    )  # fmt: skip
                    assert check.returncode == 0, (path.name, step, check.stderr)


def test_bench_runs_strict_every_week_on_github() -> None:
    """The goals are enforced weekly and on demand on GitHub, never on the shared machine.

    The results of each run are kept as an artifact.
    """
    on = triggers(load(WORKFLOWS / "bench.yml"))
    assert set(on) == {"schedule", "workflow_dispatch"}
    ((_, _, day, month, weekday),) = [entry["cron"].split() for entry in on["schedule"]]
    assert (day, month) == ("*", "*")
    assert weekday.isdigit()  # one day a week
    assert any(
        step.get("run") == "scripts/bench --strict" for step in steps("bench.yml")
    )
    actions = uses("bench.yml")
    assert actions["actions/setup-python@v6"]["python-version"] == "3.14"
    assert actions["actions/upload-artifact@v4"]["path"] == "bench-results.json"
    for script in (ROOT / "scripts" / "test", ROOT / ".ci" / "run"):
        commands = [
            line
            for line in script.read_text().splitlines()
            if not line.lstrip().startswith("#")
        ]
        assert not [line for line in commands if "bench --strict" in line], script


def test_release_checks_the_tag_against_the_manifest() -> None:
    """A release zips the integration that HACS installs, under the manifest's version."""
    release = steps("release.yml")
    check = next(step for step in release if "manifest" in step.get("name", ""))
    assert str(MANIFEST.relative_to(ROOT)) in check["run"]
    assert ".version" in check["run"]
    assert "exit 1" in check["run"]
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["zip_release"] is True
    zipping = next(step for step in release if "zip -r" in step.get("run", ""))
    assert "cd custom_components/icws_station" in zipping["run"]
    assert hacs["filename"] in zipping["run"]
    publishing = release[release.index(zipping) + 1]
    assert hacs["filename"] in publishing["run"]
    assert triggers(load(WORKFLOWS / "release.yml")) == {"push": {"tags": ["v*"]}}


def test_dependabot_watches_requirements_and_actions() -> None:
    """Dependabot proposes updates of the pinned requirements and of the actions."""
    updates = load(GITHUB / "dependabot.yml")["updates"]
    assert {update["package-ecosystem"] for update in updates} == {
        "pip",
        "github-actions",
    }


def test_bug_report_asks_for_diagnostics() -> None:
    """The bug form asks for the diagnostics file, where secrets are already redacted."""
    form = load(GITHUB / "ISSUE_TEMPLATE" / "bug_report.yml")
    fields = {field.get("id"): field for field in form["body"]}
    assert fields["diagnostics"]["type"] == "textarea"
    assert fields["diagnostics"]["validations"]["required"] is True
    assert (
        "render" not in fields["diagnostics"]["attributes"]
    )  # files attach only without
    assert load(GITHUB / "ISSUE_TEMPLATE" / "feature_request.yml")["body"]


def test_line_endings_are_fixed() -> None:
    """.gitattributes keeps LF endings and leaves the pictures alone."""
    attributes = (ROOT / ".gitattributes").read_text().splitlines()
    assert "* text=auto eol=lf" in attributes
    assert "*.png binary" in attributes
