"""Entries of older versions are brought to the current one when Home Assistant loads them."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import (
    CONF_POLL_INTERVAL,
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from icws_simulator import IcwsSimulator

from .conftest import PASSWORD, USERNAME


def _entry_1_1(
    simulator: IcwsSimulator,
    retrieval_mode: str,
    unique_id: str = "jdoe@cic01",
    minor_version: int = 1,
) -> MockConfigEntry:
    """An entry as version 1.1 of the flow created it (or 1.2, which kept its options)."""
    return MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=minor_version,
        title="Jane Doe (CIC01)",
        unique_id=unique_id,
        data={
            CONF_URL: simulator.url,
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: PASSWORD,
            CONF_VERIFY_SSL: True,
        },
        options={
            CONF_STATION_TYPE: "workstation",
            CONF_WORKSTATION: "WS-114",
            CONF_RETRIEVAL_MODE: retrieval_mode,
            CONF_POLL_INTERVAL: 2.5,
        },
    )


@pytest.mark.parametrize(
    ("stored", "migrated"), [("sse", "auto"), ("auto", "auto"), ("poll", "poll")]
)
async def test_migrate_1_1(
    hass: HomeAssistant, simulator: IcwsSimulator, stored: str, migrated: str
) -> None:
    """The polling interval goes, forced streaming becomes Automatic; the ID stays."""
    entry = _entry_1_1(simulator, stored)
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 3)
    assert entry.options == {
        CONF_STATION_TYPE: "workstation",
        CONF_WORKSTATION: "WS-114",
        CONF_RETRIEVAL_MODE: migrated,
    }
    assert entry.unique_id == "jdoe@cic01"


async def test_a_newer_version_is_not_loaded(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """An entry written by a later major version is left alone for that version."""
    entry = _entry_1_1(simulator, "auto")
    options: dict[str, Any] = dict(entry.options)
    newer = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        unique_id=entry.unique_id,
        data=entry.data,
        options=options,
    )
    newer.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(newer.entry_id)

    assert newer.state is ConfigEntryState.MIGRATION_ERROR
    assert newer.options == options


async def test_migrate_1_2_keeps_the_server_connection_entity(
    hass: HomeAssistant, simulator: IcwsSimulator, entity_registry: er.EntityRegistry
) -> None:
    """The entity registered under the sensor's former key is the one the entry uses."""
    entry = _entry_1_1(simulator, "auto", unique_id="jdoe@127.0.0.1", minor_version=2)
    entry.add_to_hass(hass)
    old = entity_registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        "jdoe@127.0.0.1_server_connected",
        config_entry=entry,
        suggested_object_id="my_cic_link",
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert (entry.version, entry.minor_version) == (1, 3)
    migrated = entity_registry.async_get(old.entity_id)
    assert migrated is not None
    assert migrated.unique_id == "jdoe@127.0.0.1_server_connection"
    assert (state := hass.states.get(old.entity_id))
    assert state.state == "on"
