"""Workgroup queues on the simulated server and the statistics a wallboard watches.

docs/icws-protocol.md §17. Each workgroup of ``workgroups.py`` has a queue here: calls that
arrive, wait, are answered, held and completed or abandoned, and agents logged in and
available. The statistics are worked out from it (or set outright by a test), and each
session's one statistic-values subscription is sent the values of its keys: all of them
after each PUT, then only those that changed. The HTTP routes are in ``statistics_http.py``.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from . import protocol
from .session_table import SessionTable
from .sessions import SimSession
from .workgroups import WorkgroupState

TYPE_STATISTIC_VALUE_MESSAGE: Final = "urn:inin.com:statistics:statisticValueMessage"
WORKGROUP_PARAMETER: Final = "ININ.People.WorkgroupStats:Workgroup"
INTERVAL_PARAMETER: Final = "ININ.Queue:Interval"
# [guess] The simulator has one period: both intervals count the same calls.
INTERVALS: Final = ("CurrentPeriod", "CurrentShift")
WORKGROUP_PREFIX: Final = "inin.workgroup:"
# The name of the subscription in ``SimSession.subscriptions`` (one per session [doc]).
SUBSCRIPTION: Final = "statistics/statistic-values"

# statisticValueType numbers and the names in each value's __type [doc].
INT, DOUBLE, STRING, BOOL, TIME_STAMP, TIME_DURATION, DURATION = range(7)
PERCENT: Final = 9
ERROR: Final = 12
_TYPE_NAMES: Final = {
    INT: "Int",
    DOUBLE: "Double",
    STRING: "String",
    BOOL: "Bool",
    TIME_STAMP: "TimeStamp",
    TIME_DURATION: "TimeDuration",
    DURATION: "Duration",
    PERCENT: "Percent",
    ERROR: "Error",
}
# Error values [doc]; which one a server gives a user who may not see a statistic is a guess.
MALFORMED_KEY, UNKNOWN_KEY, PROVIDER_TOO_BUSY = 1, 2, 3
OTHER_ERROR: Final = 99


def compact(moment: datetime) -> str:
    """Write a date as ICWS does (``20160622T102319Z`` [seen])."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def wire_value(value_type: int, value: Any) -> dict[str, Any]:
    """Build a ``statisticValue`` of this type [doc][seen]."""
    return {
        "__type": f"urn:inin.com:statistics:statistic{_TYPE_NAMES[value_type]}Value",
        "value": value,
        "statisticValueType": value_type,
    }


class StatisticsHost(Protocol):
    """What the statistics part needs from the rest of the simulated server."""

    @property
    def sessions(self) -> SessionTable:
        """Return the sessions the server holds."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...


@dataclass
class WorkgroupQueue:
    """One workgroup's queue and agents, as the ACD counts them.

    ``waiting``, ``connected`` and ``held`` hold the time each call entered that state.
    ``values`` replaces a statistic's value (None: the server has none), ``errors`` gives a
    statistic an error value instead; both are keyed by the identifier after
    ``inin.workgroup:``.
    """

    waiting: list[datetime] = field(default_factory=list)
    connected: list[datetime] = field(default_factory=list)
    held: list[datetime] = field(default_factory=list)
    agents_total: int = 6
    agents_logged_in: int = 4
    agents_activated: int = 4
    agents_available: int = 2
    available_since: datetime | None = None
    entered: int = 0
    answered: int = 0
    abandoned: int = 0
    completed: int = 0
    wait_seconds: float = 0.0
    talk_seconds: float = 0.0
    values: dict[str, tuple[int, Any] | None] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


def _since(moments: Sequence[datetime]) -> str | None:
    return compact(min(moments)) if moments else None


def _average(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


# The workgroup statistics the server knows: identifier after "inin.workgroup:" -> its type,
# whether it needs an interval, and its value from the queue (None: no value). Identifiers
# and types as docs/icws-protocol.md §17 lists them; the types it leaves open are guesses.
type Reader = Callable[[WorkgroupQueue], Any]
CATALOGUE: Final[Mapping[str, tuple[int, bool, Reader]]] = {
    "InteractionsWaiting": (INT, False, lambda q: len(q.waiting)),
    # [seen] null while the queue is empty.
    "LongestWaitTime": (TIME_DURATION, False, lambda q: _since(q.waiting)),
    # [seen] null for an empty queue; [guess] that means one nobody is logged in to.
    "NumberAvailableForACDInteractions": (
        INT,
        False,
        lambda q: q.agents_available if q.agents_logged_in else None,
    ),
    "AgentsLoggedIn": (INT, False, lambda q: q.agents_logged_in),
    "AgentsLoggedInAndActivated": (INT, False, lambda q: q.agents_activated),
    "TotalAgents": (INT, False, lambda q: q.agents_total),
    "NotAvailable": (INT, False, lambda q: q.agents_logged_in - q.agents_available),
    "PercentAvailable": (
        PERCENT,
        False,
        lambda q: (
            round(100 * q.agents_available / q.agents_logged_in, 1)
            if q.agents_logged_in
            else None
        ),
    ),
    "LongestAvailable": (
        TIME_DURATION,
        False,
        lambda q: compact(q.available_since) if q.available_since else None,
    ),
    "OnInboundACDInteractions": (INT, False, lambda q: len(q.connected)),
    "InteractionsConnected": (INT, False, lambda q: len(q.connected)),
    "InteractionsOnHold": (INT, False, lambda q: len(q.held)),
    "LongestOnHoldTime": (TIME_DURATION, False, lambda q: _since(q.held)),
    "LongestInboundACDInteraction": (
        TIME_DURATION,
        False,
        lambda q: _since([*q.connected, *q.held]),
    ),
    "InteractionsEntered": (INT, True, lambda q: q.entered),
    "InteractionsAnswered": (INT, True, lambda q: q.answered),
    "InteractionsAbandoned": (INT, True, lambda q: q.abandoned),
    "InteractionsCompleted": (INT, True, lambda q: q.completed),
    "AverageWaitTime": (
        DURATION,
        True,
        lambda q: _average(q.wait_seconds, q.answered),
    ),
    "AverageTalkTime": (
        DURATION,
        True,
        lambda q: _average(q.talk_seconds, q.completed),
    ),
}
CALL_ACTIONS: Final = ("arrive", "answer", "abandon", "hold", "resume", "complete")


@dataclass(frozen=True, slots=True)
class _Key:
    """One statistic key a session subscribed, as sent, and the workgroup it names."""

    wire: Mapping[str, Any]
    identifier: str
    parameters: Mapping[str, str]  # parameterTypeId -> value

    @property
    def workgroup_key(self) -> str | None:
        value = self.parameters.get(WORKGROUP_PARAMETER)
        return None if value is None else value.casefold()


@dataclass
class _Subscription:
    """A session's statistic-values subscription: its keys and what was last sent."""

    user_key: str
    keys: list[_Key]
    by_workgroup: dict[str | None, list[int]]
    sent: dict[int, str] = field(default_factory=dict)  # key index -> JSON of the value


class MalformedKeysError(ValueError):
    """The ``statisticKeys`` of a subscription are malformed: the server answers 400."""


def parse_keys(raw: object) -> list[_Key]:
    """Read ``statisticKeys``; raise :class:`MalformedKeysError` for a malformed list."""
    if not isinstance(raw, list):
        raise MalformedKeysError("The property 'statisticKeys' is required.")
    keys = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(
            item.get("statisticIdentifier"), str
        ):
            raise MalformedKeysError(
                "Each statistic key needs a 'statisticIdentifier'."
            )
        items = item.get("parameterValueItems", [])
        if not isinstance(items, list):
            raise MalformedKeysError("'parameterValueItems' must be a list.")
        parameters: dict[str, str] = {}
        for parameter in items:
            if not isinstance(parameter, dict):
                raise MalformedKeysError("Each parameter value item must be an object.")
            type_id, value = parameter.get("parameterTypeId"), parameter.get("value")
            if not isinstance(type_id, str) or not isinstance(value, str):
                raise MalformedKeysError(
                    "A parameter needs 'parameterTypeId' and 'value'."
                )
            parameters[type_id] = value
        keys.append(_Key(item, item["statisticIdentifier"], parameters))
    return keys


class StatisticsState:
    """The queues, the statistic subscriptions and the parameter-values query.

    ``version`` is the ``statistics`` feature version the server announces (0: none; the
    routes then answer 404). ``denied_users`` may not see workgroup statistics: the query
    lists no workgroup for them and every value they subscribe is an error value
    [guess: the vendor names error values the in-band failure of a key]. ``max_results``
    caps how many values the query lists whatever the client asks (None: no cap), as a
    server's own limits may [guess]. ``clock`` gives the times calls enter a state; tests
    may replace it.
    """

    def __init__(
        self,
        host: StatisticsHost,
        workgroups: WorkgroupState,
        *,
        version: int = 1,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Give each workgroup a queue with a few agents and no calls."""
        self._host = host
        self._workgroups = workgroups
        self.version = version
        self.clock = clock
        self.denied_users: set[str] = set()
        self.max_results: int | None = None
        self._queues: dict[str, WorkgroupQueue] = {}
        workgroups.on_change.append(self.refresh)

    # ---- queues ----------------------------------------------------------------------

    def queue(self, workgroup: str) -> WorkgroupQueue:
        """Return a workgroup's queue; KeyError for a workgroup the server does not have."""
        found = self._workgroups.find(workgroup)
        if found is None:
            raise KeyError(workgroup)
        queue = self._queues.get(found.key)
        if queue is None:
            queue = self._queues[found.key] = WorkgroupQueue(
                available_since=self.clock()
            )
        return queue

    def change(self, workgroup: str, **fields: Any) -> None:
        """Set fields of a workgroup's queue (agent counts, ``values``, ``errors``)."""
        queue = self.queue(workgroup)
        for name, value in fields.items():
            if not hasattr(queue, name):
                raise ValueError(f"no queue field {name}")
            setattr(queue, name, value)
        self.refresh(workgroup.casefold())

    def set_value(self, workgroup: str, identifier: str, value: Any) -> None:
        """Give a statistic this value (None: no value), of its catalogue type."""
        short = identifier.removeprefix(WORKGROUP_PREFIX)
        if short not in CATALOGUE:
            raise KeyError(identifier)
        queue = self.queue(workgroup)
        queue.errors.pop(short, None)
        queue.values[short] = None if value is None else (CATALOGUE[short][0], value)
        self.refresh(workgroup.casefold())

    def set_error(self, workgroup: str, identifier: str, code: int) -> None:
        """Give a statistic an error value with this code (1, 2, 3 or 99 [doc])."""
        short = identifier.removeprefix(WORKGROUP_PREFIX)
        self.queue(workgroup).errors[short] = code
        self.refresh(workgroup.casefold())

    def reset(self, workgroup: str) -> None:
        """Drop the values and errors set outright: the queue decides again."""
        queue = self.queue(workgroup)
        queue.values.clear()
        queue.errors.clear()
        self.refresh(workgroup.casefold())

    def calls(self, workgroup: str, action: str, count: int = 1) -> None:
        """Move calls through a workgroup's queue, as callers and agents would.

        ``arrive``: calls enter and wait. ``answer``: the longest waiting are answered by
        available agents. ``abandon``: the longest waiting callers hang up. ``hold`` and
        ``resume``: connected calls go on hold and back. ``complete``: the oldest connected
        calls end and their agents are available again.
        """
        if action not in CALL_ACTIONS:
            raise ValueError(f"unknown call action: {action}")
        queue = self.queue(workgroup)
        now = self.clock()
        for _ in range(count):
            self._call(queue, action, now)
        self.refresh(workgroup.casefold())

    @staticmethod
    def _call(queue: WorkgroupQueue, action: str, now: datetime) -> None:
        if action == "arrive":
            queue.waiting.append(now)
            queue.entered += 1
        elif action in {"answer", "abandon"} and queue.waiting:
            arrived = queue.waiting.pop(0)
            if action == "abandon":
                queue.abandoned += 1
                return
            queue.answered += 1
            queue.wait_seconds += (now - arrived).total_seconds()
            queue.connected.append(now)
            queue.agents_available = max(0, queue.agents_available - 1)
            if not queue.agents_available:
                queue.available_since = None
        elif action == "hold" and queue.connected:
            queue.connected.pop(0)
            queue.held.append(now)
        elif action == "resume" and queue.held:
            queue.held.pop(0)
            queue.connected.append(now)
        elif action == "complete" and queue.connected:
            started = queue.connected.pop(0)
            queue.completed += 1
            queue.talk_seconds += (now - started).total_seconds()
            if queue.agents_available < queue.agents_logged_in:
                if not queue.agents_available:
                    queue.available_since = now
                queue.agents_available += 1

    # ---- values ----------------------------------------------------------------------

    def value(self, key: _Key, user_key: str) -> dict[str, Any] | None:
        """Return the ``statisticValue`` a user's subscription gets for a key."""
        if user_key in self.denied_users:
            return wire_value(ERROR, OTHER_ERROR)
        short = key.identifier.removeprefix(WORKGROUP_PREFIX)
        spec = (
            CATALOGUE.get(short)
            if key.identifier.startswith(WORKGROUP_PREFIX)
            else None
        )
        if spec is None:
            return wire_value(ERROR, UNKNOWN_KEY)
        value_type, needs_interval, read = spec
        name = key.parameters.get(WORKGROUP_PARAMETER)
        if name is None or (
            needs_interval and key.parameters.get(INTERVAL_PARAMETER) not in INTERVALS
        ):
            return wire_value(ERROR, MALFORMED_KEY)
        if self._workgroups.find(name) is None:
            return wire_value(ERROR, UNKNOWN_KEY)
        queue = self.queue(name)
        if short in queue.errors:
            return wire_value(ERROR, queue.errors[short])
        if short in queue.values:
            given = queue.values[short]
            return None if given is None else wire_value(*given)
        value = read(queue)
        return None if value is None else wire_value(value_type, value)

    def _change(self, key: _Key, value: dict[str, Any] | None) -> dict[str, Any]:
        return {"statisticKey": dict(key.wire), "statisticValue": value}

    def _send(
        self, session: SimSession, changes: list[dict[str, Any]], *, is_delta: bool
    ) -> None:
        session.push(
            protocol.dumps(
                {
                    "__type": TYPE_STATISTIC_VALUE_MESSAGE,
                    "isDelta": is_delta,
                    "statisticValueChanges": changes,
                }
            )
        )

    def watch(self, session: SimSession, keys: list[_Key]) -> None:
        """Start or replace the session's subscription: a PUT replaces the set [guess].

        The values of every key follow at once, as a full message [guess].
        """
        user_key = session.user_id.casefold()
        by_workgroup: dict[str | None, list[int]] = {}
        for index, key in enumerate(keys):
            by_workgroup.setdefault(key.workgroup_key, []).append(index)
        subscription = _Subscription(user_key, keys, by_workgroup)
        session.subscriptions[SUBSCRIPTION] = subscription
        changes = []
        for index, key in enumerate(keys):
            value = self.value(key, user_key)
            subscription.sent[index] = protocol.dumps(value) if value else "null"
            changes.append(self._change(key, value))
        self._send(session, changes, is_delta=False)
        self._host.pulse()

    def unwatch(self, session: SimSession) -> None:
        """Stop the session's subscription."""
        session.subscriptions.pop(SUBSCRIPTION, None)
        self._host.pulse()

    def refresh(self, workgroup_key: str) -> None:
        """Send each subscription the values of the workgroup's keys that changed."""
        for session in self._host.sessions.subscribers(SUBSCRIPTION):
            subscription: _Subscription = session.subscriptions[SUBSCRIPTION]
            changes = []
            for index in subscription.by_workgroup.get(workgroup_key, ()):
                key = subscription.keys[index]
                value = self.value(key, subscription.user_key)
                text = protocol.dumps(value) if value else "null"
                if subscription.sent.get(index) != text:
                    subscription.sent[index] = text
                    changes.append(self._change(key, value))
            if changes:
                self._send(session, changes, is_delta=True)
        self._host.pulse()

    def refresh_all(self) -> None:
        """Send every subscription what changed, for every workgroup."""
        for key in {
            workgroup
            for session in self._host.sessions.subscribers(SUBSCRIPTION)
            for workgroup in session.subscriptions[SUBSCRIPTION].by_workgroup
            if workgroup is not None
        }:
            self.refresh(key)

    def deny(self, user_id: str, denied: bool = True) -> None:
        """Hide workgroup statistics from a user (or show them again)."""
        if not self._workgroups.knows_user(user_id):
            raise KeyError(user_id)
        if denied:
            self.denied_users.add(user_id.casefold())
        else:
            self.denied_users.discard(user_id.casefold())
        self.refresh_all()

    # ---- the parameter-values query --------------------------------------------------

    def parameter_values(
        self,
        session: SimSession,
        parameter_type_id: str,
        text_filter: str | None = None,
        max_to_return: int | None = None,
    ) -> dict[str, Any]:
        """Answer ``POST .../statistic-parameter-values/queries`` [doc].

        Workgroups the user may see, or the intervals; ``filter`` keeps values that contain
        it, ignoring case [guess: the docs leave its meaning open]. ValueError for a
        parameter type the server does not list (400 [guess]).
        """
        if parameter_type_id == WORKGROUP_PARAMETER:
            hidden = session.user_id.casefold() in self.denied_users
            values = [
                (workgroup.name, workgroup.name, workgroup.description)
                for workgroup in (
                    [] if hidden else self._workgroups.workgroups.values()
                )
            ]
        elif parameter_type_id == INTERVAL_PARAMETER:
            values = [(interval, interval, "") for interval in INTERVALS]
        else:
            raise ValueError(f"unknown parameter type {parameter_type_id}")
        if text_filter:
            values = [v for v in values if text_filter.casefold() in v[0].casefold()]
        total = len(values)
        for limit in (max_to_return, self.max_results):
            if limit is not None:
                values = values[:limit]
        return {
            "totalResultsAvailable": total,
            "parameterValues": [
                {"value": value, "displayString": shown, "description": description}
                for value, shown, description in values
            ],
        }

    # ---- control snapshot ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Describe each workgroup's queue and who subscribed (for the control routes)."""
        return {
            "version": self.version,
            "deniedUsers": sorted(self.denied_users),
            "queues": {
                workgroup.name: _describe(self.queue(workgroup.name))
                for workgroup in self._workgroups.workgroups.values()
            },
            "subscriptions": {
                session.session_id: len(session.subscriptions[SUBSCRIPTION].keys)
                for session in self._host.sessions.subscribers(SUBSCRIPTION)
            },
        }


def _describe(queue: WorkgroupQueue) -> dict[str, Any]:
    return {
        "waiting": [compact(moment) for moment in queue.waiting],
        "connected": len(queue.connected),
        "onHold": len(queue.held),
        "agentsTotal": queue.agents_total,
        "agentsLoggedIn": queue.agents_logged_in,
        "agentsActivated": queue.agents_activated,
        "agentsAvailable": queue.agents_available,
        "entered": queue.entered,
        "answered": queue.answered,
        "abandoned": queue.abandoned,
        "completed": queue.completed,
        "values": {k: None if v is None else v[1] for k, v in queue.values.items()},
        "errors": dict(queue.errors),
    }


def queue_fields(body: Mapping[str, Any]) -> dict[str, int]:
    """Read the agent counts a control request sets (each optional, an int)."""
    found: dict[str, int] = {}
    for name in (
        "agents_total",
        "agents_logged_in",
        "agents_activated",
        "agents_available",
    ):
        if name in body:
            value = body[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise TypeError(f"{name} must be a whole number")
            found[name] = value
    return found


def identifiers(value: object, key: str) -> Iterable[tuple[str, Any]]:
    """Read a control request's map of statistic identifiers to values."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"{key} must be an object of statistic identifiers")
    return value.items()
