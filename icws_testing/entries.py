"""Config entries as the config flow creates them, for the tests and the benchmark.

One factory, so that a change to what an entry holds (its version, unique ID, options) is
made once for every test and the benchmark alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.account import account_id
from custom_components.icws_station.config_flow import IcwsStationConfigFlow
from custom_components.icws_station.const import CONF_RETRIEVAL_MODE, DOMAIN
from custom_components.icws_station.icws import RetrievalMode
from custom_components.icws_station.station import station_options, station_type


def config_entry(
    url: str,
    username: str,
    password: str,
    *,
    title: str,
    station: Mapping[str, Any] | None = None,
    retrieval_mode: RetrievalMode = RetrievalMode.AUTO,
    verify_ssl: bool = True,
    unique_id: str | None = None,
    subentries: Iterable[ConfigSubentryData] = (),
) -> MockConfigEntry:
    """Return an entry (not yet added) for ``username`` at ``url`` with this station.

    ``station`` holds the station type and its fields as the station step takes them; none
    means no station. ``unique_id`` replaces the account's, for tests of a foreign one.
    ``subentries`` are stored with it (colleagues), as after a restart.
    """
    station = station or {}
    return MockConfigEntry(
        domain=DOMAIN,
        version=IcwsStationConfigFlow.VERSION,
        minor_version=IcwsStationConfigFlow.MINOR_VERSION,
        title=title,
        unique_id=unique_id or account_id(url, username),
        data={
            CONF_URL: url,
            CONF_USERNAME: username,
            CONF_PASSWORD: password,
            CONF_VERIFY_SSL: verify_ssl,
        },
        options={
            **station_options(station_type(station), station),
            CONF_RETRIEVAL_MODE: retrieval_mode.value,
        },
        subentries_data=list(subentries),
    )
