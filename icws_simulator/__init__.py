"""A simulated Genesys PureConnect ICWS server for tests, benchmarks and demos.

It speaks the ICWS web API as ``docs/icws-protocol.md`` describes it (login, features,
messages by short polling or server-sent events, the station subscription and the session's
station connection, the user's status, the user's queue with call control and new calls,
voicemail waiting, colleagues' statuses, workgroup activation and the queues' statistics)
and lets a test make the server misbehave on purpose.

In a test (same event loop), each concern reached through its part of the state::

    from icws_simulator import IcwsSimulator, SimulatedStation

    sim = IcwsSimulator(users={"jdoe": "secret"})
    await sim.start()                      # sim.url -> "http://127.0.0.1:<port>"
    sim.stations.change("WS-114", can_be_dialed=False)  # isDelta:true to subscribers
    sim.status.set_user_status("jdoe", "Do Not Disturb")  # as the desktop client would
    sim.status.revoke_access("jdoe", "At Lunch")  # access-list watchers are told
    call = sim.calls.ring("jdoe", "Ada Lovelace", "+1 555 0100")  # the client may pick up
    sim.voicemail.set_count("jdoe", 2)     # voicemail watchers are told
    sim.workgroups.set_member("Sales", "jdoe", True)  # a supervisor activates jdoe
    sim.statistics.calls("Support", "arrive")  # a call waits; wallboards are told
    sim.set_outage("cut")                  # requests processed, answers lost
    sim.set_outage(None)                   # the network works again
    assert sim.sessions.count_of("jdoe") == 1  # sessions live on through outages
    assert sim.traffic.login_attempts == 1  # what reached the server
    sim.stations.take("jdoe", reason="Logged on elsewhere")
    sim.sessions.end(user="jdoe", should_reconnect=False, reason="Ended by admin")
    async with asyncio.timeout(5):         # "connection down", then 401
        await sim.wait_until(lambda: not sim.sessions)
    await sim.stop()

As a process: ``python -m icws_simulator --port 8018 --user jdoe:secret``; it is then
controlled over HTTP under ``/_simulator/`` (``GET /_simulator/state`` and the routes listed
in :mod:`icws_simulator.control` and by ``python -m icws_simulator --help``).

Where things are: ``state.py`` composes one part per concern, each in its own module without
HTTP (``session_table.py``, ``stations.py``, ``traffic.py``, ``directory.py``,
``status.py``, ``calls.py``, ``voicemail.py``, ``workgroups.py``, ``statistics.py``; wire
shapes in ``protocol.py``, ``station_data.py``, ``status_data.py``,
``call_attributes.py``). A concern's ICWS and control routes are in
``<concern>_http.py``, registered on ``routing.py``; ``app.py`` lists them (``APIS``) and
builds the aiohttp application, ``simulator.py`` serves it on a port.
"""

from .sessions import SimSession
from .simulator import IcwsSimulator
from .state import LoginRefusal
from .station_data import SimulatedStation, StationChanges, default_stations
from .statistics import StatisticsState, WorkgroupQueue
from .status import StatusState
from .status_data import (
    SimulatedStatusMessage,
    SimulatedUserStatus,
    Until,
    default_status_messages,
)
from .workgroups import SimulatedWorkgroup, WorkgroupState

__all__ = [
    "IcwsSimulator",
    "LoginRefusal",
    "SimSession",
    "SimulatedStation",
    "SimulatedStatusMessage",
    "SimulatedUserStatus",
    "SimulatedWorkgroup",
    "StationChanges",
    "StatisticsState",
    "StatusState",
    "Until",
    "WorkgroupQueue",
    "WorkgroupState",
    "default_stations",
    "default_status_messages",
]
