"""Interactions on users' queues and the queue subscription (``docs/icws-protocol.md`` §10).

An interaction (a call, a chat, an e-mail) lives on its user's queue with an ``Eic_State``
letter that moves through a lifecycle; every session that watches the queue gets a
``queueContentsMessage`` for each change, holding the attributes it asked for. The user acts
on their calls (§12: pick up, hold, mute, transfer, send digits, hang up) and places new ones
(§13). The user's ``onPhone`` follows the calls (§9). No HTTP here: ``calls_http.py`` maps
the queue watch and the control routes onto :class:`CallCenter`, ``interactions_http.py``
the call control.
"""

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import itertools
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol

from . import protocol
from .call_attributes import (
    ATTR_CALL_ID,
    ATTR_CALL_STATE,
    ATTR_CALL_TYPE,
    ATTR_CAPABILITIES,
    ATTR_CONFERENCE_ID,
    ATTR_MUTED,
    ATTR_STATE_TEXT,
    ATTR_TERMINATION_TIME,
    ATTR_USER_NAME,
    ATTR_WORKGROUP,
    STATE_ATTRIBUTES,
    capabilities,
    state_text,
    state_word,
)
from .sessions import SimSession

TYPE_QUEUE_CONTENTS: Final = "urn:inin.com:queues:queueContentsMessage"

# Eic_State letters [doc].
ALERTING: Final = "A"
CONNECTED: Final = "C"
HELD: Final = "H"
MESSAGING: Final = "M"
OFFERING: Final = "O"
PARKED: Final = "P"
PROCEEDING: Final = "R"
DIALING: Final = "S"
SUSPENDED: Final = "X"
DISCONNECTED_LOCAL: Final = "I"
DISCONNECTED_REMOTE: Final = "E"
DISCONNECTED: Final = frozenset({DISCONNECTED_LOCAL, DISCONNECTED_REMOTE})

# Eic_ObjectType and Eic_CallDirection values [guess].
CALL: Final = "Call"
CHAT: Final = "Chat"
EMAIL: Final = "Email"
INBOUND: Final = "I"
OUTBOUND: Final = "O"

# Attribute names a client asks for [doc].
ATTR_STATE: Final = "Eic_State"
ATTR_OBJECT_TYPE: Final = "Eic_ObjectType"
ATTR_DIRECTION: Final = "Eic_CallDirection"
ATTR_REMOTE_NAME: Final = "Eic_RemoteName"
ATTR_REMOTE_ADDRESS: Final = "Eic_RemoteAddress"
ATTR_INITIATION_TIME: Final = "Eic_InitiationTime"
ATTR_CONNECT_TIME: Final = "Eic_ConnectTime"

QUEUE_TYPE_USER: Final = 1
QUEUE_TYPES: Final = frozenset({0, 1, 2, 3})  # system, user, workgroup, station [doc]

# [guess] The states in which the user's phone counts as busy for onPhone: connected and
# held per §9's guess; dialing and proceeding too, since the phone is off hook. Only calls
# count, never chats or e-mails.
ON_PHONE_STATES: Final = frozenset({CONNECTED, HELD, SUSPENDED, DIALING, PROCEEDING})

type Side = Literal["remote", "local"]


def wire_time(moment: datetime) -> str:
    """Format a time as ICWS does: compact ISO in UTC (§9, [seen] for status dates)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _time_or_empty(moment: datetime | None) -> str:
    return "" if moment is None else wire_time(moment)


@dataclass(eq=False, kw_only=True)
class SimInteraction:
    """One interaction on a user's queue; ``answered`` remembers it was ever connected."""

    interaction_id: str
    user_id: str
    object_type: str
    direction: str
    state: str
    remote_name: str
    remote_number: str
    initiation_time: datetime
    connect_time: datetime | None = None
    termination_time: datetime | None = None
    answered: bool = False
    muted: bool = False
    workgroup: str = ""
    digits: str = ""  # every DTMF digit sent on it, in order

    def attributes(self) -> dict[str, str]:
        """Return every attribute this server knows, as strings [doc] ("" when not set)."""
        return {
            ATTR_STATE: self.state,
            ATTR_CALL_STATE: state_word(self.state),
            ATTR_STATE_TEXT: state_text(self.state),
            ATTR_CAPABILITIES: capabilities(self.state),
            ATTR_MUTED: "1" if self.muted else "0",  # [guess] §12
            ATTR_OBJECT_TYPE: self.object_type,
            ATTR_DIRECTION: self.direction,
            ATTR_CALL_ID: self.interaction_id,
            ATTR_CALL_TYPE: "External",  # [guess] every simulated call leaves the site
            ATTR_USER_NAME: self.user_id,
            ATTR_WORKGROUP: self.workgroup,
            ATTR_CONFERENCE_ID: "",
            ATTR_REMOTE_NAME: self.remote_name,
            ATTR_REMOTE_ADDRESS: self.remote_number,
            ATTR_INITIATION_TIME: wire_time(self.initiation_time),
            ATTR_CONNECT_TIME: _time_or_empty(self.connect_time),
            ATTR_TERMINATION_TIME: _time_or_empty(self.termination_time),
        }

    @property
    def disconnected(self) -> bool:
        """Return whether the interaction has ended (it may still be on the queue)."""
        return self.state in DISCONNECTED


@dataclass(eq=False, kw_only=True)
class QueueSubscription:
    """One queue watch of one session; ``shown`` are the interactions reported to it."""

    session: SimSession
    subscription_id: str
    user_queues: frozenset[str]  # casefolded user ids (queueType 1)
    attribute_names: tuple[str, ...]
    shown: set[str] = field(default_factory=set)

    def watches(self, interaction: SimInteraction) -> bool:
        """Return whether the interaction is on a queue this subscription watches."""
        return interaction.user_id.casefold() in self.user_queues

    def pick(
        self, attributes: Mapping[str, str], only: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Answer every attribute the watch named, as it spelled it; ``only``: just these.

        Names match without case; one this server does not know is answered empty, as an
        attribute that is not set [guess].
        """
        values = {name.casefold(): value for name, value in attributes.items()}
        wanted = None if only is None else {name.casefold() for name in only}
        return {
            name: values.get(name.casefold(), "")
            for name in self.attribute_names
            if wanted is None or name.casefold() in wanted
        }


SUBSCRIPTION_PREFIX: Final = "queues/"  # SimSession.subscriptions key: prefix + id


class CallHost(Protocol):
    """What the call center needs from the simulator state."""

    def user_spelling(self, user_id: str) -> str | None:
        """Return a user's id as the directory spells it (None: no such user)."""
        ...

    @property
    def sessions(self) -> Mapping[str, SimSession]:
        """Return the live sessions by id."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


def queue_message(
    subscription_id: str,
    *,
    is_delta: bool,
    added: Sequence[Mapping[str, Any]] = (),
    changed: Sequence[Mapping[str, Any]] = (),
    removed: Sequence[str] = (),
    limit_exceeded: bool = False,
) -> dict[str, Any]:
    """Build a queueContentsMessage [doc]."""
    return {
        "__type": TYPE_QUEUE_CONTENTS,
        "isDelta": is_delta,
        "subscriptionId": subscription_id,
        "interactionsAdded": list(added),
        "interactionsChanged": list(changed),
        "interactionsRemoved": list(removed),
        "queueResultLimitExceeded": limit_exceeded,
    }


class CallCenter:
    """Every interaction on every user queue, the queue watches, and the lifecycle rules.

    Tests may change at any time: ``queue_result_limit`` (interactions one subscription
    reports before it says ``queueResultLimitExceeded`` [guess: the real limit is not
    documented]), ``removal_delay`` (seconds a disconnected interaction stays on the queue;
    None: until :meth:`remove`), ``proceed_delay`` (seconds until a call the user placed
    over ICWS rings at the far end, ``S`` to ``R``; None: until :meth:`proceed`),
    ``refuse_stationless`` (call control and new calls from a session without a station
    answer 400, as a server that will not use the user's effective station would, §14) and
    ``on_phone_changed`` (called with user id and the new ``onPhone`` whenever the calls
    change it; the status model listens here). ``transfers`` maps each interaction
    transferred away to its target.
    """

    def __init__(self, host: CallHost) -> None:
        """Start with empty queues."""
        self._host = host
        self.queue_result_limit = 500
        self.removal_delay: float | None = 2.0
        self.proceed_delay: float | None = 1.0
        self.refuse_stationless = False
        self.on_phone_changed: Callable[[str, bool], None] | None = None
        self.transfers: dict[str, str] = {}
        self._interactions: dict[str, SimInteraction] = {}
        self._removals: dict[str, asyncio.TimerHandle] = {}
        self._proceeds: dict[str, asyncio.TimerHandle] = {}
        # Interaction ids are digit strings [doc]; ten digits, as real ones have.
        self._ids = itertools.count(1_001_000_001)

    # ---- reading ---------------------------------------------------------------------

    @property
    def interactions(self) -> Mapping[str, SimInteraction]:
        """Return every interaction on any queue, by id."""
        return MappingProxyType(self._interactions)

    def queue(self, user_id: str) -> list[SimInteraction]:
        """Return the interactions on a user's queue, oldest first."""
        folded = user_id.casefold()
        return [
            i for i in self._interactions.values() if i.user_id.casefold() == folded
        ]

    def on_phone(self, user_id: str) -> bool:
        """Return the user's ``onPhone`` as the calls make it (see ``ON_PHONE_STATES``)."""
        return any(
            i.object_type == CALL and i.state in ON_PHONE_STATES
            for i in self.queue(user_id)
        )

    @staticmethod
    def subscriptions(session: SimSession) -> list[QueueSubscription]:
        """Return the queue watches of one session."""
        return [
            subscription
            for name, subscription in session.subscriptions.items()
            if name.startswith(SUBSCRIPTION_PREFIX)
        ]

    def _watches(self) -> list[QueueSubscription]:
        """Return every queue watch of the sessions that are not ending."""
        return [
            subscription
            for session in self._host.sessions.values()
            if not session.ending
            for subscription in self.subscriptions(session)
        ]

    # ---- queue subscription ----------------------------------------------------------

    def subscribe(
        self,
        session: SimSession,
        subscription_id: str,
        queues: Iterable[tuple[int, str]],
        attribute_names: Iterable[str],
    ) -> None:
        """Start (or replace) a queue watch; queue its ``isDelta: false`` message [doc].

        Only user queues (type 1) hold interactions here; the other types are accepted and
        stay empty. Raises ValueError for an unknown queue type or user.
        """
        users = set()
        for queue_type, name in queues:
            if queue_type not in QUEUE_TYPES:
                raise ValueError(f"Unknown queue type {queue_type}.")
            if queue_type != QUEUE_TYPE_USER:
                continue
            if self._host.user_spelling(name) is None:
                raise ValueError("The queue could not be found.")
            users.add(name.casefold())
        subscription = QueueSubscription(
            session=session,
            subscription_id=subscription_id,
            user_queues=frozenset(users),
            attribute_names=tuple(dict.fromkeys(attribute_names)),
        )
        session.subscriptions[SUBSCRIPTION_PREFIX + subscription_id] = subscription
        watched = [i for i in self._interactions.values() if subscription.watches(i)]
        shown = watched[: self.queue_result_limit]
        subscription.shown.update(i.interaction_id for i in shown)
        message = queue_message(
            subscription_id,
            is_delta=False,
            added=[
                self._entry(subscription, i.interaction_id, i.attributes())
                for i in shown
            ],
            limit_exceeded=len(watched) > len(shown),
        )
        session.push(protocol.dumps(message))
        self._host.pulse()

    def unsubscribe(self, session: SimSession, subscription_id: str) -> None:
        """Stop a queue watch (nothing happens if there was none) [guess]."""
        session.subscriptions.pop(SUBSCRIPTION_PREFIX + subscription_id, None)
        self._host.pulse()

    @staticmethod
    def _entry(
        subscription: QueueSubscription,
        interaction_id: str,
        attributes: Mapping[str, str],
    ) -> dict[str, Any]:
        return {
            "interactionId": interaction_id,
            "attributes": subscription.pick(attributes),
        }

    def _publish_added(self, interaction: SimInteraction) -> None:
        for subscription in self._watches():
            if not subscription.watches(interaction):
                continue
            if len(subscription.shown) >= self.queue_result_limit:
                message = queue_message(
                    subscription.subscription_id, is_delta=True, limit_exceeded=True
                )
            else:
                subscription.shown.add(interaction.interaction_id)
                entry = self._entry(
                    subscription, interaction.interaction_id, interaction.attributes()
                )
                message = queue_message(
                    subscription.subscription_id, is_delta=True, added=[entry]
                )
            subscription.session.push(protocol.dumps(message))

    def _publish_changed(self, interaction: SimInteraction, names: set[str]) -> None:
        """Send only the changed attributes each watch asked for [doc]."""
        attributes = interaction.attributes()
        for subscription in self._watches():
            if interaction.interaction_id not in subscription.shown:
                continue
            entry = {
                "interactionId": interaction.interaction_id,
                "attributes": subscription.pick(attributes, names),
            }
            if not entry["attributes"]:
                continue
            message = queue_message(
                subscription.subscription_id, is_delta=True, changed=[entry]
            )
            subscription.session.push(protocol.dumps(message))

    def _publish_removed(self, interaction_id: str) -> None:
        for subscription in self._watches():
            if interaction_id not in subscription.shown:
                continue
            subscription.shown.discard(interaction_id)
            message = queue_message(
                subscription.subscription_id, is_delta=True, removed=[interaction_id]
            )
            subscription.session.push(protocol.dumps(message))

    # ---- lifecycle -------------------------------------------------------------------

    def _user(self, user_id: str) -> str:
        """Return the directory spelling of a user id, or raise KeyError."""
        spelling = self._host.user_spelling(user_id)
        if spelling is None:
            raise KeyError(user_id)
        return spelling

    def _get(self, interaction_id: str) -> SimInteraction:
        return self._interactions[interaction_id]

    def _add(
        self,
        user_id: str,
        *,
        object_type: str,
        direction: str,
        state: str,
        name: str,
        number: str,
        workgroup: str = "",
    ) -> str:
        before = self.on_phone(self._user(user_id))
        interaction = SimInteraction(
            interaction_id=str(next(self._ids)),
            user_id=self._user(user_id),
            object_type=object_type,
            direction=direction,
            state=state,
            remote_name=name,
            remote_number=number,
            initiation_time=datetime.now(UTC),
            workgroup=workgroup,
        )
        self._interactions[interaction.interaction_id] = interaction
        self._publish_added(interaction)
        self._after_change(interaction.user_id, before)
        return interaction.interaction_id

    def _after_change(self, user_id: str, on_phone_before: bool) -> None:
        after = self.on_phone(user_id)
        if after != on_phone_before and self.on_phone_changed is not None:
            self.on_phone_changed(user_id, after)
        self._host.pulse()

    def ring(
        self,
        user_id: str,
        name: str,
        number: str,
        *,
        object_type: str = CALL,
        state: str = ALERTING,
    ) -> str:
        """Put an inbound interaction on the user's queue, alerting; return its id.

        ``state`` may be ``O`` (offering) for one that is offered before it alerts.
        """
        if state not in {ALERTING, OFFERING}:
            raise ValueError("An inbound interaction starts offering or alerting.")
        return self._add(
            user_id,
            object_type=object_type,
            direction=INBOUND,
            state=state,
            name=name,
            number=number,
        )

    def start_chat(self, user_id: str, name: str, address: str) -> str:
        """Have a chat alert on the user's queue; return its id."""
        return self.ring(user_id, name, address, object_type=CHAT)

    def start_email(self, user_id: str, name: str, address: str) -> str:
        """Have an e-mail alert on the user's queue; return its id."""
        return self.ring(user_id, name, address, object_type=EMAIL)

    def place_call(
        self, user_id: str, number: str, name: str = "", workgroup: str = ""
    ) -> str:
        """Have the user dial out: an outbound call, dialing (``S``); return its id."""
        return self._add(
            user_id,
            object_type=CALL,
            direction=OUTBOUND,
            state=DIALING,
            name=name,
            number=number,
            workgroup=workgroup,
        )

    def dial(self, user_id: str, target: str, workgroup: str = "") -> str:
        """Place a call for the user as ICWS does (§13): dialing, then proceeding.

        It rings at the far end after ``proceed_delay`` seconds; the far end answering is
        :meth:`answer`. Returns its id.
        """
        interaction_id = self.place_call(user_id, target, workgroup=workgroup)
        if self.proceed_delay is not None:
            self._proceeds[interaction_id] = asyncio.get_running_loop().call_later(
                self.proceed_delay, self._proceed_when_due, interaction_id
            )
        return interaction_id

    def _proceed_when_due(self, interaction_id: str) -> None:
        self._proceeds.pop(interaction_id, None)
        interaction = self._interactions.get(interaction_id)
        if interaction is not None and interaction.state == DIALING:
            self.proceed(interaction_id)

    def set_state(self, interaction_id: str, state: str) -> None:
        """Move an interaction to any state letter, even one no rule allows (for tests).

        Connecting sets the connect time once; disconnecting sets the termination time and
        schedules the removal.
        """
        interaction = self._get(interaction_id)
        if interaction.state == state:
            return
        before = self.on_phone(interaction.user_id)
        interaction.state = state
        changed = {ATTR_STATE, *STATE_ATTRIBUTES}
        if state == CONNECTED and interaction.connect_time is None:
            interaction.connect_time = datetime.now(UTC)
            interaction.answered = True
            changed.add(ATTR_CONNECT_TIME)
        if state in DISCONNECTED:
            interaction.termination_time = datetime.now(UTC)
            changed.add(ATTR_TERMINATION_TIME)
        self._publish_changed(interaction, changed)
        if state in DISCONNECTED:
            self._schedule_removal(interaction_id)
        self._after_change(interaction.user_id, before)

    def _move(self, interaction_id: str, allowed: Iterable[str], state: str) -> None:
        interaction = self._get(interaction_id)
        if interaction.state not in set(allowed):
            raise ValueError(
                f"The interaction is in state {interaction.state!r}, not {sorted(allowed)}."
            )
        self.set_state(interaction_id, state)

    def answer(self, interaction_id: str) -> None:
        """Connect an alerting interaction, or an outbound call the far end picks up."""
        self._move(interaction_id, {OFFERING, ALERTING, DIALING, PROCEEDING}, CONNECTED)

    def pickup(self, interaction_id: str) -> None:
        """The user picks up: a ringing call connects, a held one comes back (§12)."""
        self._move(interaction_id, {OFFERING, ALERTING, HELD}, CONNECTED)

    def mute(self, interaction_id: str, on: bool) -> None:
        """Mute or unmute the user's side of a connected or held call (``Eic_Muted``)."""
        interaction = self._get(interaction_id)
        if interaction.state not in {CONNECTED, HELD}:
            raise ValueError(f"The interaction is in state {interaction.state!r}.")
        if interaction.muted != on:
            interaction.muted = on
            self._publish_changed(interaction, {ATTR_MUTED})
            self._host.pulse()

    def send_digits(self, interaction_id: str, digits: str) -> None:
        """Send DTMF digits on a connected call; nothing on the queue changes."""
        interaction = self._get(interaction_id)
        if interaction.state != CONNECTED:
            raise ValueError(f"The interaction is in state {interaction.state!r}.")
        interaction.digits += digits
        self._host.pulse()

    def transfer(self, interaction_id: str, target: str) -> None:
        """Transfer an interaction away, blind: it leaves the user's queue (§12 [guess])."""
        if self._get(interaction_id).disconnected:
            raise ValueError("The interaction is already disconnected.")
        self.transfers[interaction_id] = target
        self.remove(interaction_id)

    def proceed(self, interaction_id: str) -> None:
        """An outbound call rings at the far end (dialing -> proceeding)."""
        self._move(interaction_id, {DIALING}, PROCEEDING)

    def hold(self, interaction_id: str) -> None:
        """Put a connected interaction on hold."""
        self._move(interaction_id, {CONNECTED}, HELD)

    def resume(self, interaction_id: str) -> None:
        """Take a held interaction off hold."""
        self._move(interaction_id, {HELD}, CONNECTED)

    def disconnect(self, interaction_id: str, *, by: Side = "remote") -> None:
        """End an interaction: ``E`` when the far end hangs up, ``I`` when the user does.

        It stays on the queue, disconnected, for ``removal_delay`` seconds [doc].
        """
        if by not in {"remote", "local"}:
            raise ValueError("by must be 'remote' or 'local'.")
        interaction = self._get(interaction_id)
        if interaction.disconnected:
            raise ValueError("The interaction is already disconnected.")
        self.set_state(
            interaction_id,
            DISCONNECTED_REMOTE if by == "remote" else DISCONNECTED_LOCAL,
        )

    def remove(self, interaction_id: str) -> None:
        """Take an interaction off its queue now."""
        interaction = self._interactions[interaction_id]
        before = self.on_phone(interaction.user_id)
        del self._interactions[interaction_id]
        for timers in (self._removals, self._proceeds):
            handle = timers.pop(interaction_id, None)
            if handle is not None:
                handle.cancel()
        self._publish_removed(interaction_id)
        self._after_change(interaction.user_id, before)

    def _schedule_removal(self, interaction_id: str) -> None:
        if self.removal_delay is None or interaction_id in self._removals:
            return
        loop = asyncio.get_running_loop()
        self._removals[interaction_id] = loop.call_later(
            self.removal_delay, self._expire, interaction_id
        )

    def stop(self) -> None:
        """Take the disconnected interactions away now (the server goes down)."""
        for handle in self._proceeds.values():
            handle.cancel()
        self._proceeds.clear()
        for interaction_id in list(self._removals):
            self._expire(interaction_id)

    def _expire(self, interaction_id: str) -> None:
        handle = self._removals.pop(interaction_id, None)
        if handle is not None:
            handle.cancel()
        if interaction_id in self._interactions:
            self.remove(interaction_id)
