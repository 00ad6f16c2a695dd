"""A Home Assistant test instance for the bench (imports nothing of the integration).

Kept apart from :mod:`bench.home_assistant` so that the cold setup figure can start one in
a fresh process and import the integration only inside its timed setup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    async_test_home_assistant,
    mock_storage,
)


class _Resolver(aiohttp.ThreadedResolver):
    """The resolver Home Assistant's HTTP session gets (no zeroconf in a bench)."""

    async def real_close(self) -> None:
        """Close, as Home Assistant's own resolver does on shutdown."""
        await self.close()


@contextlib.asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """A Home Assistant test instance that loads this project's integration.

    The harness's ``async_test_home_assistant`` with what its pytest fixtures add: storage
    kept in memory, custom integrations enabled, no zeroconf resolver. No loop debug mode.
    """
    with (
        mock_storage(),
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=_Resolver(),
        ),
    ):
        async with async_test_home_assistant() as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            try:
                yield hass
            finally:
                for entry in hass.config_entries.async_entries():
                    await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)
