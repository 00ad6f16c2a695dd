"""An asyncio client for Genesys PureConnect's web API, ICWS.

A user's session on a CIC server: its station, the users' statuses, the user's calls (watched
and acted on), the voicemails waiting, the user's workgroup activations and workgroup
statistics for a wallboard. No Home Assistant import: this package is a library that any
asyncio program can use.

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
        if info.supports_activations:
            await client.subscribe_user_activations()   # every workgroup of the user
        if info.supports_statistics:
            await client.subscribe_statistics(        # one subscription: every key
                [StatisticKey.workgroup("inin.workgroup:InteractionsWaiting", "Support")]
            )
        station, statuses, calls, stale = None, {}, {}, set()
        activations, values = {}, {}
        async with aclosing(client.messages()) as messages:  # SSE if offered, else polls
            async for message in messages:
                match message:
                    case StationMessage():
                        station = message.apply(station)   # full replaces, delta merges
                    case UserStatusMessage():
                        statuses = message.apply(statuses)
                    case QueueContentsMessage():
                        calls = message.apply(calls)
                    case UserActivationMessage():
                        activations = message.apply(activations)
                    case StatisticValueMessage():
                        values = message.apply(values)
                    case SubscriptionRefusedMessage():  # made by the client, see Faults
                        stale.add(message.kind)

The session: :meth:`~IcwsClient.login`, :meth:`~IcwsClient.check_session`,
:meth:`~IcwsClient.logout`, :meth:`~IcwsClient.close`. The station: ``connect_station``
(switching replaces), ``disconnect_station``, ``get_station``, ``subscribe_station``.
Status: ``subscribe_user_statuses``, ``subscribe_status_catalogue``,
``subscribe_user_status_access``, ``get_status_catalogue`` (each entry a
:class:`StatusDefinition`), ``get_user_status_access``, ``get_user_status``,
``set_user_status`` (another user's too, with the right); status and user ids compare with
:func:`id_key`. Team presence: ``get_users`` (the user list, paged, each a
:class:`DirectoryUser`), then ``subscribe_user_statuses`` with the session's user and every
colleague in one list (a PUT replaces the set) and ``get_user_status`` of one. Calls:
``subscribe_queue`` (each :class:`Interaction` with its state, caller and ``muted``), and
acting on the user's own calls: ``pickup_interaction``, ``disconnect_interaction``,
``hold_interaction`` (``on``), ``mute_interaction`` (``on``), ``transfer_interaction``
(blind, to a target), ``send_digits``, and ``make_call`` (returns the new interaction's id);
any 2xx is success, and the new state comes from the queue watch. None of them needs a
station of the session's own: the server picks the station that carries the call. Voicemail:
``subscribe_messages_waiting`` (a server that refuses it does not offer it),
``refresh_messages_waiting``; the count comes as a :class:`MessagesWaitingMessage`, its
trust as a :class:`MessagesWaitingStateMessage`. Workgroup activation:
``get_user_activations``, ``set_user_activations`` (only the workgroups given change),
``subscribe_user_activations`` (:class:`UserActivationMessage`). Statistics:
``subscribe_statistics`` (a :class:`StatisticKey` set; a PUT replaces it),
``get_statistic_parameter_values`` (the workgroups the user may see); each
:class:`StatisticValue` is read by its :class:`StatisticValueType` (``None``: the server has
no value; an error value carries a :class:`StatisticError`), and
``StatisticValue.number(now)`` gives it as a number. Messages: :meth:`~IcwsClient.messages`.

Faults: a broken message stream is reopened in the same session and every subscription is
renewed (full messages follow). A renewal the server refuses (4xx other than 401: say, a
switchover partner without the feature) comes as a :class:`SubscriptionRefusedMessage` naming
the subscription's :class:`SubscriptionKind`, with the server's ``status`` and ``error_id``:
what it feeds is stale until a full message of that kind follows a later renewal (the client
asks again after every gap). ``messages()`` ends with :class:`IcwsSessionLostError` when the
server says the session is gone (log in again: ``should_reconnect`` and ``reason`` say whether
and why), and with :class:`IcwsConnectionError` when the server cannot be reached for now
(wait, then call ``messages()`` again: the session may live on).

Errors (all :class:`IcwsError`): :class:`IcwsAuthenticationError` (bad credentials; never
retried, it could lock the account), :class:`IcwsConnectionError` (network, TLS, timeout,
5xx, no host accepting; retry later; but its :class:`IcwsPlainHttpError` says that the port
of an ``https://`` address speaks plain HTTP: change the address),
:class:`IcwsSessionLostError` (log in again), :class:`IcwsResponseError`,
:class:`IcwsStationError`, :class:`IcwsStatusError` and :class:`IcwsInteractionError` (the
server refused the request; ``server_message`` holds its own words, to show), and
:class:`IcwsNotAllowedError` (refused for a right the user lacks, 403).

Secrets (password, SIP password, CSRF token, cookie, session id) never appear in ``repr``,
exception texts, log lines or :meth:`Station.as_dict`; personal data (status notes, forward
numbers, callers) stays out of ``repr``.
"""

from .activations import UserActivationMessage, UserActivations, workgroup_key
from .client import IcwsClient
from .errors import (
    IcwsAuthenticationError,
    IcwsConnectionError,
    IcwsError,
    IcwsInteractionError,
    IcwsNotAllowedError,
    IcwsPlainHttpError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsSslError,
    IcwsStationError,
    IcwsStatusError,
    IcwsTimeoutError,
)
from .interactions import InteractionAction
from .messages import ConnectionStateMessage, Message
from .models import ConnectionState, LoginInfo, Secret, ServerVersion, SessionState
from .queues import (
    DEFAULT_QUEUE_ATTRIBUTES,
    CallDirection,
    Interaction,
    InteractionChange,
    InteractionState,
    QueueContentsMessage,
)
from .retrieval import RetrievalMode
from .station import (
    MediaType,
    RemoteNumberSettings,
    RemoteWorkstationSettings,
    Station,
    StationlessSettings,
    StationMessage,
    StationSetting,
    StationSettings,
    WorkstationSettings,
)
from .statistics import (
    CURRENT_PERIOD,
    CURRENT_SHIFT,
    INTERVAL_PARAMETER,
    WORKGROUP_PARAMETER,
    FiniteDuration,
    ParameterValue,
    ParameterValues,
    StatisticError,
    StatisticKey,
    StatisticValue,
    StatisticValueChange,
    StatisticValueMessage,
    StatisticValueType,
)
from .status import (
    StatusCatalogueMessage,
    StatusDefinition,
    UserStatus,
    UserStatusAccessChange,
    UserStatusAccessMessage,
    UserStatusChange,
    UserStatusMessage,
    id_key,
)
from .subscriptions import SubscriptionKind, SubscriptionRefusedMessage
from .url import server_url
from .users import DirectoryUser
from .voicemail import (
    MessagesWaitingMessage,
    MessagesWaitingState,
    MessagesWaitingStateMessage,
)

__all__ = [
    "CURRENT_PERIOD",
    "CURRENT_SHIFT",
    "DEFAULT_QUEUE_ATTRIBUTES",
    "INTERVAL_PARAMETER",
    "WORKGROUP_PARAMETER",
    "CallDirection",
    "ConnectionState",
    "ConnectionStateMessage",
    "DirectoryUser",
    "FiniteDuration",
    "IcwsAuthenticationError",
    "IcwsClient",
    "IcwsConnectionError",
    "IcwsError",
    "IcwsInteractionError",
    "IcwsNotAllowedError",
    "IcwsPlainHttpError",
    "IcwsResponseError",
    "IcwsSessionLostError",
    "IcwsSslError",
    "IcwsStationError",
    "IcwsStatusError",
    "IcwsTimeoutError",
    "Interaction",
    "InteractionAction",
    "InteractionChange",
    "InteractionState",
    "LoginInfo",
    "MediaType",
    "Message",
    "MessagesWaitingMessage",
    "MessagesWaitingState",
    "MessagesWaitingStateMessage",
    "ParameterValue",
    "ParameterValues",
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
    "StatisticError",
    "StatisticKey",
    "StatisticValue",
    "StatisticValueChange",
    "StatisticValueMessage",
    "StatisticValueType",
    "StatusCatalogueMessage",
    "StatusDefinition",
    "SubscriptionKind",
    "SubscriptionRefusedMessage",
    "UserActivationMessage",
    "UserActivations",
    "UserStatus",
    "UserStatusAccessChange",
    "UserStatusAccessMessage",
    "UserStatusChange",
    "UserStatusMessage",
    "WorkstationSettings",
    "id_key",
    "server_url",
    "workgroup_key",
]
