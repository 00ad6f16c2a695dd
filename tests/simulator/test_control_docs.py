"""The simulator's control routes, as ``--help`` and the README list them for people."""

from pathlib import Path
import re

import pytest

from icws_simulator import IcwsSimulator
from icws_simulator.__main__ import parse_args
from icws_simulator.app import build_app
from icws_simulator.control import PREFIX

README = Path(__file__).parents[2] / "README.md"
# "GET  /_simulator/users/{user}/sessions": a method and a control path, any placeholder names.
ROUTE = re.compile(rf"\b(GET|POST) +({PREFIX}/[\w/{{}}-]*)")


def _routes(text: str) -> set[tuple[str, str]]:
    """Return the (method, path) pairs ``text`` names, placeholders as ``{}``."""
    return {
        (method, re.sub(r"\{\w+\}", "{}", path.rstrip("/")))
        for method, path in ROUTE.findall(text)
    }


def _served() -> set[tuple[str, str]]:
    """Return every control route the simulator serves."""
    app = build_app(IcwsSimulator())
    return {
        (route.method, re.sub(r"\{\w+\}", "{}", route.resource.canonical))
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith(f"{PREFIX}/")
        and route.method != "HEAD"
    }


def test_help_lists_every_control_route(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m icws_simulator --help`` names each route the simulator serves, no other."""
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert _routes(capsys.readouterr().out) == _served()


def test_readme_lists_every_control_route() -> None:
    """The README's table of control routes is complete and names no route that is gone."""
    assert _routes(README.read_text()) == _served()
