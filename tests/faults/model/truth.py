"""What the entities must show for what the simulator holds, and how they are read."""

from __future__ import annotations

from collections.abc import Iterable
import json
from typing import Any, Final

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN

from custom_components.icws_station.const import (
    CONF_REMOTE_NUMBER,
    CONF_STATION_TYPE,
    CONF_WORKSTATION,
)
from icws_simulator import SimulatedStation

STATION_TYPES: Final = {1: "workstation", 2: "remote_workstation", 3: "remote_number"}


def diff(
    name: str,
    shown: dict[tuple[str, str], str],
    expected: dict[tuple[str, str], str],
) -> list[str]:
    return [
        f"{name} {domain}.{key} shows {shown.get((domain, key))!r}, truth {value!r}"
        for (domain, key), value in expected.items()
        if shown.get((domain, key)) != value
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


def call_truth(calls: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """What the call entities show for the user's calls, oldest first.

    Each call is its Eic_State letter and its number. The call state sensor shows the
    strongest state, how many calls are up, and the number of the newest strongest call:
    with those in the truth, a settle waits until every call change was taken in.
    """
    up = [(CALL_STATE[state], number) for state, number in calls if state in CALL_STATE]
    strongest = max((shown for shown, _ in up), key=STRENGTH.index, default="idle")
    top = [number for shown, number in up if shown == strongest]
    return {
        ("sensor", "call_state"): json.dumps(
            [strongest, len(up), top[-1] if top else None]
        ),
        ("binary_sensor", "ringing"): flag(any(shown == "ringing" for shown, _ in up)),
        ("binary_sensor", "on_call"): flag(
            strongest in {"connected", "held", "dialing"}
        ),
    }


def call_state_view(state: Any) -> str:
    if state is None or state.state == STATE_UNAVAILABLE:
        return STATE_UNAVAILABLE
    attributes = state.attributes
    return json.dumps(
        [state.state, attributes.get("calls"), attributes.get("remote_number")]
    )


def select_view(state: Any) -> str:
    if state is None or state.state == STATE_UNAVAILABLE:
        return STATE_UNAVAILABLE
    return json.dumps([state.state, sorted(state.attributes.get("options", []))])
