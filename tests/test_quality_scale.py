"""Hassfest skips quality_scale.yaml for custom integrations, so this test reads it instead."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.util.yaml import load_yaml_dict
import pytest

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "icws_station"

# Every rule up to Platinum, as of Home Assistant 2026.
RULES = {
    "action-setup", "appropriate-polling", "brands", "common-modules",
    "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
    "docs-high-level-description", "docs-installation-instructions",
    "docs-removal-instructions", "entity-event-setup", "entity-unique-id", "has-entity-name",
    "runtime-data", "test-before-configure", "test-before-setup", "unique-config-entry",
    "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
    "docs-installation-parameters", "entity-unavailable", "integration-owner",
    "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
    "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
    "entity-category", "entity-device-class", "entity-disabled-by-default",
    "entity-translations", "exception-translations", "icon-translations",
    "reconfiguration-flow", "repair-issues", "stale-devices", "async-dependency",
    "inject-websession", "strict-typing",
}  # fmt: skip


def test_every_rule_is_done_or_exempt_with_a_reason() -> None:
    rules = load_yaml_dict(INTEGRATION / "quality_scale.yaml")["rules"]

    assert set(rules) == RULES
    for name, rule in rules.items():
        if rule == "done":
            continue
        assert rule["status"] == "exempt", name
        assert len(rule["comment"]) > 20, name


@pytest.mark.parametrize(
    ("platform", "key"),
    [
        ("sensor", key)
        for key in (
            "station_id", "extension", "remote_number", "station_type", "sip_address",
            "sip_user", "allowed_media_types", "managed_ip_phone",
            "emergency_responder_location_id",
        )
    ]
    + [
        ("binary_sensor", key)
        for key in ("station_connected", "can_be_dialed", "ring_always", "server_connection")
    ]
    + [("sensor", "status"), ("select", "status")]
    + [("binary_sensor", key) for key in ("do_not_disturb", "logged_in")],
)  # fmt: skip
def test_every_entity_has_a_name_and_an_icon(platform: str, key: str) -> None:
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    icons = json.loads((INTEGRATION / "icons.json").read_text())

    assert translations["entity"][platform][key]["name"]
    assert icons["entity"][platform][key]["default"].startswith("mdi:")


def test_brand_images_ship_with_the_integration() -> None:
    for name in ("icon.png", "icon@2x.png", "logo.png", "logo@2x.png"):
        assert (INTEGRATION / "brand" / name).stat().st_size > 0
