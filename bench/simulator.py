"""The simulator the bench runs: its users and stations, and the messages it pushes."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from typing import Any, Final

from icws_simulator import IcwsSimulator, SimSession, SimulatedStation, protocol
from icws_simulator.directory import generated_users

PASSWORD: Final = "pw-bench"  # noqa: S105 - a simulator user's
SERVER_NAME: Final = "CIC01"
USERS: Final = 40  # bench01..bench40, each with its own workstation WS-B01..WS-B40


def user_name(index: int) -> str:
    """Return the id of bench user ``index`` (1-based)."""
    return f"bench{index:02d}"


def station_name(index: int) -> str:
    """Return the workstation of bench user ``index``."""
    return f"WS-B{index:02d}"


def make_simulator(
    users: int = USERS, colleagues: int = 0, **options: Any
) -> IcwsSimulator:
    """Create a simulator with ``users`` bench users, each with a workstation of its own.

    ``colleagues`` more users (a generated floor, no station) are there to be watched.
    """
    stations = [
        SimulatedStation(
            id=station_name(index),
            extension=f"{index:03d}",
            sip_address=f"sip:b{index:02d}@cic01.example.test",
            sip_user=f"b{index:02d}",
            sip_password=f"sip-{index:02d}",
            managed_ip_phone=f"MIP-{index:02d}",
            emergency_responder_location_id="ERL-1",
        )
        for index in range(1, users + 1)
    ]
    accounts = {user_name(index): PASSWORD for index in range(1, users + 1)}
    floor = generated_users(colleagues, frozenset(accounts))
    return IcwsSimulator(
        users=accounts | {user.user_id: user.password for user in floor},
        display_names={user.user_id: user.display_name for user in floor},
        stations=stations,
        server_name=SERVER_NAME,
        **options,
    )


@contextlib.asynccontextmanager
async def running(sim: IcwsSimulator) -> AsyncIterator[IcwsSimulator]:
    """Run ``sim`` for the block."""
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


def session_of(sim: IcwsSimulator, user: str) -> SimSession:
    """Return the live simulator session of ``user`` (the bench gives each user one)."""
    found = [s for s in sim.sessions.values() if s.user_id == user and not s.ending]
    if len(found) != 1:
        raise RuntimeError(f"expected one session of {user}, found {len(found)}")
    return found[0]


def delta_text(index: int, extension: str, **fields: Any) -> str:
    """Return the wire text of an ``isDelta: true`` message for bench station ``index``."""
    info = {
        "id": station_name(index),
        "extension": extension,
        "stationSetting": 1,
        "managedIPPhone": f"MIP-{index:02d}",
        "emergencyResponderLocationID": "ERL-1",
        **fields,
    }
    return protocol.dumps(protocol.station_message(info, is_delta=True))
