"""An asyncio client for Genesys PureConnect's web API, ICWS, centred on the user's station.

No Home Assistant import: this package is a library that any asyncio program can use.

Typical use::

    client = IcwsClient(http_session, server_url("cic01.example.com"), "jdoe", password)
    info = await client.login()                       # follows switchover to alternates
    await client.connect_station(WorkstationSettings("WS-114"))
    await client.subscribe_station()
    station = None
    async for message in client.messages():           # SSE when offered, else polling
        if isinstance(message, StationMessage):
            station = message.apply(station)          # full messages replace, deltas merge
    await client.close()                              # unsubscribe and log out, bounded

Errors (all :class:`IcwsError`): :class:`IcwsAuthenticationError` (bad credentials; never
retried, it could lock the account), :class:`IcwsConnectionError` (network, TLS, timeout,
5xx, no host accepting; retry later), :class:`IcwsSessionLostError` (log in again),
:class:`IcwsResponseError` and :class:`IcwsStationError` (the server refused the request).

Secrets (password, SIP password, CSRF token, cookie, session id) never appear in ``repr``,
exception texts, log lines or :meth:`Station.as_dict`.
"""

from .client import IcwsClient
from .errors import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsSslError,
    IcwsStationError,
    IcwsStatusError,
    IcwsTimeoutError,
)
from .messages import ConnectionStateMessage, Message, StationMessage
from .models import (
    ConnectionState,
    LoginInfo,
    MediaType,
    RemoteNumberSettings,
    RemoteWorkstationSettings,
    RetrievalMode,
    Secret,
    ServerVersion,
    Station,
    StationlessSettings,
    StationSetting,
    StationSettings,
    WorkstationSettings,
)
from .presence import (
    StatusMessage,
    StatusMessagesMessage,
    UserStatus,
    UserStatusAccessMessage,
    UserStatusMessage,
    status_key,
)
from .url import server_url

__all__ = [
    "ConnectionState",
    "ConnectionStateMessage",
    "IcwsAuthenticationError",
    "IcwsClient",
    "IcwsConnectionError",
    "IcwsError",
    "IcwsResponseError",
    "IcwsSessionLostError",
    "IcwsSslError",
    "IcwsStationError",
    "IcwsStatusError",
    "IcwsTimeoutError",
    "LoginInfo",
    "MediaType",
    "Message",
    "RemoteNumberSettings",
    "RemoteWorkstationSettings",
    "RetrievalMode",
    "Secret",
    "ServerVersion",
    "Station",
    "StationMessage",
    "StationSetting",
    "StationSettings",
    "StationlessSettings",
    "StatusMessage",
    "StatusMessagesMessage",
    "UserStatus",
    "UserStatusAccessMessage",
    "UserStatusMessage",
    "WorkstationSettings",
    "server_url",
    "status_key",
]
