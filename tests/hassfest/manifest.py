"""manifest.py and requirements.py: manifest.json of a custom integration."""

from __future__ import annotations

import re
from typing import Any

from awesomeversion import (
    AwesomeVersion,
    AwesomeVersionException,
    AwesomeVersionStrategy,
)

from .shapes import BOOL, STR, Obj, Problems, list_of, names_in, of_type, one_of, url

INTEGRATION_TYPES = (
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
)
IOT_CLASSES = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)
QUALITY_SCALES = (
    "bronze", "silver", "gold", "platinum", "custom", "no_score", "internal", "legacy",
)  # fmt: skip
CORE_DOCUMENTATION = "https://www.home-assistant.io/integrations"
VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]
# requirements.py: a package name, extras, then optional version specifiers; no spaces.
REQUIREMENT = re.compile(r"[\w.-]+(?:\[[\w.,-]+\])?(?:(?:===|==|>=|<=|~=|!=|<|>).+)?")


def _documentation(value: Any, path: str) -> Problems:
    """A custom integration documents itself over https, not in core's documentation."""
    yield from url(value, path)
    if isinstance(value, str):
        if not value.startswith("https://"):
            yield f"{path}: not an https URL"
        if value.startswith(CORE_DOCUMENTATION):
            yield f"{path}: points to core's documentation, not the integration's"


def _version(value: Any, path: str) -> Problems:
    if not isinstance(value, str):
        yield f"{path}: expected a string"
        return
    try:
        AwesomeVersion(value, ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException:
        yield f"{path}: {value!r} is not a version"


def _requirement(value: Any, path: str) -> Problems:
    if not isinstance(value, str) or " " in value:
        yield f"{path}: a requirement is one string without spaces"
    elif not REQUIREMENT.fullmatch(value):
        yield f"{path}: {value!r} is not a requirement"


DISCOVERY = list_of(of_type((str, dict), "a matcher"))
MANIFEST = Obj(
    {
        "domain": STR,
        "name": STR,
        "integration_type": one_of(INTEGRATION_TYPES),
        "config_flow": BOOL,
        "mqtt": list_of(STR),
        "zeroconf": DISCOVERY,
        "ssdp": list_of(of_type(dict, "a matcher")),
        "bluetooth": list_of(of_type(dict, "a matcher")),
        "homekit": Obj({"models": list_of(STR)}),
        "dhcp": list_of(of_type(dict, "a matcher")),
        "usb": list_of(of_type(dict, "a matcher")),
        "documentation": _documentation,
        "issue_tracker": url,
        "quality_scale": one_of(QUALITY_SCALES),
        "requirements": list_of(_requirement),
        "dependencies": list_of(STR),
        "after_dependencies": list_of(STR),
        "codeowners": list_of(STR),
        "loggers": list_of(STR),
        "disabled": STR,
        "iot_class": one_of(IOT_CLASSES),
        "single_config_entry": BOOL,
        # Custom integrations only:
        "version": _version,
        "import_executor": BOOL,
    },
    # "version" is optional in the schema and then required by a check of its own;
    # "iot_class" is required of every domain that is not a core platform or helper.
    required=frozenset(
        {"domain", "name", "documentation", "codeowners", "version", "iot_class"}
    ),
)


def _manifest_order(keys: list[str]) -> list[str]:
    """Domain, name, then the other keys alphabetically (hassfest sorts them so)."""
    return sorted(keys, key=lambda key: (key != "domain", key != "name", key))


def manifest_problems(
    manifest: Any, directory: str, core_domains: set[str]
) -> list[str]:
    """Check manifest.json as hassfest checks a custom integration's."""
    problems = list(MANIFEST(manifest, "manifest"))
    if not isinstance(manifest, dict):
        return problems
    if manifest.get("domain") != directory:
        problems.append(
            f"manifest.domain: {manifest.get('domain')!r} is not the directory's name"
        )
    if manifest.get("domain") in core_domains:
        problems.append("manifest.domain: collides with a core integration")
    if list(manifest) != _manifest_order(list(manifest)):
        problems.append("manifest: keys not in order (domain, name, then alphabetical)")
    both = names_in(manifest, "dependencies") & names_in(manifest, "after_dependencies")
    if both:
        problems.append(
            f"manifest: in dependencies and after_dependencies: {sorted(both)}"
        )
    scale = manifest.get("quality_scale")
    if scale in ("silver", "gold", "platinum") and not manifest.get("codeowners"):
        problems.append(f"manifest: a {scale} integration needs a code owner")
    return problems
