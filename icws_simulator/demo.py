"""A gentle demo: stations and statuses change now and then, for a dashboard to show."""

import asyncio
import itertools

from .simulator import IcwsSimulator

# What the demo toggles, in turn: visible in Home Assistant as binary sensors.
_TOGGLED = ("can_be_dialed", "ring_always")
# The statuses the demo walks through, as a person at the desktop client would.
_STATUSES = ("In a Meeting", "Available", "Do Not Disturb", "Available", "At Lunch")


async def run_demo(sim: IcwsSimulator, interval: float) -> None:
    """Every ``interval`` seconds, change the stations in use and the users' statuses.

    One field of each station a session is on toggles, and each user with a session moves
    to the next demo status, as if set at the desktop client. Only stations in use change, so each change reaches a client; with none in use the demo
    waits. Runs until cancelled.
    """
    statuses = itertools.cycle(_STATUSES)
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
        status_id = next(statuses)
        users = sorted({session.user_id for session in sim.sessions.values()})
        for user_id in users:
            if sim.status.find_status_message(status_id) is not None:
                sim.set_user_status(user_id, status_id)
