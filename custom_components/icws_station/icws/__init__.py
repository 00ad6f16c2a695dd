"""An asyncio client for Genesys PureConnect's web API, ICWS.

A user's session on a CIC server: its station, the user's presence and calls. No Home Assistant import: this package is a library that any asyncio program can use.

Typical use::

    async with IcwsClient(
        http_session, server_url("cic01.example.com"), "jdoe", password,
        application_name="My app",
    ) as client:                                      # closing unsubscribes and logs out
        info = await client.login()                   # follows switchover to alternates
        await client.connect_station(WorkstationSettings("WS-114"))
        await client.subscribe_station()
        if info.supports_status:
            await client.subscribe_user_statuses()    # the session's own user
        if info.supports_queues:
            await client.subscribe_queue()            # the user's calls
        station, statuses, calls = None, {}, {}
        async with aclosing(client.messages()) as messages:  # SSE if offered, else polls
            async for message in messages:
                match message:
                    case StationMessage():
                        station = message.apply(station)   # full replaces, delta merges
                    case UserStatusMessage():
                        statuses = message.apply(statuses)
                    case QueueContentsMessage():
                        calls = message.apply(calls)

The session: :meth:`~IcwsClient.login`, :meth:`~IcwsClient.check_session`,
:meth:`~IcwsClient.logout`, :meth:`~IcwsClient.close`. The station: ``connect_station``
(switching replaces), ``disconnect_station``, ``get_station``, ``subscribe_station``.
Presence: ``subscribe_user_statuses``, ``subscribe_status_messages``,
``subscribe_user_status_access``, ``get_status_messages``, ``get_user_status_access``,
``get_user_status``, ``set_user_status``; status ids compare with :func:`status_key`.
Calls: ``subscribe_queue``. Messages: :meth:`~IcwsClient.messages`.

Faults: a broken message stream is reopened in the same session and every subscription is
renewed (full messages follow). ``messages()`` ends with :class:`IcwsSessionLostError` when
the server says the session is gone (log in again: ``should_reconnect`` and ``reason`` say
whether and why), and with :class:`IcwsConnectionError` when the server cannot be reached for
now (wait, then call ``messages()`` again: the session may live on).

Errors (all :class:`IcwsError`): :class:`IcwsAuthenticationError` (bad credentials; never
retried, it could lock the account), :class:`IcwsConnectionError` (network, TLS, timeout,
5xx, no host accepting; retry later; but its :class:`IcwsPlainHttpError` says that the port
of an ``https://`` address speaks plain HTTP: change the address),
:class:`IcwsSessionLostError` (log in again), :class:`IcwsResponseError`,
:class:`IcwsStationError` and :class:`IcwsStatusError` (the server refused the request).

Secrets (password, SIP password, CSRF token, cookie, session id) never appear in ``repr``,
exception texts, log lines or :meth:`Station.as_dict`; personal data (status notes, forward
numbers, callers) stays out of ``repr``.
"""

from .client import IcwsClient
from .errors import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsPlainHttpError,
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
    SessionState,
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
    UserStatusAccessChange,
    UserStatusAccessMessage,
    UserStatusChange,
    UserStatusMessage,
    status_key,
)
from .queues import (
    DEFAULT_QUEUE_ATTRIBUTES,
    CallDirection,
    Interaction,
    InteractionChange,
    InteractionState,
    QueueContentsMessage,
)
from .url import server_url

__all__ = [
    "DEFAULT_QUEUE_ATTRIBUTES",
    "CallDirection",
    "ConnectionState",
    "ConnectionStateMessage",
    "IcwsAuthenticationError",
    "IcwsClient",
    "IcwsConnectionError",
    "IcwsError",
    "IcwsPlainHttpError",
    "IcwsResponseError",
    "IcwsSessionLostError",
    "IcwsSslError",
    "IcwsStationError",
    "IcwsStatusError",
    "IcwsTimeoutError",
    "Interaction",
    "InteractionChange",
    "InteractionState",
    "LoginInfo",
    "MediaType",
    "Message",
    "QueueContentsMessage",
    "RemoteNumberSettings",
    "RemoteWorkstationSettings",
    "RetrievalMode",
    "Secret",
    "ServerVersion",
    "SessionState",
    "Station",
    "StationMessage",
    "StationSetting",
    "StationSettings",
    "StationlessSettings",
    "StatusMessage",
    "StatusMessagesMessage",
    "UserStatus",
    "UserStatusAccessChange",
    "UserStatusAccessMessage",
    "UserStatusChange",
    "UserStatusMessage",
    "WorkstationSettings",
    "server_url",
    "status_key",
]
