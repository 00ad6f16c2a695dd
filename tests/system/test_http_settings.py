"""Home Assistant's HTTP settings as scripts/develop and the system tests store them."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from pytest_socket import socket_allow_hosts

from .conftest import RunningHomeAssistant, websocket_command

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("socket_enabled")]


def test_listens_on_127_0_0_1_only(home_assistant: RunningHomeAssistant) -> None:
    """Another loopback address reaches any socket bound to all addresses, not this one."""
    port = urlsplit(home_assistant.url).port
    assert port is not None
    socket_allow_hosts(["127.0.0.1", "127.0.0.2"])
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5).close()


def test_settings_raise_no_repair(home_assistant: RunningHomeAssistant) -> None:
    """No repair about the HTTP settings (a YAML ``http:`` section raises one)."""
    issues = websocket_command(
        home_assistant.url, home_assistant.token, {"type": "repairs/list_issues"}
    )["issues"]
    assert [issue for issue in issues if issue["domain"] == "http"] == []
