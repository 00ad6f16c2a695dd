"""The one place that maps a station type to its fields and to what the client sends."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.icws_station.const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
)
from custom_components.icws_station.icws import (
    RemoteNumberSettings,
    RemoteWorkstationSettings,
    StationSetting,
    StationSettings,
    WorkstationSettings,
)
from custom_components.icws_station.station import (
    STATION_FIELDS,
    STATION_TYPES,
    station_options,
    station_settings,
    station_type,
    station_type_key,
)


def test_every_known_station_setting_is_a_choice() -> None:
    assert set(STATION_FIELDS) == set(StationSetting)
    assert STATION_TYPES == (
        "none",
        "workstation",
        "remote_workstation",
        "remote_number",
    )
    assert station_type_key(StationSetting.REMOTE_NUMBER) == "remote_number"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, StationSetting.NONE),
        ({CONF_STATION_TYPE: None}, StationSetting.NONE),
        ({CONF_STATION_TYPE: "none"}, StationSetting.NONE),
        ({CONF_STATION_TYPE: "remote_workstation"}, StationSetting.REMOTE_WORKSTATION),
    ],
)
def test_station_type_reads_the_stored_name(
    data: dict[str, Any], expected: StationSetting
) -> None:
    assert station_type(data) is expected


@pytest.mark.parametrize("name", ["NONE", "unknown_7", "phone"])
def test_an_unknown_station_type_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="Unknown station type"):
        station_type({CONF_STATION_TYPE: name})


@pytest.mark.parametrize(
    ("data", "options", "settings"),
    [
        ({CONF_STATION_TYPE: "none", CONF_WORKSTATION: "WS-1"}, {}, None),
        (
            {CONF_STATION_TYPE: "workstation", CONF_WORKSTATION: " WS-114 "},
            {CONF_WORKSTATION: "WS-114"},
            WorkstationSettings("WS-114"),
        ),
        (
            {
                CONF_STATION_TYPE: "remote_workstation",
                CONF_WORKSTATION: "WS-115",
                CONF_REMOTE_NUMBER: " 3175551234",
                CONF_PERSISTENT: True,
            },
            {CONF_WORKSTATION: "WS-115", CONF_REMOTE_NUMBER: "3175551234"},
            RemoteWorkstationSettings("WS-115", "3175551234"),
        ),
        (
            {CONF_STATION_TYPE: "remote_number", CONF_REMOTE_NUMBER: "3175559876"},
            {CONF_REMOTE_NUMBER: "3175559876", CONF_PERSISTENT: False},
            RemoteNumberSettings("3175559876", persistent=False),
        ),
        (
            {
                CONF_STATION_TYPE: "remote_number",
                CONF_REMOTE_NUMBER: "3175559876",
                CONF_PERSISTENT: True,
            },
            {CONF_REMOTE_NUMBER: "3175559876", CONF_PERSISTENT: True},
            RemoteNumberSettings("3175559876", persistent=True),
        ),
    ],
)
def test_options_and_settings_keep_only_the_type_s_fields(
    data: dict[str, Any],
    options: dict[str, Any],
    settings: StationSettings | None,
) -> None:
    setting = station_type(data)

    assert station_options(setting, data) == {
        CONF_STATION_TYPE: data[CONF_STATION_TYPE],
        **options,
    }
    assert station_settings(data) == settings


def test_a_missing_required_field_is_refused() -> None:
    with pytest.raises(KeyError, match=CONF_WORKSTATION):
        station_settings({CONF_STATION_TYPE: "remote_workstation"})
