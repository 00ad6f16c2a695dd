"""Voicemail waiting: each user's count of unread voicemails and its subscription (§18).

A session subscribes to its own user's count; the server answers with the subscription's
state and then the count (``isDelta: false`` [doc]), and sends the count again whenever it
changes. No HTTP here: ``voicemail_http.py`` maps the ICWS and control routes onto
:class:`VoicemailState`.
"""

from typing import Any, Final, Protocol

from . import protocol
from .session_table import SessionTable
from .sessions import SimSession

TYPE_MWI: Final = "urn:inin.com:unifiedMessaging:mwiMessage"
TYPE_MWI_STATE: Final = "urn:inin.com:unifiedMessaging:mwiSubscriptionStateMessage"
SUBSCRIPTION: Final = "unified-messaging/messages-waiting-indicator"

# mwiSubscriptionStateMessage states [doc].
STATE_NONE: Final = 0
STATE_NORMAL: Final = 1
STATE_SUSPENDED: Final = 2
STATE_FAULTED: Final = 3
STATES: Final = frozenset({STATE_NONE, STATE_NORMAL, STATE_SUSPENDED, STATE_FAULTED})


class VoicemailHost(Protocol):
    """What the voicemail needs from the simulator state."""

    @property
    def user_ids(self) -> tuple[str, ...]:
        """Return the known user ids."""
        ...

    def user_spelling(self, user_id: str) -> str | None:
        """Return a user's id as the directory spells it (None: no such user)."""
        ...

    @property
    def sessions(self) -> SessionTable:
        """Return the sessions the server holds."""
        ...


def count_message(count: int) -> dict[str, Any]:
    """Build a ``mwiMessage`` [doc]."""
    return {"__type": TYPE_MWI, "isDelta": False, "messagesWaiting": count}


def state_message(state: int, error: str | None = None) -> dict[str, Any]:
    """Build a ``mwiSubscriptionStateMessage``; ``error`` is optional [doc]."""
    message: dict[str, Any] = {
        "__type": TYPE_MWI_STATE,
        "isDelta": False,
        "state": state,
    }
    if error is not None:
        message["error"] = error
    return message


class VoicemailState:
    """Every user's count, and the subscription's state the server reports.

    Tests may change at any time: ``offered`` (False: the server does not know the
    subscription, which answers 404 [guess]) and, with :meth:`set_state`, the state.
    """

    def __init__(self, host: VoicemailHost) -> None:
        """Start with no voicemail for anyone and a Normal subscription state."""
        self._host = host
        self.offered = True
        self.state = STATE_NORMAL
        self.error: str | None = None
        self._counts: dict[str, int] = {}

    def count(self, user_id: str) -> int:
        """Return how many voicemails wait for the user."""
        return self._counts.get(user_id.casefold(), 0)

    def _sessions_of(self, user_id: str) -> list[SimSession]:
        folded = user_id.casefold()
        return [
            session
            for session in self._host.sessions.subscribers(SUBSCRIPTION)
            if session.user_id.casefold() == folded
        ]

    def set_count(self, user_id: str, count: int) -> None:
        """Set the user's count (as a caller leaving a message would); tell watchers."""
        if self._host.user_spelling(user_id) is None:
            raise KeyError(user_id)
        if count < 0:
            raise ValueError("count must not be negative")
        self._counts[user_id.casefold()] = count
        self._host.sessions.publish(count_message(count), self._sessions_of(user_id))

    def set_state(self, state: int, error: str | None = None) -> None:
        """Report a new subscription state (with ``error``) to every watcher."""
        if state not in STATES:
            raise ValueError(f"state must be one of {sorted(STATES)}")
        self.state, self.error = state, error
        self._host.sessions.publish(
            state_message(state, error), self._host.sessions.subscribers(SUBSCRIPTION)
        )

    def subscribe(self, session: SimSession) -> None:
        """Start the session's watch: its state, then its user's count [doc]."""
        session.subscriptions[SUBSCRIPTION] = True
        session.push(protocol.dumps(state_message(self.state, self.error)))
        self.refresh(session)

    def unsubscribe(self, session: SimSession) -> None:
        """Stop the session's watch."""
        session.subscriptions.pop(SUBSCRIPTION, None)

    def refresh(self, session: SimSession) -> None:
        """Send the session's user's count again (a recount [doc])."""
        session.push(protocol.dumps(count_message(self.count(session.user_id))))

    def snapshot(self) -> dict[str, Any]:
        """Describe the voicemail for the control interface."""
        return {
            "offered": self.offered,
            "state": self.state,
            "counts": {user: self.count(user) for user in self._host.user_ids},
        }
