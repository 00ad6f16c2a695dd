"""The client is a library: it must import and work without Home Assistant."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

PACKAGE_PARENT = Path(__file__).parents[2] / "custom_components" / "icws_station"


def test_client_imports_no_home_assistant() -> None:
    # A fresh interpreter imports the package on its own, as a third-party program would.
    code = (
        "import sys; import icws; "
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] == 'homeassistant'); "
        "print(','.join(leaked)); print(icws.__all__ and 'ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE_PARENT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert result.stdout.splitlines() == ["", "ok"]


def test_client_ships_typing_information() -> None:
    assert (PACKAGE_PARENT / "icws" / "py.typed").is_file()
