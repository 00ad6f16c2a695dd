"""The entities as a user sees them, pinned by snapshots."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from icws_simulator import IcwsSimulator


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [
        Platform.SENSOR,
        Platform.BINARY_SENSOR,
        Platform.EVENT,
        Platform.SELECT,
        Platform.BUTTON,
    ],
)
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    simulator: IcwsSimulator,
    mock_config_entry: MockConfigEntry,
    platform: Platform,
) -> None:
    # The status's "since" is the moment it was set: a fixed one keeps the snapshot stable.
    simulator.status.clock = lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.icws_station.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    # How the registry serialises aliases changed within the supported releases; it is
    # Home Assistant's detail, not this integration's, so the snapshots leave it out.
    await snapshot_platform(
        hass,
        entity_registry,
        snapshot.with_defaults(exclude=props("aliases")),
        mock_config_entry.entry_id,
    )


@pytest.mark.parametrize("simulator_options", [{"connection_version": 14}])
async def test_older_server_has_no_managed_ip_phone_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    unique_ids = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
    }

    assert f"{init_integration.unique_id}_extension" in unique_ids
    assert f"{init_integration.unique_id}_managed_ip_phone" not in unique_ids
    assert (
        f"{init_integration.unique_id}_emergency_responder_location_id"
        not in unique_ids
    )


async def test_managed_ip_phone_sensors_are_disabled_by_default(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    entry = entity_registry.async_get_entity_id(
        "sensor", "icws_station", f"{init_integration.unique_id}_managed_ip_phone"
    )
    assert entry is not None
    registered = entity_registry.async_get(entry)
    assert registered is not None
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(entry) is None
