"""What the entities must show for what the simulator holds, and how they are read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import json
from typing import Any, Final

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN

from custom_components.icws_station.const import (
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
)
from icws_simulator import SimulatedStation, SimulatedStatusMessage
from icws_simulator.status_data import SimulatedUserStatus

STATION_TYPES: Final = {1: "workstation", 2: "remote_workstation", 3: "remote_number"}


@dataclass(frozen=True)
class Near:
    """A number of seconds that runs on by itself: shown right within ``slack`` seconds.

    A running duration is shown anew every second, so what an entity shows lags the truth
    by up to a second, and the truth's clock is not the entity's.
    """

    seconds: float
    slack: float = 2.0

    def matches(self, shown: str | None) -> bool:
        """Whether the shown state is this number of seconds, near enough."""
        try:
            return abs(float(shown or "") - self.seconds) <= self.slack
        except ValueError:
            return False

    def __str__(self) -> str:
        """Show the truth as a person reads it."""
        return f"{self.seconds:.0f} s (±{self.slack:.0f})"


type Truth = dict[tuple[str, str], str | Near]


def shows(shown: str | None, truth: str | Near) -> bool:
    """Whether an entity showing ``shown`` shows ``truth``."""
    return truth.matches(shown) if isinstance(truth, Near) else shown == truth


def diff(
    name: str,
    shown: dict[tuple[str, str], str],
    expected: Mapping[tuple[str, str], str | Near],
) -> list[str]:
    return [
        f"{name} {domain}.{key} shows {shown.get((domain, key))!r}, truth "
        + (str(value) if isinstance(value, Near) else repr(value))
        for (domain, key), value in expected.items()
        if not shows(shown.get((domain, key)), value)
    ]


def flag(value: bool) -> str:
    return STATE_ON if value else STATE_OFF


def text(value: str) -> str:
    return value or STATE_UNKNOWN


def is_choice(station: SimulatedStation, choice: dict[str, Any]) -> bool:
    kind = choice[CONF_STATION_TYPE]
    if kind == "workstation":
        return station.station_setting == 1 and station.id == choice[CONF_WORKSTATION]
    return (
        station.station_setting == 3
        and station.remote_number == choice[CONF_REMOTE_NUMBER]
    )


def station_truth(station: SimulatedStation | None) -> dict[tuple[str, str], str]:
    """What the station entities show for the session's station (None: no station)."""
    if station is None:
        values = dict.fromkeys(
            (
                "station_id",
                "extension",
                "remote_number",
                "sip_address",
                "sip_user",
                "allowed_media_types",
            ),
            STATE_UNKNOWN,
        )
        sensors = {("sensor", key): value for key, value in values.items()}
        return sensors | {
            ("sensor", "station_type"): "none",
            ("binary_sensor", "station_connected"): STATE_OFF,
            ("binary_sensor", "can_be_dialed"): STATE_UNKNOWN,
            ("binary_sensor", "ring_always"): STATE_UNKNOWN,
        }
    return {
        ("sensor", "station_id"): text(station.id),
        ("sensor", "extension"): text(station.extension),
        ("sensor", "remote_number"): text(station.remote_number),
        ("sensor", "station_type"): STATION_TYPES[station.station_setting],
        ("sensor", "sip_address"): text(station.sip_address),
        ("sensor", "sip_user"): text(station.sip_user),
        ("sensor", "allowed_media_types"): str(len(station.allowed_media_types)),
        ("binary_sensor", "station_connected"): STATE_ON,
        ("binary_sensor", "can_be_dialed"): flag(station.can_be_dialed),
        ("binary_sensor", "ring_always"): flag(station.ring_always),
    }


# The README's order, weakest first, of the states a call gives the user.
STRENGTH: Final = ("idle", "ringing", "held", "dialing", "connected")
CALL_STATE: Final = {
    "A": "ringing",
    "O": "ringing",
    "S": "dialing",
    "R": "dialing",
    "C": "connected",
    "H": "held",
}


def call_truth(calls: Iterable[tuple[str, str, bool]]) -> Truth:
    """What the call entities show for the user's calls, oldest first.

    Each call is its Eic_State letter, its number and whether it is muted. The call state
    sensor shows the strongest state, how many calls are up, and the number and mute of
    the newest strongest call: with those in the truth, a settle waits until every call
    change was taken in.
    """
    up = [
        (CALL_STATE[state], number, muted)
        for state, number, muted in calls
        if state in CALL_STATE
    ]
    strongest = max((shown for shown, _, _ in up), key=STRENGTH.index, default="idle")
    top = [(number, muted) for shown, number, muted in up if shown == strongest]
    number, muted = top[-1] if top else (None, False)
    return {
        ("sensor", "call_state"): json.dumps([strongest, len(up), number, muted]),
        ("binary_sensor", "ringing"): flag(
            any(shown == "ringing" for shown, _, _ in up)
        ),
        ("binary_sensor", "on_call"): flag(
            strongest in {"connected", "held", "dialing"}
        ),
    }


def call_state_view(state: Any) -> str:
    if state is None or state.state == STATE_UNAVAILABLE:
        return STATE_UNAVAILABLE
    attributes = state.attributes
    return json.dumps(
        [
            state.state,
            attributes.get("calls"),
            attributes.get("remote_number"),
            attributes.get("muted"),
        ]
    )


def select_view(state: Any) -> str:
    if state is None or state.state == STATE_UNAVAILABLE:
        return STATE_UNAVAILABLE
    return json.dumps([state.state, sorted(state.attributes.get("options", []))])


def status_truth(
    status: SimulatedUserStatus, message: SimulatedStatusMessage | None
) -> dict[str, str]:
    """What a status's entities show (the user's own, or a colleague's), by their key."""
    return {
        "status": message.text("en") if message else status.status_id,
        "do_not_disturb": flag(message.is_do_not_disturb) if message else STATE_UNKNOWN,
        "logged_in": flag(status.logged_in),
    }


def colleague_truth(
    status: SimulatedUserStatus, message: SimulatedStatusMessage | None
) -> Truth:
    """What a colleague's entities show, by their key after the colleague's prefix."""
    shown = status_truth(status, message)
    return {
        ("sensor", "status"): shown["status"],
        ("binary_sensor", "do_not_disturb"): shown["do_not_disturb"],
        ("binary_sensor", "logged_in"): shown["logged_in"],
        ("binary_sensor", "on_call"): flag(status.on_phone),
    }


def voicemail_truth(count: int, *, normal: bool) -> Truth:
    """What the voicemail entities show: the count while the server can count."""
    if not normal:
        return {
            ("sensor", "voicemails"): STATE_UNAVAILABLE,
            ("binary_sensor", "voicemail_waiting"): STATE_UNAVAILABLE,
        }
    return {
        ("sensor", "voicemails"): str(count),
        ("binary_sensor", "voicemail_waiting"): flag(count > 0),
    }


def activation_truth(activations: Mapping[str, bool]) -> Truth:
    """The activation switch of each workgroup the user belongs to."""
    return {
        ("switch", f"workgroup_activation_{name.casefold()}"): flag(activated)
        for name, activated in activations.items()
    }


@dataclass(frozen=True)
class Statistic:
    """A wallboard sensor's statistic (README, "The wallboard").

    ``empty`` is what the sensor shows when the server has no value.
    """

    identifier: str
    per_period: bool = False
    empty: str = STATE_UNKNOWN


WORKGROUP_PARAMETER: Final = "ININ.People.WorkgroupStats:Workgroup"
INTERVAL_PARAMETER: Final = "ININ.Queue:Interval"
WALLBOARD: Final = {
    "interactions_waiting": Statistic("InteractionsWaiting", empty="0"),
    "longest_wait": Statistic("LongestWaitTime", empty="0"),
    "agents_available": Statistic("NumberAvailableForACDInteractions"),
    "agents_logged_in": Statistic("AgentsLoggedIn"),
    "agents_activated": Statistic("AgentsLoggedInAndActivated"),
    "percent_available": Statistic("PercentAvailable"),
    "interactions_on_hold": Statistic("InteractionsOnHold"),
    "interactions_connected": Statistic("InteractionsConnected"),
    "interactions_answered": Statistic("InteractionsAnswered", per_period=True),
    "interactions_abandoned": Statistic("InteractionsAbandoned", per_period=True),
    "average_wait": Statistic("AverageWaitTime", per_period=True),
}
ERROR_TYPE: Final = 12
TIME_DURATION_TYPE: Final = 5  # a date the duration runs from


def statistic_key(statistic: Statistic, workgroup: str) -> dict[str, Any]:
    """The statistic's key for a workgroup, as a subscription names it (protocol §17)."""
    items = [{"parameterTypeId": WORKGROUP_PARAMETER, "value": workgroup}]
    if statistic.per_period:
        items.append({"parameterTypeId": INTERVAL_PARAMETER, "value": "CurrentPeriod"})
    return {
        "statisticIdentifier": f"inin.workgroup:{statistic.identifier}",
        "parameterValueItems": items,
    }


def statistic_shown(
    statistic: Statistic, value: Mapping[str, Any] | None, now: datetime
) -> str | Near:
    """What a wallboard sensor shows for the server's value of its statistic.

    No value: the statistic's ``empty``. An error value: unavailable. A date a duration
    runs from: the seconds since, shown anew each second. Else the number, whole when it
    is.
    """
    if value is None:
        return statistic.empty
    if value["statisticValueType"] == ERROR_TYPE:
        return STATE_UNAVAILABLE
    if value["statisticValueType"] == TIME_DURATION_TYPE:
        since = datetime.strptime(value["value"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return Near(max((now - since).total_seconds(), 0.0))
    number = float(value["value"])
    return str(int(number)) if number.is_integer() else str(round(number, 1))
