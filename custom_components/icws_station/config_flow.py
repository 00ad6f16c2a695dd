"""Config flow of ICWS Station: sign in, pick a station, try both before saving.

A check logs in with a short-lived validation session and always logs it out again, so no
step leaves a session (or a station logon) behind on the server. The options flow of a
loaded entry tries a new station in the entry's own session instead: a second session of
the user would take the station from the first. So do the subentry flows (a colleague to
watch, a workgroup for the wallboard): they ask the loaded entry's live session, and never
log in one of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .account import account_id, is_entry_account
from .colleagues import CONF_USER_ID, SUBENTRY_COLLEAGUE, colleague_key
from .const import (
    CONF_PERSISTENT,
    CONF_REMOTE_NUMBER,
    CONF_RETRIEVAL_MODE,
    CONF_STATION_TYPE,
    CONF_WORKGROUP,
    CONF_WORKSTATION,
    DOMAIN,
)
from .icws import (
    DirectoryUser,
    IcwsAuthenticationError,
    IcwsClient,
    IcwsConnectionError,
    IcwsError,
    IcwsPlainHttpError,
    IcwsResponseError,
    IcwsSslError,
    IcwsStationError,
    LoginInfo,
    ParameterValue,
    RetrievalMode,
    StationSetting,
    id_key,
    server_url,
    workgroup_key,
)
from .models import IcwsStationConfigEntry
from .session import create_client, create_http_session
from .station import (
    STATION_FIELDS,
    STATION_TYPES,
    station_options,
    station_settings,
    station_type,
    station_type_key,
)
from .wallboard import WORKGROUP_SUBENTRY

if TYPE_CHECKING:
    # Home Assistant's flow helpers are typed with probatio, which ``voluptuous`` resolves
    # to at run time on current releases; older releases ship voluptuous itself.
    import probatio as vol
else:
    import voluptuous as vol

_LOGGER = logging.getLogger(__name__)

_BASE = "base"

# Examples of a server address, shown in the address field's help; hassfest keeps URLs out
# of translation strings.
ADDRESS_EXAMPLES: Final = {
    "host_example": "cic01.example.com",
    "url_example": "https://cic01.example.com:8019",
}

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
        options=list(STATION_TYPES),
        translation_key=CONF_STATION_TYPE,
        mode=SelectSelectorMode.LIST,
    )
)

# "No station" is the default: logging on to a station can log the user off another one.
STATION_SCHEMA = vol.Schema(
    {
        vol.Required(
            CONF_STATION_TYPE, default=station_type_key(StationSetting.NONE)
        ): _STATION_TYPE_SELECTOR
    }
)

# Automatic streams whenever the server can (messaging 2, docs/icws-protocol.md §4) and polls
# otherwise, as the vendor's own example does. Polling stays a choice for one reason users
# meet: a proxy or firewall between Home Assistant and the CIC server that holds back or cuts
# long-lived responses, so that streamed updates arrive late or not at all. Forcing streaming
# gained nothing over Automatic and is gone.
RETRIEVAL_MODES: Final = (RetrievalMode.AUTO.value, RetrievalMode.POLL.value)

OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_STATION_TYPE): _STATION_TYPE_SELECTOR,
        vol.Required(CONF_RETRIEVAL_MODE, default=RetrievalMode.AUTO.value): (
            SelectSelector(
                SelectSelectorConfig(
                    options=list(RETRIEVAL_MODES),
                    translation_key=CONF_RETRIEVAL_MODE,
                    mode=SelectSelectorMode.LIST,
                )
            )
        ),
    }
)

_FIELD_SELECTORS: Final[Mapping[str, Any]] = {
    CONF_WORKSTATION: TextSelector(),
    CONF_REMOTE_NUMBER: TextSelector(
        TextSelectorConfig(type=TextSelectorType.TEL, autocomplete="tel")
    ),
    CONF_PERSISTENT: BooleanSelector(),
}


def _station_details_schema(setting: StationSetting) -> vol.Schema:
    """Return the fields the station type needs, and only those."""
    return vol.Schema(
        {
            (
                vol.Required(key, default=False)
                if key == CONF_PERSISTENT
                else vol.Required(key)
            ): _FIELD_SELECTORS[key]
            for key in STATION_FIELDS[setting]
        }
    )


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
        raise _station_error(err, options or {}) from err
    except IcwsAuthenticationError as err:
        raise _ValidationError("invalid_auth") from err
    except IcwsPlainHttpError as err:
        # Not the certificate: turning verification off would not help.
        _LOGGER.debug("%s answered in plain HTTP: %s", client.url.host, err)
        raise _ValidationError("plain_http") from err
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


async def _async_choose_station(
    entry: IcwsStationConfigEntry, options: Mapping[str, Any]
) -> None:
    """Connect the station in ``options`` (none: disconnect) in the entry's own session.

    As the station actions do: the station stays connected and the choice is saved.
    Raises :class:`_ValidationError` naming the form error.
    """
    try:
        await entry.runtime_data.station.async_choose_station(options)
    except IcwsStationError as err:
        raise _station_error(err, options) from err
    except IcwsError as err:
        # No live session (an outage) or no answer: the station is as it was.
        raise _ValidationError("cannot_connect") from err


def _station_error(
    err: IcwsStationError, options: Mapping[str, Any]
) -> _ValidationError:
    """Return the form error for the station in ``options`` that the server refused."""
    _LOGGER.debug("The server refused the station: %s", err)
    if err.not_found:
        field = CONF_WORKSTATION if CONF_WORKSTATION in options else _BASE
        return _ValidationError("station_not_found", field)
    return _ValidationError("station_refused", placeholders={"error": str(err)})


class IcwsStationConfigFlow(ConfigFlow, domain=DOMAIN):
    """Sign in to the CIC server, then pick the station to log on to."""

    VERSION = 1
    MINOR_VERSION = 3

    def __init__(self) -> None:
        """Start with nothing known."""
        self._data: dict[str, Any] = {}
        self._title = ""
        self._account: dict[str, str] = {}
        self._station_type = StationSetting.NONE

    @staticmethod
    @callback
    @override
    def async_get_options_flow(
        config_entry: IcwsStationConfigEntry,
    ) -> IcwsStationOptionsFlow:
        """Return the options flow."""
        return IcwsStationOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the things an entry's session watches beside the user's own."""
        return {
            SUBENTRY_COLLEAGUE: ColleagueSubentryFlow,
            WORKGROUP_SUBENTRY: WorkgroupSubentryFlow,
        }

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
                await self.async_set_unique_id(account_id(data[CONF_URL], info.user_id))
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
            description_placeholders=ADDRESS_EXAMPLES,
        )

    async def async_step_station(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of station to log on to, if any."""
        if user_input is not None:
            self._station_type = station_type(user_input)
            if self._station_type is StationSetting.NONE:
                return self._async_create_entry(
                    station_options(self._station_type, user_input)
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
            options = station_options(self._station_type, user_input)
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
        """Create the entry with the station and automatic message retrieval."""
        return self.async_create_entry(
            title=self._title,
            data=self._data,
            options={**station, CONF_RETRIEVAL_MODE: RetrievalMode.AUTO.value},
        )

    def _async_update_and_abort(
        self, entry: IcwsStationConfigEntry, data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Save new connection data; the entry reloads to sign in with it.

        A loaded entry's own update listener reloads it (the one place that decides);
        one that is not loaded has none, so the flow reloads it.
        """
        if entry.state is ConfigEntryState.LOADED:
            return self.async_update_and_abort(entry, data_updates=data)
        return self.async_update_reload_and_abort(entry, data_updates=data)

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
                if not is_entry_account(entry, info):
                    return self.async_abort(reason="account_mismatch")
                return self._async_update_and_abort(
                    entry, {CONF_PASSWORD: user_input[CONF_PASSWORD]}
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
                # Beside a loaded entry's session this is a second one of the user, for
                # one login and logout only: it logs on to no station, so it takes nothing
                # from the entry's session, and it has logged out before the reload (whose
                # unload logs out before its setup logs in). Unloading first would cost a
                # working entry its station for a mistyped address.
                info = await _async_validate(self.hass, data)
            except _ValidationError as err:
                errors = err.errors
            else:
                if not is_entry_account(entry, info):
                    return self.async_abort(reason="account_mismatch")
                # The unique ID stays (the entities and the device are keyed by it), but a
                # new address must not make this entry another entry's account.
                unique_id = account_id(data[CONF_URL], info.user_id)
                if any(
                    other.unique_id == unique_id
                    for other in self._async_current_entries(include_ignore=False)
                    if other.entry_id != entry.entry_id
                ):
                    return self.async_abort(reason="already_configured")
                return self._async_update_and_abort(entry, data)
        suggested = user_input or {
            key: value for key, value in entry.data.items() if key != CONF_PASSWORD
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, suggested
            ),
            errors=errors,
            description_placeholders={"title": entry.title, **ADDRESS_EXAMPLES},
        )


class IcwsStationOptionsFlow(OptionsFlow):
    """Change the station and how messages are fetched.

    A station chosen while the entry is loaded is already connected and saved by then; the
    loaded entry's update listener reloads it only for a new update method.
    """

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._options: dict[str, Any] = {}
        self._station_type = StationSetting.NONE

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the station type and the message retrieval."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._station_type = station_type(user_input)
            self._options = {CONF_RETRIEVAL_MODE: user_input[CONF_RETRIEVAL_MODE]}
            if self._station_type is not StationSetting.NONE:
                return await self.async_step_station_details()
            station = station_options(self._station_type, user_input)
            try:
                await self._async_try_station(station)
            except _ValidationError as err:
                errors = err.errors
            else:
                return self.async_create_entry(data=self._options | station)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
        )

    async def async_step_station_details(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what the station type needs and try a changed station before saving."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            station = station_options(self._station_type, user_input)
            try:
                await self._async_try_station(station)
            except _ValidationError as err:
                errors = err.errors
                placeholders = err.placeholders
            else:
                return self.async_create_entry(data=self._options | station)
        return self.async_show_form(
            step_id="station_details",
            data_schema=self.add_suggested_values_to_schema(
                _station_details_schema(self._station_type),
                user_input or self.config_entry.options,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_try_station(self, station: Mapping[str, Any]) -> None:
        """Try a changed station, keeping at most one session of the user on the server.

        A loaded entry keeps its session on the server even through an outage, so the
        station is tried in it (and stays); during an outage the form asks to try again
        rather than log in a second session. An entry that is not loaded holds no session,
        so a validation login tries the station.
        """
        entry = self.config_entry
        settings = station_settings(station)
        if settings == station_settings(entry.options):
            # Unchanged: nothing to try, and a second session trying it would take it.
            return
        if entry.state is ConfigEntryState.LOADED:
            await _async_choose_station(entry, station)
        elif settings is not None:
            await _async_validate(self.hass, entry.data, station)


# The most users the colleague step offers to pick from; any other is typed.
MAX_USER_CHOICES: Final = 1000


class ColleagueSubentryFlow(ConfigSubentryFlow):
    """Add a colleague to watch, in the loaded entry's own live session.

    The user picks from the server's user list (or types a user ID where the list is
    refused or long); the server is asked for the user's status before saving, which tells
    an unknown user (404) and one the user may not watch (403) apart.
    """

    def __init__(self) -> None:
        """Start with the user list not read yet."""
        self._users: list[DirectoryUser] | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask which colleague to watch; check them on the server before saving."""
        entry: IcwsStationConfigEntry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        if not entry.runtime_data.colleagues.supported:
            return self.async_abort(reason="status_not_supported")
        try:
            client = entry.runtime_data.session.live_client()
        except IcwsConnectionError:
            return self.async_abort(reason="not_connected")
        placeholders = {"title": entry.title}
        errors: dict[str, str] = {}
        if user_input is not None:
            user_id = str(user_input[CONF_USER_ID]).strip()
            if self._added(entry, user_id):
                return self.async_abort(reason="already_configured")
            try:
                status = await client.get_user_status(user_id)
            except ValueError:  # no user id ("..", a "/"): nothing was sent
                errors[CONF_USER_ID] = "unknown_user"
            except IcwsResponseError as err:
                errors[CONF_USER_ID] = (
                    "not_allowed" if err.status == 403 else "unknown_user"
                )
            except IcwsError as err:
                _LOGGER.debug("Checking a colleague failed: %s", err)
                errors[_BASE] = "cannot_connect"
            else:
                # Kept as the server spells the user.
                user_id = status.user_id
                return self.async_create_entry(
                    title=await self._async_name(client, user_id),
                    data={CONF_USER_ID: user_id},
                    unique_id=id_key(user_id),
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {vol.Required(CONF_USER_ID): await self._async_selector(client)}
                ),
                user_input,
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    def _added(entry: IcwsStationConfigEntry, user_id: str) -> bool:
        """Whether the user is the entry's own or already one of its colleagues."""
        key = id_key(user_id)
        info = entry.runtime_data.session.client.login_info
        return (info is not None and id_key(info.user_id) == key) or any(
            colleague_key(subentry) == key
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_COLLEAGUE
        )

    async def _async_list(self, client: IcwsClient) -> list[DirectoryUser]:
        """Read the user list once per flow; a refused list leaves only typing."""
        if self._users is None:
            try:
                users = await client.get_users(limit=MAX_USER_CHOICES)
            except IcwsError as err:
                _LOGGER.debug("The server did not list its users: %s", err)
                users = ()
            self._users = list(users)
        return self._users

    async def _async_selector(self, client: IcwsClient) -> Any:
        """Offer the users not added yet, by name; a typed ID is taken too."""
        entry: IcwsStationConfigEntry = self._get_entry()
        users = [
            user
            for user in await self._async_list(client)
            if not self._added(entry, user.user_id)
        ]
        if not users:
            return TextSelector()
        return SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(
                        value=user.user_id,
                        label=f"{user.display_name} ({user.user_id})",
                    )
                    for user in sorted(users, key=lambda u: u.display_name.casefold())
                ],
                custom_value=True,
                mode=SelectSelectorMode.DROPDOWN,
                sort=False,
            )
        )

    async def _async_name(self, client: IcwsClient, user_id: str) -> str:
        """Return the colleague's display name: from the list, else asked; else the ID."""
        key = id_key(user_id)
        for user in await self._async_list(client):
            if id_key(user.user_id) == key:
                return user.display_name
        try:
            found = await client.get_users(where=f"configurationId.id eq {user_id}")
        except IcwsError:
            return user_id
        return next(
            (user.display_name for user in found if id_key(user.user_id) == key),
            user_id,
        )


class WorkgroupSubentryFlow(ConfigSubentryFlow):
    """Add a workgroup to the wallboard: its queue's statistics, on a device of its own.

    Offers the workgroups the server lists for the user (its parameter-values query), and
    takes a typed name too, checked against the server: the list may be cut short.
    """

    def __init__(self) -> None:
        """Start with no list fetched."""
        self._listed: tuple[ParameterValue, ...] | None = None
        self._complete = False

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask which workgroup, from the list or typed, and check it with the server."""
        entry: IcwsStationConfigEntry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_connected")
        data = entry.runtime_data
        if not data.wallboard.supported:
            return self.async_abort(reason="statistics_not_supported")
        try:
            client = data.session.live_client()
        except IcwsConnectionError:
            return self.async_abort(reason="not_connected")
        errors: dict[str, str] = {}
        try:
            if self._listed is None:
                found = await client.get_statistic_parameter_values()
                if not found.total:
                    return self.async_abort(reason="no_workgroups")
                self._listed = found.values
                self._complete = found.total <= len(found.values)
            if user_input is not None:
                workgroup = await self._async_find(client, user_input[CONF_WORKGROUP])
                key = workgroup_key(workgroup.value)
                if key in _workgroup_keys(entry):
                    return self.async_abort(reason="already_configured")
                return self.async_create_entry(
                    title=workgroup.display_string,
                    data={CONF_WORKGROUP: workgroup.value},
                    unique_id=key,
                )
        except _ValidationError as err:
            errors = err.errors
        except IcwsError as err:
            _LOGGER.debug("The server did not list workgroups: %s", err)
            errors = {_BASE: "cannot_list"}
        configured = _workgroup_keys(entry)
        options = [
            SelectOptionDict(value=value.value, label=value.display_string)
            for value in self._listed or ()
            if workgroup_key(value.value) not in configured
        ]
        schema = vol.Schema(
            {
                vol.Required(CONF_WORKGROUP): SelectSelector(
                    SelectSelectorConfig(
                        options=options,
                        custom_value=True,
                        sort=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def _async_find(self, client: IcwsClient, name: str) -> ParameterValue:
        """Return the listed workgroup of this name (or shown name), ignoring case.

        Not in a list cut short: the server is asked for that name. Raises
        :class:`_ValidationError` for a workgroup the server does not list for the user.
        """
        wanted = workgroup_key(name.strip())
        listed = self._listed or ()
        if not self._complete:
            found = await client.get_statistic_parameter_values(
                text_filter=name.strip()
            )
            listed += found.values
        for value in listed:
            if wanted in (
                workgroup_key(value.value),
                workgroup_key(value.display_string),
            ):
                return value
        raise _ValidationError("unknown_workgroup", CONF_WORKGROUP)


def _workgroup_keys(entry: ConfigEntry) -> set[str]:
    """Return the keys of the workgroups already on the entry's wallboard."""
    return {
        str(subentry.unique_id)
        for subentry in entry.subentries.values()
        if subentry.subentry_type == WORKGROUP_SUBENTRY
    }
