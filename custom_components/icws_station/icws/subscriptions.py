"""What the session watches: each subscription and its kind.

A subscription is renewed after every gap in the messages (``docs/icws-protocol.md`` §5, §9,
§10), so that a full message follows. A new concern adds its kind here.
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


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscription of the session, as it is renewed: its path and request body."""

    kind: SubscriptionKind
    path: str
    body: Mapping[str, Any] | None = None
