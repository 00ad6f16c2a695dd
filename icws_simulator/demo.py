"""A gentle demo: stations change now and then, so a dashboard has something to show."""

import asyncio
import itertools

from .simulator import IcwsSimulator

# What the demo toggles, in turn: visible in Home Assistant as binary sensors.
_TOGGLED = ("can_be_dialed", "ring_always")


async def run_demo(sim: IcwsSimulator, interval: float) -> None:
    """Every ``interval`` seconds, toggle one field of the stations sessions are on.

    Only stations in use change, so each change reaches a client; with none in use the demo
    waits. Runs until cancelled.
    """
    for field in itertools.cycle(_TOGGLED):
        await asyncio.sleep(interval)
        in_use = sorted(
            {session.station.id for session in sim.sessions.values() if session.station}
        )
        for station_id in in_use:
            station = sim.stations[station_id]
            if field == "can_be_dialed":
                sim.update_station(station_id, can_be_dialed=not station.can_be_dialed)
            else:
                sim.update_station(station_id, ring_always=not station.ring_always)
