"""Tests of the config, reauth, reconfigure and options flows against the ICWS simulator."""

from __future__ import annotations

from collections.abc import Mapping
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.icws_station.account import account_id, is_entry_account
from custom_components.icws_station.config_flow import ADDRESS_EXAMPLES
from custom_components.icws_station.const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DOMAIN,
)
from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsConnectionError,
    IcwsStationError,
    LoginInfo,
    StationSetting,
)
from custom_components.icws_station.icws.url import HTTP_PORT, HTTPS_PORT
from custom_components.icws_station.station import station_type_key
from icws_simulator import IcwsSimulator

from .conftest import DISPLAY_NAME, PASSWORD, SERVER_NAME, USERNAME
from .helpers import LiveSessionWatch, wait_for_state

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

# The simulator listens on 127.0.0.1: the account is the user at that address.
UNIQUE_ID = f"{USERNAME}@127.0.0.1"
TITLE = f"{DISPLAY_NAME} ({SERVER_NAME})"
DEFAULT_RETRIEVAL = {CONF_RETRIEVAL_MODE: "auto"}
TRANSLATIONS: dict[str, Any] = json.loads(
    (
        Path(__file__).parents[1]
        / "custom_components"
        / DOMAIN
        / "translations"
        / "en.json"
    ).read_text(encoding="utf-8")
)

# What the station details step takes for each type, and the options it stores.
STATION_CASES: list[tuple[StationSetting, dict[str, Any], dict[str, Any]]] = [
    (
        StationSetting.WORKSTATION,
        {CONF_WORKSTATION: " WS-114 "},
        {CONF_WORKSTATION: "WS-114"},
    ),
    (
        StationSetting.REMOTE_WORKSTATION,
        {CONF_WORKSTATION: "WS-115", CONF_REMOTE_NUMBER: "3175551234"},
        {CONF_WORKSTATION: "WS-115", CONF_REMOTE_NUMBER: "3175551234"},
    ),
    (
        StationSetting.REMOTE_NUMBER,
        {CONF_REMOTE_NUMBER: "3175559876", CONF_PERSISTENT: True},
        {CONF_REMOTE_NUMBER: "3175559876", CONF_PERSISTENT: True},
    ),
]


# ---- helpers -----------------------------------------------------------------------------


def _credentials(simulator: IcwsSimulator, **changes: Any) -> dict[str, Any]:
    """Return the sign-in form's input, which is also the entry data stored from it."""
    return {
        CONF_URL: simulator.url,
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        CONF_VERIFY_SSL: True,
        **changes,
    }


def _add_entry(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    *,
    unique_id: str = UNIQUE_ID,
    data: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=unique_id,
        data=dict(data or _credentials(simulator)),
        options=dict(
            options
            or {
                CONF_STATION_TYPE: "workstation",
                CONF_WORKSTATION: "WS-114",
                **DEFAULT_RETRIEVAL,
            }
        ),
    )
    entry.add_to_hass(hass)
    return entry


def assert_form(
    result: ConfigFlowResult,
    step_id: str,
    errors: Mapping[str, str] | None = None,
    *,
    flow: str = "config",
) -> None:
    """Assert a form, its errors, and that the step, its fields and errors are translated."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == step_id
    assert (result["errors"] or {}) == dict(errors or {})
    strings = TRANSLATIONS[flow]
    step = strings["step"][step_id]
    assert step["title"]
    placeholders = result["description_placeholders"] or {}
    texts = [
        step["description"],
        *step.get("data_description", {}).values(),
        *(strings["error"][e] for e in (errors or {}).values()),
    ]
    for text in texts:
        for name in re.findall(r"\{(\w+)\}", text):
            assert placeholders[name], f"{step_id}: no value for {{{name}}}"
    for field in fields(result):
        assert step["data"][field]
        assert step["data_description"][field]


def assert_abort(result: ConfigFlowResult, reason: str) -> None:
    """Assert an abort with a translated reason."""
    assert result["type"] is FlowResultType.ABORT, result
    assert result["reason"] == reason
    assert TRANSLATIONS["config"]["abort"][reason]


def fields(result: ConfigFlowResult) -> list[str]:
    """Return the names of a form's fields, in order."""
    schema = result["data_schema"]
    return [] if schema is None else [str(key) for key in schema.schema]


def suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """Return the values a form shows pre-filled."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }


async def _start(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert_form(result, "user")
    assert result["description_placeholders"] == ADDRESS_EXAMPLES
    return result


async def _to_station_step(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> ConfigFlowResult:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert_form(result, "station")
    return result


async def _to_details_step(
    hass: HomeAssistant, simulator: IcwsSimulator, station_type: StationSetting
) -> ConfigFlowResult:
    result = await _to_station_step(hass, simulator)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STATION_TYPE: station_type_key(station_type)}
    )
    assert_form(result, "station_details")
    return result


# ---- user and station steps --------------------------------------------------------------


@pytest.mark.parametrize(("station_type", "details", "stored"), STATION_CASES)
async def test_user_flow_with_station(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    station_type: StationSetting,
    details: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    """Signing in and picking a station creates the entry after trying the station."""
    result = await _start(hass)
    # A trailing slash and spaces are tidied away; the URL is stored normalised.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, url=f" {simulator.url}/ ")
    )
    assert_form(result, "station")
    assert result["description_placeholders"] == {
        "user": DISPLAY_NAME,
        "server": SERVER_NAME,
    }
    assert not simulator.sessions

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STATION_TYPE: station_type_key(station_type)}
    )
    assert_form(result, "station_details")
    assert fields(result) == list(stored)

    logins = simulator.traffic.login_attempts
    result = await hass.config_entries.flow.async_configure(result["flow_id"], details)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == _credentials(simulator)
    assert result["options"] == {
        CONF_STATION_TYPE: station_type_key(station_type),
        **stored,
        **DEFAULT_RETRIEVAL,
    }
    assert result["result"].unique_id == UNIQUE_ID
    assert simulator.traffic.login_attempts == logins + 1  # the station was tried
    assert not simulator.sessions  # and the validation sessions were logged out


async def test_user_flow_without_station(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Choosing no station creates the entry at once, with no station logon."""
    result = await _to_station_step(hass, simulator)
    logins = simulator.traffic.login_attempts

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STATION_TYPE: "none"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == _credentials(simulator)
    assert result["options"] == {CONF_STATION_TYPE: "none", **DEFAULT_RETRIEVAL}
    assert simulator.traffic.login_attempts == logins
    assert not simulator.sessions


async def test_user_flow_address_without_scheme(hass: HomeAssistant) -> None:
    """An address without a scheme means https on port 8019."""
    tried: list[str] = []

    async def login(client: IcwsClient) -> None:
        tried.append(str(client.url))
        raise IcwsConnectionError("Login failed: ClientConnectorError")

    result = await _start(hass)
    with patch.object(IcwsClient, "login", autospec=True, side_effect=login):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_URL: "cic01.example.com",
                CONF_USERNAME: USERNAME,
                CONF_PASSWORD: PASSWORD,
                CONF_VERIFY_SSL: True,
            },
        )

    assert tried == ["https://cic01.example.com:8019"]
    assert_form(result, "user", {"base": "cannot_connect"})
    assert suggested(result)[CONF_URL] == "cic01.example.com"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_URL: "ftp://cic01.example.com"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "https://cic01.example.com/icws"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "   "}, {CONF_URL: "invalid_url"}),
        ({CONF_PASSWORD: "wrong"}, {"base": "invalid_auth"}),
        ({CONF_USERNAME: "nobody"}, {"base": "invalid_auth"}),
    ],
)
async def test_user_flow_form_errors(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Bad input stays in the form with its error and what was typed; fixing it goes on."""
    result = await _start(hass)
    typed = _credentials(simulator, **changes)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)

    assert_form(result, "user", errors)
    assert suggested(result) == typed
    assert not simulator.sessions

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert_form(result, "station")


async def test_user_flow_server_refusing_logins(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """A server that accepts no connection (503, no alternate left) cannot be reached."""
    simulator.refuse_logins(alternates=())
    result = await _start(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )

    assert_form(result, "user", {"base": "cannot_connect"})
    simulator.accept_logins()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )
    assert_form(result, "station")


async def test_user_flow_server_down(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Nothing listening at the address is a connection error."""
    await simulator.stop()
    result = await _start(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )

    assert_form(result, "user", {"base": "cannot_connect"})


async def test_user_flow_untrusted_certificate(
    hass: HomeAssistant, https_simulator: IcwsSimulator
) -> None:
    """A self-signed certificate fails verification; turning verification off works."""
    result = await _start(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(https_simulator)
    )
    assert_form(result, "user", {"base": "ssl_error"})

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(https_simulator, verify_ssl=False)
    )
    assert_form(result, "station")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STATION_TYPE: "none"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == https_simulator.url
    assert result["data"][CONF_VERIFY_SSL] is False
    assert not https_simulator.sessions


@pytest.mark.parametrize("verify_ssl", [True, False], ids=["verify", "no-verify"])
async def test_user_flow_https_to_a_plain_http_port(
    hass: HomeAssistant, simulator: IcwsSimulator, verify_ssl: bool
) -> None:
    """https:// at a plain HTTP port: the form says so, verified or not; http:// works."""
    https = str(URL(simulator.url).with_scheme("https"))
    result = await _start(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, url=https, verify_ssl=verify_ssl)
    )
    assert_form(result, "user", {"base": "plain_http"})
    assert simulator.traffic.login_attempts == 0
    # The advice names the ports the client uses by default.
    advice = TRANSLATIONS["config"]["error"]["plain_http"]
    assert str(HTTP_PORT) in advice
    assert str(HTTPS_PORT) in advice

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, verify_ssl=verify_ssl)
    )
    assert_form(result, "station")


async def test_user_flow_unexpected_error(
    hass: HomeAssistant, simulator: IcwsSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error is reported as unknown and logged with its traceback."""
    result = await _start(hass)

    with patch.object(IcwsClient, "login", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _credentials(simulator)
        )

    assert_form(result, "user", {"base": "unknown"})
    assert "Unexpected error while checking the ICWS server" in caplog.text
    assert "RuntimeError: boom" in caplog.text


async def test_user_flow_already_configured(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """The same user on the same server cannot be added twice."""
    _add_entry(hass, simulator)
    result = await _start(hass)

    # Another spelling of the same server still names the same account.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(simulator, url=simulator.url.replace("http://", "HTTP://")),
    )

    assert_abort(result, "already_configured")
    assert not simulator.sessions
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize(
    ("station_type", "details", "errors"),
    [
        (
            StationSetting.WORKSTATION,
            {CONF_WORKSTATION: "WS-999"},
            {CONF_WORKSTATION: "station_not_found"},
        ),
        (
            StationSetting.REMOTE_WORKSTATION,
            {CONF_WORKSTATION: "WS-999", CONF_REMOTE_NUMBER: "3175551234"},
            {CONF_WORKSTATION: "station_not_found"},
        ),
        (
            StationSetting.REMOTE_NUMBER,
            {CONF_REMOTE_NUMBER: "  ", CONF_PERSISTENT: False},
            {"base": "station_refused"},
        ),
    ],
)
async def test_station_refused(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    station_type: StationSetting,
    details: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """A station the server refuses stays in the form, with what was typed."""
    result = await _to_details_step(hass, simulator, station_type)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], details)

    assert_form(result, "station_details", errors)
    assert suggested(result) == details
    placeholders = result["description_placeholders"] or {}
    if "base" in errors:
        assert "remoteNumber" in placeholders["error"]  # the server's reason is shown
    else:
        assert "error" not in placeholders
    assert not simulator.sessions

    fixed = next(case for case in STATION_CASES if case[0] is station_type)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], fixed[1])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {
        CONF_STATION_TYPE: station_type_key(station_type),
        **fixed[2],
        **DEFAULT_RETRIEVAL,
    }
    assert not simulator.sessions


async def test_remote_number_not_found(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """A 'not found' for a remote number has no workstation field to mark."""
    result = await _to_details_step(hass, simulator, StationSetting.REMOTE_NUMBER)

    with patch.object(
        IcwsClient,
        "connect_station",
        side_effect=IcwsStationError("not found", status=400, not_found=True),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_REMOTE_NUMBER: "0", CONF_PERSISTENT: False}
        )

    assert_form(result, "station_details", {"base": "station_not_found"})
    assert not simulator.sessions


async def test_station_step_server_gone(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """The server going away before the station is tried is a connection error."""
    result = await _to_details_step(hass, simulator, StationSetting.WORKSTATION)
    await simulator.stop()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_WORKSTATION: "WS-114"}
    )

    assert_form(result, "station_details", {"base": "cannot_connect"})
    await simulator.start()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_WORKSTATION: "WS-114"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_station_step_password_changed(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """A password changed between the steps is reported, not hidden."""
    result = await _to_details_step(hass, simulator, StationSetting.WORKSTATION)
    simulator.set_password(USERNAME, "changed")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_WORKSTATION: "WS-114"}
    )

    assert_form(result, "station_details", {"base": "invalid_auth"})
    assert not simulator.sessions


# ---- reauthentication --------------------------------------------------------------------


async def test_reauth(hass: HomeAssistant, simulator: IcwsSimulator) -> None:
    """A wrong password stays in the form; the right one is saved."""
    entry = _add_entry(hass, simulator, data=_credentials(simulator, password="old"))

    result = await entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    placeholders = result["description_placeholders"] or {}
    assert placeholders["username"] == USERNAME
    assert placeholders["url"] == simulator.url
    assert fields(result) == [CONF_PASSWORD]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "still-wrong"}
    )
    assert_form(result, "reauth_confirm", {"base": "invalid_auth"})

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert_abort(result, "reauth_successful")
    assert entry.data == _credentials(simulator)
    assert not simulator.sessions


async def test_reauth_other_account(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Credentials that sign in as another account are not taken over."""
    entry = _add_entry(
        hass,
        simulator,
        unique_id="asmith@127.0.0.1",
        data=_credentials(simulator, password="old"),
    )

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )

    assert_abort(result, "account_mismatch")
    assert entry.data[CONF_PASSWORD] == "old"
    assert not simulator.sessions


# ---- reconfiguration ---------------------------------------------------------------------


async def test_reconfigure(hass: HomeAssistant, simulator: IcwsSimulator) -> None:
    """The form is pre-filled (no password); errors stay; an empty password keeps it."""
    entry = _add_entry(
        hass, simulator, data=_credentials(simulator, url="http://cic01.invalid:8018")
    )

    result = await entry.start_reconfigure_flow(hass)
    assert_form(result, "reconfigure")
    assert suggested(result) == {
        CONF_URL: "http://cic01.invalid:8018",
        CONF_USERNAME: USERNAME,
        CONF_VERIFY_SSL: True,
    }

    typed = {CONF_URL: "mailto:x", CONF_USERNAME: USERNAME, CONF_VERIFY_SSL: True}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert_form(result, "reconfigure", {CONF_URL: "invalid_url"})
    assert suggested(result) == typed

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: simulator.url,
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: "wrong",
            CONF_VERIFY_SSL: True,
        },
    )
    assert_form(result, "reconfigure", {"base": "invalid_auth"})

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: f"{simulator.url}/",
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: "",
            CONF_VERIFY_SSL: False,
        },
    )
    assert_abort(result, "reconfigure_successful")
    assert entry.data == _credentials(simulator, verify_ssl=False)
    assert not simulator.sessions


async def test_reconfigure_https_to_a_plain_http_port(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Turning verification off does not hide that the port speaks plain HTTP."""
    entry = _add_entry(hass, simulator)
    https = str(URL(simulator.url).with_scheme("https"))

    result = await entry.start_reconfigure_flow(hass)
    for verify_ssl in (True, False):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _credentials(simulator, url=https, verify_ssl=verify_ssl)
        )
        assert_form(result, "reconfigure", {"base": "plain_http"})

    assert entry.data == _credentials(simulator)
    assert simulator.traffic.login_attempts == 0


async def test_reconfigure_new_password(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """A new password typed in the reconfigure form is checked and saved."""
    simulator.set_password(USERNAME, "new-password")
    entry = _add_entry(hass, simulator)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator, password="new-password")
    )

    assert_abort(result, "reconfigure_successful")
    assert entry.data[CONF_PASSWORD] == "new-password"


async def test_reconfigure_other_account(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Another user's credentials cannot replace the entry's account."""
    simulator.set_password("asmith", "asmith-password")
    entry = _add_entry(hass, simulator)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _credentials(simulator, username="asmith", password="asmith-password"),
    )

    assert_abort(result, "account_mismatch")
    assert entry.data == _credentials(simulator)
    assert not simulator.sessions


# ---- options -----------------------------------------------------------------------------


async def _options_init(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert_form(result, "init", flow="options")
    return result


@pytest.mark.parametrize(("station_type", "details", "stored"), STATION_CASES)
async def test_options_change_station(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    station_type: StationSetting,
    details: dict[str, Any],
    stored: dict[str, Any],
) -> None:
    """Another station is tried with the entry's account before it is saved."""
    entry = _add_entry(
        hass,
        simulator,
        options={
            CONF_STATION_TYPE: "remote_number",
            CONF_REMOTE_NUMBER: "100",
            CONF_PERSISTENT: False,
            **DEFAULT_RETRIEVAL,
        },
    )
    result = await _options_init(hass, entry)
    assert suggested(result) == {
        CONF_STATION_TYPE: "remote_number",
        **DEFAULT_RETRIEVAL,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_STATION_TYPE: station_type_key(station_type),
            CONF_RETRIEVAL_MODE: "poll",
        },
    )
    assert_form(result, "station_details", flow="options")
    logins = simulator.traffic.login_attempts

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], details
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    expected = {
        CONF_STATION_TYPE: station_type_key(station_type),
        **stored,
        CONF_RETRIEVAL_MODE: "poll",
    }
    assert result["data"] == expected
    assert entry.options == expected
    assert simulator.traffic.login_attempts == logins + 1
    assert not simulator.sessions


async def test_options_no_station(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Choosing no station saves at once and drops the old station's details."""
    entry = _add_entry(hass, simulator)
    result = await _options_init(hass, entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_STATION_TYPE: "none", CONF_RETRIEVAL_MODE: "auto"},
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_STATION_TYPE: "none", **DEFAULT_RETRIEVAL}
    assert simulator.traffic.login_attempts == 0


async def test_options_same_station_not_tried_again(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """The entry's own station is not logged on to again (that would take it away)."""
    entry = _add_entry(hass, simulator)
    result = await _options_init(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_STATION_TYPE: "workstation",
            CONF_RETRIEVAL_MODE: "auto",
        },
    )
    assert_form(result, "station_details", flow="options")
    assert suggested(result) == {CONF_WORKSTATION: "WS-114"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WORKSTATION: "WS-114"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_STATION_TYPE: "workstation",
        CONF_WORKSTATION: "WS-114",
        CONF_RETRIEVAL_MODE: "auto",
    }
    assert simulator.traffic.login_attempts == 0


@pytest.mark.parametrize(
    ("prepare", "details", "errors"),
    [
        (None, {CONF_WORKSTATION: "WS-999"}, {CONF_WORKSTATION: "station_not_found"}),
        ("password", {CONF_WORKSTATION: "WS-115"}, {"base": "invalid_auth"}),
        ("stop", {CONF_WORKSTATION: "WS-115"}, {"base": "cannot_connect"}),
        ("refuse", {CONF_WORKSTATION: "WS-115"}, {"base": "cannot_connect"}),
    ],
)
async def test_options_station_errors(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    prepare: str | None,
    details: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """A station that cannot be tried is not saved; the form says why."""
    entry = _add_entry(hass, simulator)
    result = await _options_init(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_STATION_TYPE: "workstation",
            CONF_RETRIEVAL_MODE: "auto",
        },
    )
    if prepare == "password":
        simulator.set_password(USERNAME, "changed")
    elif prepare == "stop":
        await simulator.stop()
    elif prepare == "refuse":
        simulator.refuse_logins()

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], details
    )

    assert_form(result, "station_details", errors, flow="options")
    assert suggested(result) == details
    assert entry.options[CONF_WORKSTATION] == "WS-114"
    assert not simulator.sessions


async def test_options_station_refused(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """The server's reason for refusing a station is shown."""
    entry = _add_entry(hass, simulator)
    result = await _options_init(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_STATION_TYPE: "remote_workstation",
            CONF_RETRIEVAL_MODE: "auto",
        },
    )

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_WORKSTATION: "WS-114", CONF_REMOTE_NUMBER: " "}
    )

    assert_form(result, "station_details", {"base": "station_refused"}, flow="options")
    placeholders = result["description_placeholders"] or {}
    assert "remoteNumber" in placeholders["error"]
    assert not simulator.sessions


async def test_options_offer_no_polling_interval(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """Polling runs at a fixed interval; only Automatic and Polling can be chosen."""
    entry = _add_entry(hass, simulator)
    result = await _options_init(hass, entry)

    assert fields(result) == [CONF_STATION_TYPE, CONF_RETRIEVAL_MODE]
    schema = result["data_schema"]
    assert schema is not None
    selector = dict(schema.schema)[CONF_RETRIEVAL_MODE]
    assert selector.config["options"] == ["auto", "poll"]


# ---- options and reconfiguration of a loaded entry ---------------------------------------

SERVER_CONNECTION = "binary_sensor.jane_doe_cic01_server_connection"


def server_station(simulator: IcwsSimulator) -> str | None:
    """The station of the user's only session, as the server reports it."""
    (session,) = simulator.sessions.of(USERNAME)
    return None if session.station is None else session.station.id


class TestLoadedEntry:
    """The entry is set up for real: its session on the server is what these guard."""

    @pytest.fixture
    def mock_setup_entry(self) -> None:
        """Let the entry set up; it logs in and connects WS-114."""

    async def _station_details(
        self, hass: HomeAssistant, entry: MockConfigEntry, retrieval_mode: str = "auto"
    ) -> ConfigFlowResult:
        result = await _options_init(hass, entry)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_STATION_TYPE: "workstation", CONF_RETRIEVAL_MODE: retrieval_mode},
        )
        assert_form(result, "station_details", flow="options")
        return result

    @pytest.mark.usefixtures("live_sessions")
    async def test_options_change_station_in_the_session(
        self,
        hass: HomeAssistant,
        simulator: IcwsSimulator,
        init_integration: MockConfigEntry,
    ) -> None:
        """A new station is connected in the entry's session: no second one, no reload."""
        (session_id,) = simulator.sessions
        logins = simulator.traffic.login_attempts
        result = await self._station_details(hass, init_integration)

        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_WORKSTATION: "WS-115"}
        )
        await hass.async_block_till_done()

        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert init_integration.options == {
            CONF_STATION_TYPE: "workstation",
            CONF_WORKSTATION: "WS-115",
            **DEFAULT_RETRIEVAL,
        }
        assert list(simulator.sessions) == [session_id]
        assert server_station(simulator) == "WS-115"
        assert simulator.traffic.login_attempts == logins

    @pytest.mark.usefixtures("live_sessions")
    async def test_options_reload_after_a_new_update_method(
        self,
        hass: HomeAssistant,
        simulator: IcwsSimulator,
        init_integration: MockConfigEntry,
    ) -> None:
        """The reload logs the old session out before the new one logs in."""
        (old_session,) = simulator.sessions
        result = await self._station_details(hass, init_integration, "poll")

        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_WORKSTATION: "WS-115"}
        )
        await hass.async_block_till_done()

        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert init_integration.state is ConfigEntryState.LOADED
        assert init_integration.options[CONF_RETRIEVAL_MODE] == "poll"
        (new_session,) = simulator.sessions
        assert new_session != old_session
        assert server_station(simulator) == "WS-115"

    @pytest.mark.usefixtures("live_sessions")
    async def test_options_no_station_in_the_session(
        self,
        hass: HomeAssistant,
        simulator: IcwsSimulator,
        init_integration: MockConfigEntry,
    ) -> None:
        """No station disconnects it in the entry's session."""
        (session_id,) = simulator.sessions
        result = await _options_init(hass, init_integration)

        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_STATION_TYPE: "none", CONF_RETRIEVAL_MODE: "auto"}
        )
        await hass.async_block_till_done()

        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert init_integration.options == {
            CONF_STATION_TYPE: "none",
            **DEFAULT_RETRIEVAL,
        }
        assert list(simulator.sessions) == [session_id]
        assert server_station(simulator) is None

    @pytest.mark.usefixtures("live_sessions")
    @pytest.mark.parametrize(
        ("station_type", "details", "errors"),
        [
            (
                "workstation",
                {CONF_WORKSTATION: "WS-999"},
                {CONF_WORKSTATION: "station_not_found"},
            ),
            (
                "remote_workstation",
                {CONF_WORKSTATION: "WS-115", CONF_REMOTE_NUMBER: " "},
                {"base": "station_refused"},
            ),
            (
                "remote_number",
                {CONF_REMOTE_NUMBER: " ", CONF_PERSISTENT: False},
                {"base": "station_refused"},
            ),
        ],
    )
    async def test_options_station_refused_in_the_session(
        self,
        hass: HomeAssistant,
        simulator: IcwsSimulator,
        init_integration: MockConfigEntry,
        station_type: str,
        details: dict[str, Any],
        errors: dict[str, str],
    ) -> None:
        """A refused station changes nothing: the old one stays, on the server too."""
        options = dict(init_integration.options)
        logins = simulator.traffic.login_attempts
        result = await _options_init(hass, init_integration)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_STATION_TYPE: station_type, CONF_RETRIEVAL_MODE: "auto"},
        )

        result = await hass.config_entries.options.async_configure(
            result["flow_id"], details
        )

        assert_form(result, "station_details", errors, flow="options")
        if "base" in errors:
            placeholders = result["description_placeholders"] or {}
            assert "remoteNumber" in placeholders["error"]  # the server's reason
        assert init_integration.options == options
        assert server_station(simulator) == "WS-114"
        assert simulator.traffic.login_attempts == logins

    @pytest.mark.usefixtures("live_sessions")
    @pytest.mark.parametrize(
        ("station_type", "details", "step"),
        [
            ("workstation", {CONF_WORKSTATION: "WS-115"}, "station_details"),
            ("none", None, "init"),
        ],
    )
    async def test_options_station_during_an_outage(
        self,
        hass: HomeAssistant,
        simulator: IcwsSimulator,
        init_integration: MockConfigEntry,
        station_type: str,
        details: dict[str, Any] | None,
        step: str,
    ) -> None:
        """The session lives on through an outage: no second login to try a station."""
        options = dict(init_integration.options)
        logins = simulator.traffic.login_attempts
        result = await _options_init(hass, init_integration)
        # Requests reach the server, answers are lost: a login would leave a session.
        simulator.set_outage("cut")
        await wait_for_state(hass, SERVER_CONNECTION, STATE_OFF)

        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_STATION_TYPE: station_type, CONF_RETRIEVAL_MODE: "auto"},
        )
        if details is not None:
            result = await hass.config_entries.options.async_configure(
                result["flow_id"], details
            )

        assert_form(result, step, {"base": "cannot_connect"}, flow="options")
        assert init_integration.options == options
        assert simulator.traffic.login_attempts == logins
        simulator.set_outage(None)
        await wait_for_state(hass, SERVER_CONNECTION, STATE_ON)
        assert server_station(simulator) == "WS-114"

    async def test_reconfigure_beside_the_session(
        self,
        hass: HomeAssistant,
        simulator: IcwsSimulator,
        init_integration: MockConfigEntry,
    ) -> None:
        """The check logs in beside the entry's session, on no station, and out again.

        Two sessions for one login and logout are the accepted price of a check that
        leaves a working entry alone when the input is wrong; the reload then keeps one.
        """
        requested = len(simulator.traffic.station_requests)
        during_check = LiveSessionWatch(simulator, USERNAME)
        result = await init_integration.start_reconfigure_flow(hass)

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _credentials(simulator, verify_ssl=False)
        )
        await during_check.stop()
        # The check has logged out; the reload has not logged in yet.
        assert simulator.sessions.count_of(USERNAME) <= 1
        during_reload = LiveSessionWatch(simulator, USERNAME)
        await hass.async_block_till_done()
        await during_reload.stop()

        assert_abort(result, "reconfigure_successful")
        assert during_check.most == 2
        assert during_reload.most == 1
        assert init_integration.state is ConfigEntryState.LOADED
        assert init_integration.data[CONF_VERIFY_SSL] is False
        assert server_station(simulator) == "WS-114"
        # Only the reloaded session logged on to the station; the check took nothing.
        assert len(simulator.traffic.station_requests) == requested + 1


# ---- the account -------------------------------------------------------------------------


async def test_reauth_through_a_switchover_partner(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """A partner answering with another server name is still the entry's account."""
    entry = _add_entry(hass, simulator, data=_credentials(simulator, password="old"))
    simulator.server_name = "CIC02"

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )

    assert_abort(result, "reauth_successful")
    assert entry.unique_id == UNIQUE_ID
    assert entry.data[CONF_PASSWORD] == PASSWORD


async def test_user_flow_partner_is_the_same_account(
    hass: HomeAssistant, simulator: IcwsSimulator
) -> None:
    """The account set up while one partner answered cannot be added again via the other."""
    _add_entry(hass, simulator)
    simulator.server_name = "CIC02"
    result = await _start(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )

    assert_abort(result, "already_configured")


@pytest.mark.parametrize(
    ("taken", "reason"),
    [(False, "reconfigure_successful"), (True, "already_configured")],
)
async def test_reconfigure_new_address_keeps_the_unique_id(
    hass: HomeAssistant, simulator: IcwsSimulator, taken: bool, reason: str
) -> None:
    """A new address keeps the unique ID (entities and device are keyed by it).

    Two entries cannot end up as the same account: an address another entry has is
    refused and changes nothing.
    """
    if taken:
        _add_entry(hass, simulator)
    old = _credentials(simulator, url="http://cic01.invalid:8018")
    entry = _add_entry(hass, simulator, unique_id=f"{USERNAME}@cic01.invalid", data=old)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(simulator)
    )

    assert_abort(result, reason)
    assert entry.unique_id == f"{USERNAME}@cic01.invalid"
    assert entry.data == (old if taken else _credentials(simulator))


@pytest.mark.parametrize(
    ("url", "user_id", "expected"),
    [
        ("cic01.example.com", "JDoe", "jdoe@cic01.example.com"),
        ("HTTPS://CIC01.Example.com:8019/", "jdoe", "jdoe@cic01.example.com"),
        ("http://127.0.0.1:8018", "j.doe@corp", "j.doe@corp@127.0.0.1"),
    ],
)
def test_account_id(url: str, user_id: str, expected: str) -> None:
    """The user as the server compares it, at the host however it was spelled."""
    assert account_id(url, user_id) == expected


@pytest.mark.parametrize(
    ("unique_id", "user_id", "same"),
    [
        ("jdoe@127.0.0.1", "jdoe", True),
        ("jdoe@127.0.0.1", "JDOE", True),
        ("jdoe@cic01", "jdoe", True),  # an entry from before 1.2, not yet migrated
        ("j.doe@corp@127.0.0.1", "j.doe@corp", True),
        ("jdoe@127.0.0.1", "asmith", False),
        ("jdoe@127.0.0.1", "jdoe@127.0.0.1", False),
        (None, "jdoe", False),
    ],
)
def test_is_entry_account(
    hass: HomeAssistant,
    simulator: IcwsSimulator,
    unique_id: str | None,
    user_id: str,
    same: bool,
) -> None:
    """After every login the coordinator checks the server signed in the entry's user."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=unique_id, data=_credentials(simulator)
    )
    info = LoginInfo(
        user_id=user_id, user_display_name=DISPLAY_NAME, server_name="CIC02", host="h"
    )

    assert is_entry_account(entry, info) is same
