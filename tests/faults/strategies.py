"""Hypothesis strategies for what a hostile or broken ICWS server could send.

A :class:`Hostile` message changes nothing the integration shows, by construction: the client
must drop it (bad JSON, wrong types, unknown types, oversized) or find that it repeats what it
already knows (repeats, nulls, unknown fields, a full message missing a required field). Many
carry a change of the station inside, so that a parser that let them through would show it.
Each is rendered against the server's current station (its wire fields), since repeats
must repeat what the server currently says.

A :class:`Tolerated` message is one the tolerant parser accepts although no server should
send it: unknown enum numbers, odd strings, wrongly typed optional fields. It does change
the station.

A :class:`RealChange` is a change made on the server (``stations.change``): the valid deltas
mixed into a storm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json
from typing import Any, Final
import warnings

from hypothesis import HealthCheck, Phase, given, seed, settings, strategies as st
from hypothesis.errors import HypothesisWarning

from icws_simulator import StationChanges

STATION_TYPE: Final = "urn:inin.com:connection:stationConnectionStateChangeMessage"
CONNECTION_TYPE: Final = "urn:inin.com:connection:connectionStateChangeMessage"
KNOWN_TYPES: Final = (STATION_TYPE, CONNECTION_TYPE)
REQUIRED: Final = ("id", "extension", "stationSetting")
OPTIONAL_TEXT: Final = (
    "sipAddress",
    "sipUser",
    "remoteNumber",
    "managedIPPhone",
    "emergencyResponderLocationID",
)
OPTIONAL_FLAGS: Final = ("canBeDialed", "ringAlways")
# The seed of every draw_examples: the same examples on every run.
SEED: Final = 20_161
# An event larger than this is dropped by the client's event-stream decoder.
MAX_EVENT_BYTES: Final = 1 << 20

type Wire = dict[str, Any]


def dumps(value: object) -> str:
    """Serialise as the server does."""
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class Hostile:
    """A message that must change nothing; ``render`` makes its text for a station."""

    kind: str
    render: Callable[[Wire], str]

    def __repr__(self) -> str:
        """Name the kind (hypothesis prints it for a failing example)."""
        return f"Hostile({self.kind})"


@dataclass(frozen=True)
class Tolerated:
    """A message the parser accepts although it is odd; it changes the station."""

    kind: str
    message: Wire


@dataclass(frozen=True)
class RealChange:
    """A change of WS-114 on the server."""

    changes: StationChanges


# ---- building blocks ---------------------------------------------------------------------

# Text a server could put on the wire: any character a UTF-8 encoder accepts.
texts = st.text(st.characters(codec="utf-8"), max_size=40)
integers = st.integers(min_value=-(2**70), max_value=2**70)
floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | integers | floats | texts
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3)
    ),
    max_leaves=4,
)
containers = st.lists(json_values, max_size=2) | st.dictionaries(
    texts, json_values, max_size=2
)
# Values of any type but one (and not null), built directly: filters would be slow.
not_text = st.booleans() | integers | floats | containers
not_integer = st.booleans() | floats | texts | containers
not_flag = integers | floats | texts | containers
not_object = (
    st.booleans() | integers | floats | texts | st.lists(json_values, max_size=3)
)
unknown_types = (
    st.sampled_from(
        [
            STATION_TYPE.upper(),
            f"{STATION_TYPE} ",
            STATION_TYPE.rsplit(":", 1)[0],
            "urn:inin.com:status:userStatusMessage",
            "",
        ]
    )
    | texts.filter(lambda text: text not in KNOWN_TYPES)
    | st.booleans()
    | integers
    | floats
    | containers
)
# Every key the client reads, in a message or in a station.
KNOWN_KEYS: Final = frozenset(
    {
        "__type",
        "isDelta",
        "newStationInfo",
        "previousStationInfo",
        "newConnectionState",
        *REQUIRED,
        *OPTIONAL_TEXT,
        *OPTIONAL_FLAGS,
        "sipPassword",
        "allowedMediaTypes",
    }
)
# What a server could put in a field nobody reads.
junk_fields = st.dictionaries(
    texts.filter(lambda key: key not in KNOWN_KEYS), json_values, max_size=3
)
# The station fields the client knows, other than the required ones.
station_fields = st.sampled_from(
    [*OPTIONAL_TEXT, *OPTIONAL_FLAGS, "sipPassword", "allowedMediaTypes"]
)


def nested(depth: int, leaf: str = "0") -> str:
    """JSON text of ``depth`` nested arrays."""
    return "[" * depth + leaf + "]" * depth


def changed(current: Wire) -> Wire:
    """The current station with a visible change: what a dropped message must not show."""
    return {
        **current,
        "extension": f"{current['extension']}9",
        "canBeDialed": not current["canBeDialed"],
    }


def station_message(info: object, *, is_delta: object = True, **extra: Any) -> Wire:
    """A station message around ``info`` (a station's fields, or anything a server sends)."""
    return {
        "__type": STATION_TYPE,
        "isDelta": is_delta,
        "newStationInfo": info,
        **extra,
    }


def required(current: Wire) -> Wire:
    """The fields every delta carries, as the server has them."""
    return {name: current[name] for name in REQUIRED}


# ---- messages that must change nothing ---------------------------------------------------
# Every strategy is built once, here: hypothesis validates a strategy when it first draws
# from it, which costs more than the draw when done for each message.

_booleans = st.booleans()
_fractions = st.floats(min_value=0.0, max_value=0.99)
_required_names = st.sampled_from(REQUIRED)
_unknown_settings = st.integers(min_value=4, max_value=2**40)
_not_down = (
    integers.filter(lambda number: number != 2)
    | texts.filter(lambda text: text.upper() != "DOWN")
    | _booleans
    | floats
    | containers
)
_depths = st.integers(min_value=1, max_value=100_000)
_nesting_places = st.sampled_from(["alone", "unknown field", "required field"])
_huge_places = st.sampled_from(["unknown field", "type", "reason"])
_huge_sizes = st.integers(min_value=1, max_value=64 * 1024)
_chars = st.characters(codec="utf-8")
_repeat_shapes = st.sampled_from(["full", "flat", "delta"])
_field_subsets = st.sets(station_fields)
_nullable = st.sets(st.sampled_from([*REQUIRED, *OPTIONAL_TEXT, *OPTIONAL_FLAGS]))
_wrong_texts = st.dictionaries(st.sampled_from(OPTIONAL_TEXT), not_text)
_wrong_flags = st.dictionaries(st.sampled_from(OPTIONAL_FLAGS), not_flag)
_wrong_media = (
    _booleans
    | integers
    | floats
    | texts
    | st.dictionaries(texts, json_values, max_size=2)
    | st.lists(not_integer, min_size=1, max_size=3)
)
_up_states = st.sampled_from([1, "up", "UP", "Up", 0, "none"])
_garbage = texts.filter(lambda text: not any(kind in text for kind in KNOWN_TYPES))


@st.composite
def garbage_text(draw: st.DrawFn) -> Hostile:
    """Text that is no message the client knows, valid JSON or not."""
    text = draw(_garbage)
    return Hostile("garbage text", lambda _: text)


@st.composite
def truncated(draw: st.DrawFn) -> Hostile:
    """A message carrying a change, cut short: not JSON any more."""
    fraction = draw(_fractions)

    def render(current: Wire) -> str:
        text = dumps(station_message(changed(current), is_delta=False))
        return text[: int(len(text) * fraction)] or "{"

    return Hostile("truncated", render)


@st.composite
def not_an_object(draw: st.DrawFn) -> Hostile:
    """A JSON value that is no object, or an array of such values."""
    value = draw(not_object)
    return Hostile("not an object", lambda _: dumps(value))


@st.composite
def unknown_type(draw: st.DrawFn) -> Hostile:
    """A message of a type the client does not know (or of no type), carrying a change."""
    kind = draw(unknown_types | st.none())
    extra = draw(junk_fields)

    def render(current: Wire) -> str:
        message = {**station_message(changed(current)), **extra}
        if kind is None:
            del message["__type"]
        else:
            message["__type"] = kind
        return dumps(message)

    return Hostile("unknown type", render)


@st.composite
def bad_is_delta(draw: st.DrawFn) -> Hostile:
    """``isDelta`` that is no boolean (null included), around a change."""
    value = draw(not_flag | st.none())
    return Hostile(
        "isDelta not a boolean",
        lambda current: dumps(station_message(changed(current), is_delta=value)),
    )


@st.composite
def bad_station_info(draw: st.DrawFn) -> Hostile:
    """``newStationInfo`` that is no object (nor null)."""
    value = draw(not_object)
    return Hostile(
        "newStationInfo not an object", lambda _: dumps(station_message(value))
    )


@st.composite
def bad_required_field(draw: st.DrawFn) -> Hostile:
    """A required field of the wrong type (an unknown stationSetting for company)."""
    name = draw(_required_names)
    value = draw(not_integer if name == "stationSetting" else not_text)
    flat = draw(_booleans)
    unknown_setting = draw(_unknown_settings)

    def render(current: Wire) -> str:
        info = {**changed(current), "stationSetting": unknown_setting, name: value}
        if flat:
            return dumps({"__type": STATION_TYPE, "isDelta": True, **info})
        return dumps(station_message(info))

    return Hostile(f"{name} of the wrong type", render)


@st.composite
def missing_required_field(draw: st.DrawFn) -> Hostile:
    """A full message lacking (or nulling) a required field: nothing to replace with."""
    name = draw(_required_names)
    as_null = draw(_booleans)

    def render(current: Wire) -> str:
        info = changed(current)
        if as_null:
            info[name] = None
        else:
            del info[name]
        return dumps(station_message(info, is_delta=False))

    return Hostile(f"full message without {name}", render)


@st.composite
def bad_connection_state(draw: st.DrawFn) -> Hostile:
    """A connection message that does not say "down"."""
    state = draw(_not_down)
    reason = draw(json_values)
    should_reconnect = draw(json_values)
    return Hostile(
        "connection state not down",
        lambda _: dumps(
            {
                "__type": CONNECTION_TYPE,
                "isDelta": False,
                "previousConnectionState": 2,
                "newConnectionState": state,
                "reason": reason,
                "shouldReconnect": should_reconnect,
            }
        ),
    )


def _with_raw_field(value: Wire, name: str, raw: str) -> str:
    """JSON text of the object ``value`` with one more field whose JSON text is ``raw``."""
    return f"{dumps(value)[:-1]},{dumps(name)}:{raw}}}"


def _station_message_text(info_text: str) -> str:
    return f'{{"__type":{dumps(STATION_TYPE)},"isDelta":true,"newStationInfo":{info_text}}}'


@st.composite
def deeply_nested(draw: st.DrawFn) -> Hostile:
    """Nesting deeper than any parser should follow, alone or in a message."""
    depth = draw(_depths)
    where = draw(_nesting_places)

    def render(current: Wire) -> str:
        if where == "alone":
            return nested(depth)
        if where == "unknown field":
            info = _with_raw_field(required(current), "deep", nested(depth))
        else:
            station = {k: v for k, v in changed(current).items() if k != "id"}
            info = _with_raw_field(station, "id", nested(depth))
        return _station_message_text(info)

    return Hostile(f"nested {where}", render)


@st.composite
def huge_string(draw: st.DrawFn) -> Hostile:
    """A huge string where nobody reads it (events over 1 MiB: see ``oversized``)."""
    where = draw(_huge_places)
    size = draw(_huge_sizes)
    char = draw(_chars)

    def render(current: Wire) -> str:
        text = char * size
        if where == "unknown field":
            return dumps(station_message({**required(current), "pad": text}))
        if where == "type":
            return dumps({**station_message(changed(current)), "__type": text})
        return dumps(
            {"__type": CONNECTION_TYPE, "newConnectionState": 1, "reason": text}
        )

    return Hostile(f"huge string ({where})", render)


# An event too large to accept, carrying a change: kept out of the random mix for speed.
oversized = Hostile(
    "event over 1 MiB",
    lambda current: dumps(
        station_message({**changed(current), "sipAddress": "x" * MAX_EVENT_BYTES})
    ),
)


@st.composite
def repeat(draw: st.DrawFn) -> Hostile:
    """What the client already knows: a full message, or a delta of current values."""
    shape = draw(_repeat_shapes)
    subset = draw(_field_subsets)
    extra = draw(junk_fields)
    previous = draw(json_values)

    def render(current: Wire) -> str:
        if shape == "full":
            return dumps(
                station_message(
                    {**current, **extra},
                    is_delta=False,
                    previousStationInfo=previous,
                )
            )
        if shape == "flat":
            return dumps({"__type": STATION_TYPE, "isDelta": False, **current})
        info = {**required(current), **{name: current[name] for name in subset}}
        return dumps(station_message(info))

    return Hostile(f"repeat ({shape})", render)


@st.composite
def nulls_and_wrong_types(draw: st.DrawFn) -> Hostile:
    """A delta whose fields are null or of the wrong type: each one is ignored."""
    nulls = draw(_nullable)
    wrong_text = draw(_wrong_texts)
    wrong_flags = draw(_wrong_flags)
    wrong_media = draw(_wrong_media)

    def render(current: Wire) -> str:
        info: Wire = {**required(current), **wrong_text, **wrong_flags}
        info["allowedMediaTypes"] = wrong_media
        info.update(dict.fromkeys(nulls))
        return dumps(station_message(info))

    return Hostile("nulls and wrong types", render)


@st.composite
def up_again(draw: st.DrawFn) -> Hostile:
    """The session is (still) up, said as a number or a word."""
    state = draw(_up_states)
    return Hostile(
        "connection up",
        lambda _: dumps({"__type": CONNECTION_TYPE, "newConnectionState": state}),
    )


hostile_messages: st.SearchStrategy[Hostile] = st.one_of(
    garbage_text(),
    truncated(),
    not_an_object(),
    unknown_type(),
    bad_is_delta(),
    bad_station_info(),
    bad_required_field(),
    missing_required_field(),
    bad_connection_state(),
    deeply_nested(),
    huge_string(),
    repeat(),
    nulls_and_wrong_types(),
    up_again(),
)


# ---- odd messages the parser accepts -----------------------------------------------------

_long_texts = st.builds(
    lambda char, size: char * size, _chars, st.integers(min_value=200, max_value=600)
)
_odd_texts = texts | _long_texts
_odd_fields = st.fixed_dictionaries(
    {
        "id": (texts | _long_texts).filter(bool),
        "extension": _odd_texts,
        "stationSetting": st.integers(min_value=1, max_value=2**63),
        "allowedMediaTypes": st.lists(
            st.integers(min_value=0, max_value=2**63), max_size=12
        ),
    },
    optional={
        **dict.fromkeys(OPTIONAL_TEXT, _odd_texts | not_text | st.none()),
        **dict.fromkeys(OPTIONAL_FLAGS, _booleans | not_flag | st.none()),
    },
)


@st.composite
def odd_station(draw: st.DrawFn) -> Tolerated:
    """A station message with unknown enum numbers, odd strings and wrong types."""
    info: Wire = {**draw(junk_fields), **draw(_odd_fields)}
    is_delta = draw(_booleans)
    return Tolerated("odd station", station_message(info, is_delta=is_delta))


tolerated_messages: st.SearchStrategy[Tolerated] = odd_station()


# ---- changes made on the server ----------------------------------------------------------

digits = st.text("0123456789", min_size=1, max_size=6)
real_changes = st.builds(
    RealChange,
    st.fixed_dictionaries(
        {},
        optional={
            "extension": digits,
            "can_be_dialed": st.booleans(),
            "ring_always": st.booleans(),
            "sip_user": digits.map(lambda text: f"user-{text}"),
            "sip_password": digits.map(lambda text: f"sip-Rotated-{text}"),
            "allowed_media_types": st.lists(
                st.integers(min_value=1, max_value=9), max_size=4, unique=True
            ).map(tuple),
        },
    ),
)


def draw_examples(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """Draw ``count`` examples with hypothesis, to feed them to the running integration.

    The integration runs on the test's event loop, which hypothesis cannot drive, so the
    examples are generated first and replayed; a failure names the message it came from.
    The draw is the same on every run (a fixed seed): a test that fails, fails each time.
    """
    drawn: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    @given(strategy)
    def collect(example: Any) -> None:
        drawn.append(example)

    with warnings.catch_warnings():
        # With a fixed seed hypothesis registers its own generator, which it holds weakly,
        # and warns about that; the warning concerns hypothesis alone.
        warnings.filterwarnings(
            "ignore", "It looks like `register_random`", HypothesisWarning
        )
        collect()
    return drawn
