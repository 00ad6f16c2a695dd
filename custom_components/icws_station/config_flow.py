"""Config flow of ICWS Station: sign in, pick a station, try both before saving.

Every check logs in with a short-lived validation session and always logs it out again, so
no step leaves a session (or a station logon) behind on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING, Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_PERSISTENT,
    CONF_POLL_INTERVAL,
    CONF_REMOTE_NUMBER,
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
    StationType,
)
from .icws import (
    IcwsAuthenticationError,
    IcwsError,
    IcwsSslError,
    IcwsStationError,
    LoginInfo,
    RetrievalMode,
    server_url,
)
from .session import create_client, create_http_session
from .station import station_settings

if TYPE_CHECKING:
    # Home Assistant's flow helpers are typed with probatio, which ``voluptuous`` resolves
    # to at run time on current releases; older releases ship voluptuous itself.
    import probatio as vol
else:
    import voluptuous as vol

_LOGGER = logging.getLogger(__name__)

_BASE = "base"

_USERNAME_SELECTOR = TextSelector(TextSelectorConfig(autocomplete="username"))
_PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
# A plain text field: the scheme is optional, which a browser's URL input would refuse.
_URL_SELECTOR = TextSelector(TextSelectorConfig(autocomplete="url"))

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): _URL_SELECTOR,
        vol.Required(CONF_USERNAME): _USERNAME_SELECTOR,
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
    }
)

RECONFIGURE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): _URL_SELECTOR,
        vol.Required(CONF_USERNAME): _USERNAME_SELECTOR,
        vol.Optional(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
    }
)

REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})

_STATION_TYPE_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[station_type.value for station_type in StationType],
        translation_key=CONF_STATION_TYPE,
        mode=SelectSelectorMode.LIST,
    )
)

# "No station" is the default: logging on to a station can log the user off another one.
STATION_SCHEMA = vol.Schema(
    {
        vol.Required(
            CONF_STATION_TYPE, default=StationType.NONE.value
        ): _STATION_TYPE_SELECTOR
    }
)

OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_STATION_TYPE): _STATION_TYPE_SELECTOR,
        vol.Required(
            CONF_RETRIEVAL_MODE, default=RetrievalMode.AUTO.value
        ): SelectSelector(
            SelectSelectorConfig(
                options=[mode.value for mode in RetrievalMode],
                translation_key=CONF_RETRIEVAL_MODE,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Required(CONF_POLL_INTERVAL, default=DEFAULT_POLL_INTERVAL): NumberSelector(
            NumberSelectorConfig(
                min=MIN_POLL_INTERVAL,
                max=MAX_POLL_INTERVAL,
                step=0.5,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement=UnitOfTime.SECONDS,
            )
        ),
    }
)

_WITH_WORKSTATION = frozenset({StationType.WORKSTATION, StationType.REMOTE_WORKSTATION})
_WITH_REMOTE_NUMBER = frozenset(
    {StationType.REMOTE_WORKSTATION, StationType.REMOTE_NUMBER}
)


def _station_details_schema(station_type: StationType) -> vol.Schema:
    """Return the fields the station type needs, and only those."""
    fields: dict[vol.Marker, Any] = {}
    if station_type in _WITH_WORKSTATION:
        fields[vol.Required(CONF_WORKSTATION)] = TextSelector()
    if station_type in _WITH_REMOTE_NUMBER:
        fields[vol.Required(CONF_REMOTE_NUMBER)] = TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEL, autocomplete="tel")
        )
    if station_type is StationType.REMOTE_NUMBER:
        fields[vol.Required(CONF_PERSISTENT, default=False)] = BooleanSelector()
    return vol.Schema(fields)


def _station_options(
    station_type: StationType, user_input: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the station options for a type, from what the details step received."""
    options: dict[str, Any] = {CONF_STATION_TYPE: station_type.value}
    if station_type in _WITH_WORKSTATION:
        options[CONF_WORKSTATION] = user_input[CONF_WORKSTATION].strip()
    if station_type in _WITH_REMOTE_NUMBER:
        options[CONF_REMOTE_NUMBER] = user_input[CONF_REMOTE_NUMBER].strip()
    if station_type is StationType.REMOTE_NUMBER:
        options[CONF_PERSISTENT] = user_input[CONF_PERSISTENT]
    return options


def _unique_id(info: LoginInfo) -> str:
    """Identify the account: one entry per user and server."""
    return f"{info.user_id}@{info.server_name}".lower()


class _ValidationError(Exception):
    """A check failed: which form field to mark, with which error, and its placeholders."""

    def __init__(
        self,
        error: str,
        field: str = _BASE,
        placeholders: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.errors = {field: error}
        self.placeholders = dict(placeholders or {})


def _connection_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return entry data from a form: the URL normalised, the username trimmed."""
    try:
        url = server_url(user_input[CONF_URL])
    except ValueError as err:
        raise _ValidationError("invalid_url", CONF_URL) from err
    return {
        CONF_URL: str(url),
        CONF_USERNAME: user_input[CONF_USERNAME].strip(),
        CONF_PASSWORD: user_input[CONF_PASSWORD],
        CONF_VERIFY_SSL: user_input[CONF_VERIFY_SSL],
    }


async def _async_validate(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> LoginInfo:
    """Log in, and with ``options`` log on to their station; always log out again.

    Raises :class:`_ValidationError` naming the form error.
    """
    http = create_http_session(hass, data[CONF_VERIFY_SSL])
    client = create_client(hass, data, http)
    settings = None if options is None else station_settings(options)
    try:
        info = await client.login()
        if settings is not None:
            await client.connect_station(settings)
    except IcwsStationError as err:
        _LOGGER.debug("The server refused the station %s: %s", settings, err)
        if err.not_found:
            field = (
                CONF_WORKSTATION if options and CONF_WORKSTATION in options else _BASE
            )
            raise _ValidationError("station_not_found", field) from err
        raise _ValidationError(
            "station_rejected", placeholders={"error": str(err)}
        ) from err
    except IcwsAuthenticationError as err:
        raise _ValidationError("invalid_auth") from err
    except IcwsSslError as err:
        _LOGGER.debug("TLS error talking to %s: %s", client.url.host, err)
        raise _ValidationError("ssl_error") from err
    except IcwsError as err:
        # Network, timeout, no host accepting (503 with alternates exhausted), 5xx, or an
        # answer that is not ICWS's: in every case the address does not serve this user.
        _LOGGER.debug("Cannot connect to %s: %s", client.url.host, err)
        raise _ValidationError("cannot_connect") from err
    except Exception as err:
        _LOGGER.exception("Unexpected error while checking the ICWS server")
        raise _ValidationError("unknown") from err
    finally:
        await client.close()
        http.detach()
    return info


class IcwsStationConfigFlow(ConfigFlow, domain=DOMAIN):
    """Sign in to the CIC server, then pick the station to log on to."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known."""
        self._data: dict[str, Any] = {}
        self._title = ""
        self._account: dict[str, str] = {}
        self._station_type = StationType.NONE

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> IcwsStationOptionsFlow:
        """Return the options flow."""
        return IcwsStationOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the server and the user's credentials, and sign in to check them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                data = _connection_data(user_input)
                info = await _async_validate(self.hass, data)
            except _ValidationError as err:
                errors = err.errors
            else:
                await self.async_set_unique_id(_unique_id(info))
                self._abort_if_unique_id_configured()
                self._data = data
                self._title = f"{info.user_display_name} ({info.server_name})"
                self._account = {
                    "user": info.user_display_name,
                    "server": info.server_name,
                }
                return await self.async_step_station()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_station(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of station to log on to, if any."""
        if user_input is not None:
            self._station_type = StationType(user_input[CONF_STATION_TYPE])
            if self._station_type is StationType.NONE:
                return self._async_create_entry(
                    _station_options(self._station_type, user_input)
                )
            return await self.async_step_station_details()
        return self.async_show_form(
            step_id="station",
            data_schema=STATION_SCHEMA,
            description_placeholders=self._account,
        )

    async def async_step_station_details(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what the station type needs and try the station logon."""
        errors: dict[str, str] = {}
        placeholders = dict(self._account)
        if user_input is not None:
            options = _station_options(self._station_type, user_input)
            try:
                await _async_validate(self.hass, self._data, options)
            except _ValidationError as err:
                errors = err.errors
                placeholders |= err.placeholders
            else:
                return self._async_create_entry(options)
        return self.async_show_form(
            step_id="station_details",
            data_schema=self.add_suggested_values_to_schema(
                _station_details_schema(self._station_type), user_input
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _async_create_entry(self, station: Mapping[str, Any]) -> ConfigFlowResult:
        """Create the entry with the station and the default message retrieval."""
        return self.async_create_entry(
            title=self._title,
            data=self._data,
            options={
                **station,
                CONF_RETRIEVAL_MODE: RetrievalMode.AUTO.value,
                CONF_POLL_INTERVAL: DEFAULT_POLL_INTERVAL,
            },
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauthentication after the server refused the stored password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password and sign in to check it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_PASSWORD: user_input[CONF_PASSWORD]}
            try:
                info = await _async_validate(self.hass, data)
            except _ValidationError as err:
                errors = err.errors
            else:
                await self._async_ensure_same_account(info)
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={
                "username": entry.data[CONF_USERNAME],
                "url": entry.data[CONF_URL],
            },
        )

    async def _async_ensure_same_account(self, info: LoginInfo) -> None:
        """Abort unless the credentials signed in as the entry's own account."""
        await self.async_set_unique_id(_unique_id(info), raise_on_progress=False)
        self._abort_if_unique_id_mismatch(reason="account_mismatch")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server address, account or TLS check of an entry."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            # An empty password keeps the stored one.
            password = user_input.get(CONF_PASSWORD) or entry.data[CONF_PASSWORD]
            try:
                data = _connection_data({**user_input, CONF_PASSWORD: password})
                info = await _async_validate(self.hass, data)
            except _ValidationError as err:
                errors = err.errors
            else:
                await self._async_ensure_same_account(info)
                return self.async_update_reload_and_abort(entry, data_updates=data)
        suggested = user_input or {
            key: value for key, value in entry.data.items() if key != CONF_PASSWORD
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, suggested
            ),
            errors=errors,
            description_placeholders={"title": entry.title},
        )


class IcwsStationOptionsFlow(OptionsFlowWithReload):
    """Change the station and how messages are fetched; the entry reloads afterwards."""

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._options: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the station type and the message retrieval."""
        errors: dict[str, str] = {}
        current = self.config_entry.options
        if user_input is not None:
            mode = RetrievalMode(user_input[CONF_RETRIEVAL_MODE])
            try:
                if (
                    mode is RetrievalMode.SSE
                    and current.get(CONF_RETRIEVAL_MODE) != mode
                ):
                    await self._async_check_sse()
            except _ValidationError as err:
                errors = err.errors
            else:
                station_type = StationType(user_input[CONF_STATION_TYPE])
                self._options = {
                    CONF_STATION_TYPE: station_type.value,
                    CONF_RETRIEVAL_MODE: mode.value,
                    CONF_POLL_INTERVAL: float(user_input[CONF_POLL_INTERVAL]),
                }
                if station_type is StationType.NONE:
                    return self.async_create_entry(data=self._options)
                return await self.async_step_station_details()
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, user_input or current
            ),
            errors=errors,
        )

    async def async_step_station_details(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what the station type needs and try a changed station before saving."""
        station_type = StationType(self._options[CONF_STATION_TYPE])
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            options = {**self._options, **_station_options(station_type, user_input)}
            try:
                # The running entry already proved an unchanged station; trying it again
                # would take the station away from the entry's own session.
                if station_settings(options) != station_settings(
                    self.config_entry.options
                ):
                    await _async_validate(self.hass, self.config_entry.data, options)
            except _ValidationError as err:
                errors = err.errors
                placeholders = err.placeholders
            else:
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="station_details",
            data_schema=self.add_suggested_values_to_schema(
                _station_details_schema(station_type),
                user_input or self.config_entry.options,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_check_sse(self) -> None:
        """Sign in and check that the server can stream messages (messaging 2)."""
        info = await _async_validate(self.hass, self.config_entry.data)
        if not info.supports_sse:
            raise _ValidationError("sse_not_supported", CONF_RETRIEVAL_MODE)
