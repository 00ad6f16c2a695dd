"""Store Home Assistant's HTTP settings in a configuration folder: 127.0.0.1 only, one port.

Home Assistant keeps its HTTP settings in ``<config>/.storage/http`` (Settings > System >
Network in the UI); the YAML ``http:`` section is deprecated and, once migrated, ignored. A new
configuration folder would listen on every address on its first start, so scripts/develop and
the system tests write the settings before each start, in the installed release's own schema
and storage format (the module that reads them provides both).

    python scripts/http_settings.py CONFIG_DIR PORT
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from homeassistant.components.http import config as http_config
from homeassistant.util import dt as dt_util


def write_http_settings(config_dir: Path, port: int) -> Path:
    """Write confirmed ("stable") settings that listen on 127.0.0.1:``port``; return the file."""
    settings = http_config.HTTP_STORAGE_SCHEMA(
        {"server_host": ["127.0.0.1"], "server_port": port}
    )
    stable = {
        **settings,
        http_config.HTTP_CONFIG_CREATED_AT: dt_util.utcnow().isoformat(),
        http_config.HTTP_CONFIG_ERROR: None,
        http_config.HTTP_CONFIG_ERROR_MESSAGE: None,
    }
    stored = {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {
            http_config.KEY_STABLE: stable,
            http_config.KEY_PENDING: None,
            # Nothing in YAML to migrate: the stored settings are the ones in force.
            http_config.KEY_YAML_MIGRATION_DONE: True,
        },
    }
    path = config_dir / ".storage" / http_config.STORAGE_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2) + "\n")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write_http_settings(Path(sys.argv[1]), int(sys.argv[2]))
