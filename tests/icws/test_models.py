"""Models, enums that tolerate unknown values, and the server address."""

from __future__ import annotations

import pytest
from yarl import URL

from custom_components.icws_station.icws import (
    CallDirection,
    InteractionState,
    LoginInfo,
    MediaType,
    Secret,
    ServerVersion,
    Station,
    StationSetting,
    server_url,
)


def test_unknown_enum_values_become_members() -> None:
    assert MediaType(99).name == "UNKNOWN_99"
    assert MediaType(99) == 99
    assert StationSetting(7).name == "UNKNOWN_7"
    with pytest.raises(ValueError, match="is not a valid"):
        MediaType("call")  # type: ignore[arg-type]
    assert InteractionState("Z").name == "UNKNOWN_Z"
    assert InteractionState("Z") == "Z"
    with pytest.raises(ValueError, match="is not a valid"):
        InteractionState(1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("O", CallDirection.OUTBOUND),
        ("o", CallDirection.OUTBOUND),
        (" Outbound ", CallDirection.OUTBOUND),
        ("I", CallDirection.INBOUND),
        ("inbound", CallDirection.INBOUND),
    ],
)
def test_call_direction_however_spelled(text: str, direction: CallDirection) -> None:
    # [guess] The protocol notes give "I" and "O"; other spellings must mean the same.
    assert CallDirection(text) is direction


def test_interaction_state_letters_in_any_case() -> None:
    assert InteractionState("c") is InteractionState.CONNECTED
    assert InteractionState(" ") is InteractionState.NONE


def test_secret_never_shows_itself() -> None:
    secret = Secret("hunter2")

    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2")
    assert secret != Secret("other")
    assert secret != "hunter2"
    assert hash(secret) == hash(Secret("hunter2"))


def test_station_hides_the_sip_password() -> None:
    station = Station(
        id="WS-1",
        extension="1",
        station_setting=StationSetting.WORKSTATION,
        sip_password=Secret("sip-secret"),
        allowed_media_types=(MediaType.CALL, MediaType(42)),
    )

    assert "sip-secret" not in repr(station)
    data = station.as_dict()
    assert "sip_password" not in data
    assert "sip-secret" not in str(data)
    assert data["station_setting"] == "workstation"
    assert data["allowed_media_types"] == ["call", "unknown_42"]


@pytest.mark.parametrize(
    ("version", "text"),
    [
        (ServerVersion(display="2018 R5"), "2018 R5"),
        (ServerVersion(major="18", minor="5", su="3"), "18.5 SU 3"),
        (ServerVersion(major="18"), "18"),
        (ServerVersion(), "unknown"),
    ],
)
def test_server_version_text(version: ServerVersion, text: str) -> None:
    assert str(version) == text


def test_login_info_feature_gates() -> None:
    info = LoginInfo(
        user_id="u",
        user_display_name="U",
        server_name="S",
        host="h",
        features={"messaging": 1, "connection": 14},
    )

    assert not info.supports_sse
    assert not info.reports_managed_ip_phone


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("cic01.example.com", "https://cic01.example.com:8019"),
        (" cic01.example.com ", "https://cic01.example.com:8019"),
        ("https://cic01.example.com", "https://cic01.example.com:8019"),
        ("http://cic01.example.com", "http://cic01.example.com:8018"),
        ("https://cic01.example.com:9999/", "https://cic01.example.com:9999"),
        ("10.0.0.5:8018", "https://10.0.0.5:8018"),
        ("http://[::1]:8018", "http://[::1]:8018"),
    ],
)
def test_server_url(text: str, url: str) -> None:
    assert server_url(text) == URL(url)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ftp://cic01.example.com",
        "https://",
        "https://cic01.example.com/icws",
        "https://user:pw@cic01.example.com",
        "https://cic01.example.com?x=1",
        "https://cic01.example.com:99999",
        "https://cic01.example.com:port",
    ],
)
def test_server_url_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="server address"):
        server_url(text)
