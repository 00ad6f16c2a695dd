"""Rules on the integration's code: dependencies.py, config_schema.py, config_flow.py."""

from __future__ import annotations

import ast
from collections.abc import Mapping
import re
from typing import Any

from homeassistant.const import Platform

from .shapes import names_in

# Integrations every Home Assistant sets up, which code may import without naming them in
# the manifest (dependencies.py's allowed list), besides every entity platform.
ALWAYS_AVAILABLE = {
    "alert", "automation", "conversation", "default_config", "device_automation",
    "frontend", "group", "homeassistant", "input_boolean", "input_button",
    "input_datetime", "input_number", "input_select", "input_text", "media_source",
    "onboarding", "panel_custom", "persistent_notification", "person", "script",
    "shopping_list", "sun", "system_health", "system_log", "timer", "webhook",
    "websocket_api", "zone", "mjpeg", "stream",
}  # fmt: skip
COMPONENTS = "homeassistant.components"


def imported_components(tree: ast.Module) -> set[str]:
    """Return the integrations a module imports, leaving out ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if (
            isinstance(node, ast.If)
            and getattr(node.test, "id", None) == "TYPE_CHECKING"
        ):
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(f"{COMPONENTS}."):
                found.add(node.module.split(".")[2])
            elif node.module == COMPONENTS:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith(f"{COMPONENTS}.")
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_problems(
    trees: Mapping[str, ast.Module], manifest: Mapping[str, Any], own_modules: set[str]
) -> list[str]:
    """Every integration the code imports is a dependency, a platform or always there.

    ``own_modules`` are the integration's top-level module and package names: a module
    named for an integration (``diagnostics.py``, ``repairs.py``) is its platform.
    """
    allowed = (
        {platform.value for platform in Platform}
        | ALWAYS_AVAILABLE
        | names_in(manifest, "dependencies")
        | names_in(manifest, "after_dependencies")
        | {manifest.get("domain", "")}
        | own_modules
    )
    return [
        f"{name}: imports {domain}, which is not in dependencies or after_dependencies"
        for name, tree in sorted(trees.items())
        for domain in sorted(imported_components(tree) - allowed)
    ]


SCHEMA_NAMES = {"CONFIG_SCHEMA", "PLATFORM_SCHEMA", "PLATFORM_SCHEMA_BASE"}


def config_schema_problems(
    init: ast.Module, config: ast.Module | None = None
) -> list[str]:
    """An ``__init__`` with ``setup``/``async_setup`` defines or imports a config schema.

    A ``config.py`` with ``async_validate_config`` validates the YAML instead.
    """
    sets_up = any(
        (isinstance(node, ast.AsyncFunctionDef) and node.name == "async_setup")
        or (isinstance(node, ast.FunctionDef) and node.name == "setup")
        for node in init.body
    )
    if not sets_up:
        return []
    names: set[str] = set()
    for node in init.body:
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(
            node.target, ast.Name
        ):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    validates = config is not None and any(
        isinstance(node, ast.AsyncFunctionDef) and node.name == "async_validate_config"
        for node in config.body
    )
    if names & SCHEMA_NAMES or validates:
        return []
    return [
        (
            "__init__: async_setup without CONFIG_SCHEMA; use "
            "cv.config_entry_only_config_schema(DOMAIN) for an integration without YAML"
        )
    ]


DISCOVERY_STEPS = re.compile(
    r"async_step_(?:discovery|bluetooth|hassio|homekit|mqtt|ssdp|zeroconf|dhcp|usb)\b"
)
SETS_UNIQUE_ID = re.compile(
    r"self\.async_set_unique_id|self\._async_handle_discovery_without_unique_id"
    r"|register_discovery_flow|AbstractOAuth2FlowHandler"
)


def config_flow_problems(manifest: Mapping[str, Any], source: str | None) -> list[str]:
    """A config flow lives in config_flow.py; if it is discoverable, it sets a unique ID."""
    if source is None:
        return ["config_flow.py missing"] if manifest.get("config_flow") else []
    if DISCOVERY_STEPS.search(source) and not SETS_UNIQUE_ID.search(source):
        return ["config_flow.py: a discoverable flow needs to set a unique ID"]
    return []
