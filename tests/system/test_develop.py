"""The README's "Try it without a phone server", followed as a new user would.

``scripts/develop`` runs in a fresh copy of the repository (its tracked and unignored files),
on free ports chosen through HA_PORT and ICWS_SIM_PORT and in the Python environment of the
test run (ICWS_VENV), without the demo. Then: onboard, add the entry, paste the section's
automation, run the section's ``curl`` lines, and see the automation fire.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
import os
from pathlib import Path
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_socket import enable_socket

from .conftest import (
    ROOT,
    START_BOUND,
    STOP_BOUND,
    WAIT,
    RunningHomeAssistant,
    free_port,
    onboard,
    websocket_command,
)
from .test_system import PREFIX, HomeAssistantSocket, add_integration, call

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("socket_enabled")]

README = (ROOT / "README.md").read_text()
TRY_IT = "Try it without a phone server"
# The simulator's address the README writes; the test's own replaces it in what it types.
README_SIMULATOR = "127.0.0.1:8018"
CALL_STATE = f"sensor.{PREFIX}_call_state"
STATUS = f"sensor.{PREFIX}_status"


def section(title: str) -> str:
    """Return the README's ``## title`` section, up to the next ``## `` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end >= 0 else len(README)]


def code_blocks(text: str, language: str) -> list[str]:
    """Return the fenced code blocks of ``language`` in ``text``."""
    return [
        block
        for lang, block in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.DOTALL)
        if lang == language
    ]


@dataclass(frozen=True)
class Curl:
    """One ``curl`` line of the README, as the request it sends."""

    method: str
    url: str
    data: str | None


def parse_curl(line: str) -> Curl:
    """Read ``curl [-s] [-X METHOD] [-d DATA] URL``, the forms the README uses."""
    words = shlex.split(line)
    assert words[0] == "curl", line
    method, data, url = "GET", None, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-X":
            method = next(rest)
        elif word in {"-d", "--data"}:
            data = next(rest)
            method = "POST" if method == "GET" else method
        elif word.startswith("http"):
            url = word
        elif word != "-s":
            raise AssertionError(f"the test does not know {word!r} in {line!r}")
    assert url is not None, line
    return Curl(method, url, data)


def fresh_copy(target: Path) -> None:
    """Copy the repository's tracked and unignored files to ``target``, as a clone has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_symlink() or source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name, follow_symlinks=False)


def port_free(port: int) -> bool:
    """Return whether nothing listens on 127.0.0.1:``port``."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@dataclass(frozen=True)
class Develop:
    """``scripts/develop`` running: what it printed, and Home Assistant onboarded."""

    ha: RunningHomeAssistant
    printed: str


@pytest.fixture(scope="module")
def develop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Develop]:
    """Run ``scripts/develop`` in a fresh copy; stop it as Ctrl-C does."""
    enable_socket()  # the fixture outlives one test
    copy = tmp_path_factory.mktemp("clone")
    fresh_copy(copy)
    ha_port, sim_port = free_port(), free_port()
    env = {
        **os.environ,
        "HA_PORT": str(ha_port),
        "ICWS_SIM_PORT": str(sim_port),
        "ICWS_VENV": sys.prefix,
    }
    printed = copy / "develop.out"
    with printed.open("wb") as output:
        process = subprocess.Popen(
            [copy / "scripts" / "develop"], cwd=copy, env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{ha_port}"
    try:
        # The script prints its guide once Home Assistant answers. Another process: nothing
        # to await but its output, so read it again, bounded.
        deadline = time.monotonic() + START_BOUND
        while "Ctrl-C stops both." not in printed.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scripts/develop did not start:\n{printed.read_text()}")
            time.sleep(0.5)
        ha = RunningHomeAssistant(
            url, f"http://127.0.0.1:{sim_port}", onboard(url), copy / "config"
        )
        yield Develop(ha, printed.read_text())
    finally:
        # Ctrl-C: the terminal sends SIGINT to the script, which stops both programs.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_BOUND)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_BOUND)
    assert port_free(ha_port), "Home Assistant still runs after Ctrl-C"
    assert port_free(sim_port), "the simulator still runs after Ctrl-C"


@asynccontextmanager
async def notifications(
    http: aiohttp.ClientSession, ha: RunningHomeAssistant
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """Yield a queue of the persistent notifications added while the block runs."""
    added: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with http.ws_connect(f"{ha.url}/api/websocket") as ws:
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": ha.token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json({"id": 1, "type": "persistent_notification/subscribe"})

        async def read() -> None:
            async for raw in ws:
                message = raw.json()
                if message["type"] == "event" and message["event"]["type"] == "added":
                    for notification in message["event"]["notifications"].values():
                        await added.put(notification)

        reader = asyncio.create_task(read())
        try:
            yield added
        finally:
            reader.cancel()


def test_guide_names_the_ports_and_no_demo(develop: Develop) -> None:
    """What the script prints uses the chosen ports and says the demo is off."""
    ha = develop.ha
    assert f"open {ha.url}" in develop.printed
    assert f"Server address  {ha.simulator_url}" in develop.printed
    assert "Nothing changes on the simulator unless you change it" in develop.printed
    text = section(TRY_IT)
    for named in ("scripts/develop", "HA_PORT", "ICWS_SIM_PORT", "--demo", "uv"):
        assert named in text, named


def log_records(log: str) -> list[str]:
    """Split Home Assistant's log into records: a stamped line and its traceback, if any."""
    return [
        record
        for record in re.split(r"\n(?=\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})", log)
        if record
    ]


def test_start_logs_no_error(develop: Develop) -> None:
    """Every configured integration sets up, and Home Assistant starts without an error.

    With ffmpeg and libturbojpeg on the machine (README, Development; ``.ci/run`` installs
    them) not even the text-to-speech and camera parts of the core complain. Onboarding,
    once the owner account exists, tries to add Radio Browser, whose package the
    requirements leave out (README, Development): that error is onboarding's, not the
    start's, and so is the "task exception was never retrieved" that sometimes follows it,
    whose traceback ends in Radio Browser's import.
    """
    errors = [
        record
        for record in log_records(develop.ha.log.read_text())
        if " ERROR " in record.partition("\n")[0] and "radio_browser" not in record
    ]
    assert errors == [], "install ffmpeg and libturbojpeg0 if they are named here"
    components = set(
        websocket_command(develop.ha.url, develop.ha.token, {"type": "get_config"})[
            "components"
        ]
    )
    assert {"automation", "script", "recorder", "history", "logbook"} <= components


async def test_readme_automation_fires_on_a_missed_call(
    http: aiohttp.ClientSession, develop: Develop
) -> None:
    """The section's automation, pasted, notifies of the missed call its curl lines play."""
    ha = develop.ha
    text = section(TRY_IT)
    (block,) = (block for block in code_blocks(text, "yaml") if "alias:" in block)
    pasted = parse_yaml(block)
    assert isinstance(pasted, dict), block
    simulator = ha.simulator_url.removeprefix("http://")
    curls = [
        parse_curl(line.strip().replace(README_SIMULATOR, simulator))
        for block in code_blocks(text, "sh")
        for line in block.splitlines()
        if line.strip().startswith("curl ")
    ]
    assert curls, "the section has no curl lines"
    automation = f"automation.{pasted['alias'].lower().replace(' ', '_')}"

    async with (
        HomeAssistantSocket(http, ha) as states,
        notifications(http, ha) as added,
    ):
        await add_integration(http, ha)
        await states.wait_for(CALL_STATE, "idle")
        # Settings -> Automations & scenes -> Create automation -> Edit in YAML -> Save.
        await call(http, ha, "POST", "/api/config/automation/config/try_it", pasted)
        await states.wait_for(automation, "on")

        for curl in curls:
            async with http.request(curl.method, curl.url, data=curl.data) as answer:
                assert answer.status == 200, (curl, await answer.text())

        async with asyncio.timeout(WAIT):
            notification = await added.get()
        assert notification["title"] == pasted["actions"][0]["data"]["title"]
        # The answered call was not missed: the one notification is the second caller's.
        assert "Grace Hopper" in notification["message"]
        assert await states.wait_for(STATUS, "Do Not Disturb")


async def test_readme_examples_are_valid_here(develop: Develop) -> None:
    """Each automation and action the README shows passes this Home Assistant's checks."""
    ha = develop.ha
    checked = 0
    for block in code_blocks(README, "yaml"):
        parsed = parse_yaml(block)
        if not isinstance(parsed, dict):
            continue
        if "automation" in parsed:
            automations = parsed["automation"]
        elif "triggers" in parsed:
            automations = [parsed]
        elif "action" in parsed:
            automations = [{"actions": [parsed]}]
        else:
            continue  # a dashboard card, a logger setting
        for automation in automations:
            parts = {
                key: automation[key]
                for key in ("triggers", "conditions", "actions")
                if key in automation
            }
            result = await asyncio.to_thread(
                websocket_command,
                ha.url,
                ha.token,
                {"type": "validate_config", **parts},
            )
            assert all(part["valid"] for part in result.values()), (automation, result)
            checked += 1
    assert (
        checked >= 10
    )  # the README's automations and actions, not a parse that found none
