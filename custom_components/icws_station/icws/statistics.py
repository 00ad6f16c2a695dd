"""Statistics for a wallboard: statistic keys, their typed values, and their messages.

``docs/icws-protocol.md`` §17. A key is a statistic identifier with parameter items (for a
workgroup's statistics, the workgroup; for some, an interval too). A session has one
statistic-values subscription, whose PUT replaces the key set [guess]. Each value is read by
its ``statisticValueType`` (its ``__type`` names the same when the number is missing),
never by guessing from the JSON: a count, a percentage, a duration in seconds, a date from
which a duration runs, or an error code. ``null`` means the server has no value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
from typing import Any, Final, Self

from .enums import TolerantIntEnum
from .fields import (
    InvalidFieldError,
    boolean,
    folded,
    integer,
    is_delta,
    object_list,
    string,
    text,
    timestamp,
)

_LOGGER = logging.getLogger(__name__)

STATISTIC_VALUE_MESSAGE: Final = "urn:inin.com:statistics:statisticValueMessage"
WORKGROUP_PARAMETER: Final = "ININ.People.WorkgroupStats:Workgroup"
INTERVAL_PARAMETER: Final = "ININ.Queue:Interval"
CURRENT_PERIOD: Final = "CurrentPeriod"
CURRENT_SHIFT: Final = "CurrentShift"
_VALUE_TYPE_PREFIX: Final = "urn:inin.com:statistics:statistic"


class StatisticValueType(TolerantIntEnum):
    """``statisticValueType``: what a value's ``value`` holds [doc]."""

    INT = 0
    DOUBLE = 1
    STRING = 2
    BOOL = 3
    TIME_STAMP = 4
    TIME_DURATION = 5  # a date; the duration runs from it [guess]
    DURATION = 6  # seconds
    FUTURE_DURATION = 7  # seconds
    FINITE_DURATION = 8
    PERCENT = 9
    STATUS_MESSAGE_KEY = 10
    WEIGHTED_PERCENT = 11
    ERROR = 12


# The name in a value's ``__type`` (``statistic<Name>Value``) of each type [doc].
_TYPE_NAMES: Final = {
    "int": StatisticValueType.INT,
    "double": StatisticValueType.DOUBLE,
    "string": StatisticValueType.STRING,
    "bool": StatisticValueType.BOOL,
    "timestamp": StatisticValueType.TIME_STAMP,
    "timeduration": StatisticValueType.TIME_DURATION,
    "duration": StatisticValueType.DURATION,
    "futureduration": StatisticValueType.FUTURE_DURATION,
    "finiteduration": StatisticValueType.FINITE_DURATION,
    "percent": StatisticValueType.PERCENT,
    "statusmessagekey": StatisticValueType.STATUS_MESSAGE_KEY,
    "statusmessage": StatisticValueType.STATUS_MESSAGE_KEY,
    "weightedpercent": StatisticValueType.WEIGHTED_PERCENT,
    "error": StatisticValueType.ERROR,
}


class StatisticError(TolerantIntEnum):
    """The code of an error value: the server's in-band failure for one key [doc]."""

    MALFORMED_STATISTIC_KEY = 1
    UNKNOWN_STATISTIC_KEY = 2
    STATISTIC_PROVIDER_TOO_BUSY = 3
    OTHER = 99


@dataclass(frozen=True, slots=True, eq=False)
class StatisticKey:
    """A statistic identifier with its parameter items, as subscribed and as reported.

    Two keys are the same when the identifier and the set of parameter items are, in any
    order and whatever the case of the values [guess: the server echoes the key sent].
    """

    identifier: str
    parameters: tuple[tuple[str, str], ...] = ()
    _match: tuple[str, frozenset[tuple[str, str]]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Work out once what the key is compared and hashed by."""
        object.__setattr__(
            self,
            "_match",
            (
                self.identifier.casefold(),
                frozenset(
                    (type_id.casefold(), value.casefold())
                    for type_id, value in self.parameters
                ),
            ),
        )

    def __eq__(self, other: object) -> bool:
        """Compare by identifier and parameter items, ignoring order and case."""
        return isinstance(other, StatisticKey) and self._match == other._match

    def __hash__(self) -> int:
        """Hash as compared."""
        return hash(self._match)

    @classmethod
    def workgroup(
        cls, identifier: str, workgroup: str, interval: str | None = None
    ) -> Self:
        """Return the key of a workgroup statistic (with ``interval`` for per-interval ones)."""
        parameters = [(WORKGROUP_PARAMETER, workgroup)]
        if interval is not None:
            parameters.append((INTERVAL_PARAMETER, interval))
        return cls(identifier, tuple(parameters))

    def parameter(self, parameter_type_id: str) -> str | None:
        """Return the value of a parameter item (None: the key has none)."""
        wanted = parameter_type_id.casefold()
        return next(
            (
                value
                for type_id, value in self.parameters
                if type_id.casefold() == wanted
            ),
            None,
        )

    def to_wire(self) -> dict[str, Any]:
        """Return the key as a subscription names it [doc]."""
        return {
            "statisticIdentifier": self.identifier,
            "parameterValueItems": [
                {"parameterTypeId": type_id, "value": value}
                for type_id, value in self.parameters
            ],
        }


def statistic_key(raw: object) -> StatisticKey:
    """Read a ``statisticKey``; raises :class:`InvalidFieldError` without an identifier."""
    if not isinstance(raw, dict):
        raise InvalidFieldError
    wire = folded(raw)
    parameters = []
    for item in object_list(wire.get("parametervalueitems")):
        entry = folded(item)
        parameters.append(
            (string(entry.get("parametertypeid")), string(entry.get("value")))
        )
    return StatisticKey(string(wire.get("statisticidentifier")), tuple(parameters))


@dataclass(frozen=True, slots=True)
class FiniteDuration:
    """A ``FiniteDuration``: time counted so far, and whether it is still counting.

    [guess] ``stoppedTimeSpan`` is seconds; the count runs on from ``startTickingTime``.
    """

    stopped: timedelta
    started: datetime | None
    ticking: bool

    def elapsed(self, now: datetime) -> timedelta:
        """Return the duration at ``now``."""
        if self.ticking and self.started is not None:
            return self.stopped + max(now - self.started, timedelta())
        return self.stopped


type StatisticScalar = (
    int | float | str | bool | datetime | timedelta | FiniteDuration | StatisticError
)


@dataclass(frozen=True, slots=True)
class StatisticValue:
    """A statistic's value, typed by its ``statisticValueType``.

    ``value`` holds: an ``int`` (Int), a ``float`` (Double, Percent, WeightedPercent), a
    ``str`` (String, StatusMessageKey), a ``bool`` (Bool), a ``datetime`` (TimeStamp, and
    TimeDuration: the moment the duration runs from), a ``timedelta`` (Duration,
    FutureDuration), a :class:`FiniteDuration`, or a :class:`StatisticError` (Error).
    """

    value_type: StatisticValueType
    value: StatisticScalar

    @property
    def error(self) -> StatisticError | None:
        """Return the error code of an error value (None: a real value)."""
        return self.value if isinstance(self.value, StatisticError) else None

    @property
    def ticking(self) -> bool:
        """Whether the value grows by itself as time passes (a running duration)."""
        if self.value_type is StatisticValueType.TIME_DURATION:
            return True
        return isinstance(self.value, FiniteDuration) and self.value.ticking

    def number(self, now: datetime) -> float | None:
        """Return the value as a number at ``now``, for a gauge.

        Counts and percentages as they are, booleans as 1 or 0, durations in seconds (a
        TimeDuration: the time since its date). None for text, dates and errors.
        """
        value = self.value
        if isinstance(value, StatisticError | str):
            return None
        if isinstance(value, bool | int | float):
            return float(value)
        if isinstance(value, timedelta):
            return value.total_seconds()
        if isinstance(value, FiniteDuration):
            return value.elapsed(now).total_seconds()
        if self.value_type is StatisticValueType.TIME_DURATION:
            return max(now - value, timedelta()).total_seconds()
        return None


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFieldError
    return float(value)


def _seconds(value: object) -> timedelta:
    try:
        return timedelta(seconds=_number(value))
    except OverflowError as err:  # more days than a timedelta holds
        raise InvalidFieldError from err


def _finite_duration(value: object) -> FiniteDuration:
    if not isinstance(value, dict):
        raise InvalidFieldError
    wire = folded(value)
    stopped = wire.get("stoppedtimespan")
    started = wire.get("starttickingtime")
    return FiniteDuration(
        stopped=timedelta() if stopped is None else _seconds(stopped),
        started=None if started is None else timestamp(started),
        ticking=boolean(wire.get("ticking")),
    )


def _integer(value: object) -> int:
    """Read an Int; a whole float (``3.0``) is tolerated."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return integer(value)


def _text(value: object) -> str:
    found = text(value)
    if found is None:
        raise InvalidFieldError
    return found


def _error(value: object) -> StatisticError:
    return StatisticError(integer(value))


_READERS: Final[Mapping[StatisticValueType, Callable[[object], StatisticScalar]]] = {
    StatisticValueType.INT: _integer,
    StatisticValueType.DOUBLE: _number,
    StatisticValueType.STRING: _text,
    StatisticValueType.BOOL: boolean,
    StatisticValueType.TIME_STAMP: timestamp,
    StatisticValueType.TIME_DURATION: timestamp,
    StatisticValueType.DURATION: _seconds,
    StatisticValueType.FUTURE_DURATION: _seconds,
    StatisticValueType.FINITE_DURATION: _finite_duration,
    StatisticValueType.PERCENT: _number,
    StatisticValueType.STATUS_MESSAGE_KEY: _text,
    StatisticValueType.WEIGHTED_PERCENT: _number,
    StatisticValueType.ERROR: _error,
}


def _value_type(wire: Mapping[str, Any]) -> StatisticValueType:
    """Read the type: ``statisticValueType``, else the name in ``__type`` [doc]."""
    number = wire.get("statisticvaluetype")
    if number is not None:
        return StatisticValueType(integer(number))
    kind = wire.get("__type")
    if isinstance(kind, str) and kind.startswith(_VALUE_TYPE_PREFIX):
        name = kind.removeprefix(_VALUE_TYPE_PREFIX).removesuffix("Value").casefold()
        if name in _TYPE_NAMES:
            return _TYPE_NAMES[name]
    raise InvalidFieldError


def statistic_value(raw: object) -> StatisticValue | None:
    """Read a ``statisticValue``: None for ``null`` (no value).

    Raises :class:`InvalidFieldError` when its type is unknown or its ``value`` does not
    fit the type.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidFieldError
    wire = folded(raw)
    value_type = _value_type(wire)
    reader = _READERS.get(value_type)
    if reader is None:
        raise InvalidFieldError
    return StatisticValue(value_type, reader(wire.get("value")))


@dataclass(frozen=True, slots=True)
class StatisticValueChange:
    """One key's new value (None: the server has no value for it now)."""

    key: StatisticKey
    value: StatisticValue | None


@dataclass(frozen=True, slots=True)
class StatisticValueMessage:
    """A ``statisticValueMessage``: values of the subscription's keys.

    [guess] A full message (``is_delta`` false, as after each PUT) gives every key; a
    delta only the keys whose value changed.
    """

    is_delta: bool
    changes: tuple[StatisticValueChange, ...]

    def apply(
        self, current: Mapping[StatisticKey, StatisticValue | None]
    ) -> dict[StatisticKey, StatisticValue | None]:
        """Return the values after this message: replaced (full) or merged (delta)."""
        result = dict(current) if self.is_delta else {}
        for change in self.changes:
            result[change.key] = change.value
        return result


def statistic_value_message(raw: Mapping[str, Any]) -> StatisticValueMessage:
    """Parse a ``statisticValueMessage``; a malformed change is skipped, not the message."""
    wire = folded(raw)
    changes: list[StatisticValueChange] = []
    for item in object_list(wire.get("statisticvaluechanges")):
        entry = folded(item)
        try:
            changes.append(
                StatisticValueChange(
                    statistic_key(entry.get("statistickey")),
                    statistic_value(entry.get("statisticvalue")),
                )
            )
        except InvalidFieldError:
            _LOGGER.debug("Ignoring a malformed statistic value change")
    return StatisticValueMessage(is_delta(wire), tuple(changes))


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One value a parameter may take (a workgroup, an interval), as the server lists it."""

    value: str
    display_string: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ParameterValues:
    """The answer to a parameter-values query: the values, and how many there are in all."""

    values: tuple[ParameterValue, ...]
    total: int


def parameter_values(raw: object) -> ParameterValues:
    """Read a parameter-values query's answer; values without ``value`` are skipped."""
    if not isinstance(raw, dict):
        raise InvalidFieldError
    wire = folded(raw)
    values = []
    for item in object_list(wire.get("parametervalues")):
        entry = folded(item)
        value = entry.get("value")
        if not isinstance(value, str) or not value:
            continue
        shown = entry.get("displaystring")
        description = entry.get("description")
        values.append(
            ParameterValue(
                value,
                shown if isinstance(shown, str) and shown else value,
                description if isinstance(description, str) and description else None,
            )
        )
    total = wire.get("totalresultsavailable")
    return ParameterValues(
        tuple(values),
        total
        if isinstance(total, int) and not isinstance(total, bool)
        else len(values),
    )


def statistic_keys_body(keys: Iterable[StatisticKey]) -> dict[str, Any]:
    """Return the body of the statistic-values subscription for ``keys`` (each once)."""
    return {"statisticKeys": [key.to_wire() for key in dict.fromkeys(keys)]}
