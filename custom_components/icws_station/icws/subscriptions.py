"""What the session watches: each subscription's kind, and the note that one was refused.

A subscription is renewed after every gap in the messages (``docs/icws-protocol.md`` §5, §9,
§10, §16, §17, §18), so that a full message follows. A server may refuse a renewal it granted before (a
switchover partner on another release lacks the feature): the caller learns it from a
:class:`SubscriptionRefusedMessage` in the messages and can mark what that subscription
feeds as unavailable. A new concern adds its kind here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SubscriptionKind(StrEnum):
    """What a subscription watches."""

    STATION = "station"
    USER_STATUSES = "user_statuses"
    STATUS_CATALOGUE = "status_catalogue"
    STATUS_ACCESS = "status_access"
    QUEUE = "queue"
    MESSAGES_WAITING = "messages_waiting"
    ACTIVATIONS = "activations"
    STATISTICS = "statistics"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription of the session, as it is renewed: its path and request body."""

    kind: SubscriptionKind
    path: str
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionRefusedMessage:
    """Made by the client: the server refused to renew a subscription (4xx other than 401).

    What it fed stays as last reported while no messages of that kind come; the client asks
    again after the next gap, and a full message follows if the server then grants it.
    """

    kind: SubscriptionKind
    status: int | None
    error_id: str | None
