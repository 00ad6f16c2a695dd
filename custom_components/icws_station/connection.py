"""How the integration reaches ICWS: a client from entry data.

Shared by the config flow (which validates before saving) and the coordinator (which runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import APPLICATION_NAME
from .icws import IcwsClient, server_url


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> IcwsClient:
    """Create a client for the server and user in ``data`` on Home Assistant's HTTP session."""
    verify_ssl: bool = data[CONF_VERIFY_SSL]
    return IcwsClient(
        async_get_clientsession(hass, verify_ssl=verify_ssl),
        server_url(data[CONF_URL]),
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        application_name=APPLICATION_NAME,
        language=hass.config.language,
        verify_ssl=verify_ssl,
    )
