"""Parsing of ICWS messages into typed values, tolerant of whatever the server sends.

A message that cannot be understood is dropped (``parse_message`` returns ``None``) rather
than raising: one bad message from the server must not stop the stream of good ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import logging
from typing import Any, Final

from .activations import (
    USER_ACTIVATION_MESSAGE,
    UserActivationMessage,
    user_activation_message,
)
from .fields import InvalidFieldError
from .models import ConnectionState, connection_state
from .queues import QUEUE_CONTENTS_MESSAGE, QueueContentsMessage, queue_contents_message
from .station import STATION_MESSAGE, StationMessage, station_message
from .statistics import (
    STATISTIC_VALUE_MESSAGE,
    StatisticValueMessage,
    statistic_value_message,
)
from .status import (
    STATUS_CATALOGUE_MESSAGE,
    USER_ACCESS_MESSAGE,
    USER_STATUS_MESSAGE,
    StatusCatalogueMessage,
    UserStatusAccessMessage,
    UserStatusMessage,
    status_catalogue_message,
    user_access_message,
    user_status_message,
)
from .subscriptions import SubscriptionRefusedMessage
from .voicemail import (
    MWI_MESSAGE,
    MWI_STATE_MESSAGE,
    MessagesWaitingMessage,
    MessagesWaitingStateMessage,
    messages_waiting_message,
    messages_waiting_state_message,
)

_LOGGER = logging.getLogger(__name__)


class Complaints:
    """Warn about the first bad message of a kind, then only at debug level.

    A misbehaving server can send thousands; the log should say so once per client, not
    flood. Each client keeps its own, so one bad server does not silence another's.
    """

    def __init__(self) -> None:
        """Start with nothing reported."""
        self._seen: set[str] = set()

    def __call__(self, kind: str, text: str, *args: object) -> None:
        """Report one bad message of ``kind``."""
        if kind in self._seen:
            _LOGGER.debug(text, *args)
            return
        self._seen.add(kind)
        _LOGGER.warning(
            "%s (more of these are logged at debug level)",
            text % args if args else text,
        )


CONNECTION_MESSAGE: Final = "urn:inin.com:connection:connectionStateChangeMessage"


@dataclass(frozen=True, slots=True)
class ConnectionStateMessage:
    """A ``connectionStateChangeMessage``: the session went up or down."""

    previous_state: ConnectionState | None
    new_state: ConnectionState
    reason: str | None
    should_reconnect: bool


# Every message IcwsClient.messages() yields: the server's, and the client's own refusal note.
type Message = (
    StationMessage
    | ConnectionStateMessage
    | UserStatusMessage
    | StatusCatalogueMessage
    | UserStatusAccessMessage
    | QueueContentsMessage
    | MessagesWaitingMessage
    | MessagesWaitingStateMessage
    | UserActivationMessage
    | StatisticValueMessage
    | SubscriptionRefusedMessage
)


def _connection_message(raw: Mapping[str, Any]) -> ConnectionStateMessage:
    new_state = connection_state(raw.get("newConnectionState"))
    if new_state is None:
        raise InvalidFieldError
    reason = raw.get("reason")
    should_reconnect = raw.get("shouldReconnect", True)
    return ConnectionStateMessage(
        previous_state=connection_state(raw.get("previousConnectionState")),
        new_state=new_state,
        reason=reason if isinstance(reason, str) else None,
        should_reconnect=should_reconnect
        if isinstance(should_reconnect, bool)
        else True,
    )


_PARSERS: Final[Mapping[str, Callable[[Mapping[str, Any]], Message]]] = {
    STATION_MESSAGE: station_message,
    CONNECTION_MESSAGE: _connection_message,
    USER_STATUS_MESSAGE: user_status_message,
    STATUS_CATALOGUE_MESSAGE: status_catalogue_message,
    USER_ACCESS_MESSAGE: user_access_message,
    QUEUE_CONTENTS_MESSAGE: queue_contents_message,
    MWI_MESSAGE: messages_waiting_message,
    MWI_STATE_MESSAGE: messages_waiting_state_message,
    USER_ACTIVATION_MESSAGE: user_activation_message,
    STATISTIC_VALUE_MESSAGE: statistic_value_message,
}


def parse_message(raw: object, complain: Complaints | None = None) -> Message | None:
    """Turn one decoded message into a typed one; ``None`` when unknown or invalid.

    A malformed message of a known type is reported to ``complain`` (at debug level
    without one).
    """
    if not isinstance(raw, dict):
        _LOGGER.debug("Ignoring a message that is not an object")
        return None
    kind = raw.get("__type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None or not isinstance(kind, str):
        _LOGGER.debug("Ignoring a message of type %.100r", kind)
        return None
    try:
        return parser(raw)
    except InvalidFieldError:
        name = kind.rsplit(":", 1)[-1]
        if complain is None:
            _LOGGER.debug("Ignoring a malformed %s", name)
        else:
            complain(kind, "Ignoring a malformed %s", name)
        return None
