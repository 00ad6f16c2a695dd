"""The demo (``--demo``): stations, statuses and activations change, calls come and go.

Voicemails wait, colleagues (users without a session, see ``--users``) change status and
take calls, and calls move through every workgroup's queue.

It overrides what a person sets meanwhile, so it runs only when asked.
"""

import asyncio
import itertools

from .simulator import IcwsSimulator

# What the demo toggles, in turn: visible in Home Assistant as binary sensors.
_TOGGLED = ("can_be_dialed", "ring_always")
# The statuses the demo walks through, as a person at the desktop client would.
DEMO_STATUSES = ("In a Meeting", "Available", "Do Not Disturb", "Available", "At Lunch")


async def run_demo(sim: IcwsSimulator, interval: float) -> None:
    """Every ``interval`` seconds, change the stations in use and the users' statuses.

    One field of each station a session is on toggles, and each user with a session moves
    to the next demo status, as if set at the desktop client. Only stations in use change,
    so each change reaches a client. Runs until cancelled.
    """
    statuses = itertools.cycle(DEMO_STATUSES)
    for field in itertools.cycle(_TOGGLED):
        await asyncio.sleep(interval)
        in_use = sorted(
            {session.station.id for session in sim.sessions.values() if session.station}
        )
        for station_id in in_use:
            station = sim.stations[station_id]
            if field == "can_be_dialed":
                sim.stations.change(station_id, can_be_dialed=not station.can_be_dialed)
            else:
                sim.stations.change(station_id, ring_always=not station.ring_always)
        status_id = next(statuses)
        users = sorted({session.user_id for session in sim.sessions.values()})
        for user_id in users:
            if sim.status.find_status_message(status_id) is not None:
                sim.status.set_user_status(user_id, status_id)


# Fictional callers (555-01xx numbers are reserved for fiction).
_CALLERS = (
    ("Ada Lovelace", "+1 555 0100"),
    ("Grace Hopper", "+1 555 0101"),
    ("Alan Turing", "+1 555 0102"),
)


async def _call_scene(
    sim: IcwsSimulator, user_id: str, scene: int, step: float
) -> None:
    """Play one scene on a user's queue, a step apart."""
    name, number = _CALLERS[scene % len(_CALLERS)]
    kind = scene % 4
    if kind == 2:  # the user listens to their voicemails, then calls back
        sim.voicemail.set_count(user_id, 0)
        call = sim.calls.place_call(user_id, number, name)
        await asyncio.sleep(step)
        sim.calls.proceed(call)
        await asyncio.sleep(step)
        sim.calls.answer(call)
        await asyncio.sleep(2 * step)
        sim.calls.disconnect(call, by="local")
        return
    if kind == 3:  # a chat comes in and is taken
        chat = sim.calls.start_chat(
            user_id, name, f"{name.split()[0].lower()}@example.com"
        )
        await asyncio.sleep(step)
        sim.calls.answer(chat)
        await asyncio.sleep(2 * step)
        sim.calls.disconnect(chat, by="local")
        return
    call = sim.calls.ring(user_id, name, number)
    await asyncio.sleep(step)
    if kind == 1:  # missed: the caller leaves a voicemail
        sim.calls.disconnect(call)
        sim.voicemail.set_count(user_id, sim.voicemail.count(user_id) + 1)
        return
    sim.calls.answer(call)
    await asyncio.sleep(step)
    sim.calls.hold(call)
    await asyncio.sleep(step)
    sim.calls.resume(call)
    await asyncio.sleep(step)
    sim.calls.disconnect(call)


async def run_call_demo(sim: IcwsSimulator, interval: float) -> None:
    """Every ``interval`` seconds, play a call scene for each user with a live session.

    Scenes take turns: an answered call (held and resumed), a missed call that leaves a
    voicemail, a call the user places after listening to the voicemails, a chat. Runs until
    cancelled.
    """
    step = interval / 6
    for scene in itertools.count():
        await asyncio.sleep(interval)
        users = sorted({session.user_id for session in sim.sessions.values()})
        await asyncio.gather(
            *(_call_scene(sim, user_id, scene, step) for user_id in users)
        )


# Colleagues (users without a session) whose statuses and calls the demo changes, and the
# statuses they walk through, each from another place in it.
DEMO_COLLEAGUES = 4
COLLEAGUE_STATUSES = (
    "Available",
    "In a Meeting",
    "Available",
    "At Lunch",
    "Do Not Disturb",
    "Available",
    "Gone Home",
)


async def run_colleague_demo(sim: IcwsSimulator, interval: float) -> None:
    """Every ``interval`` seconds, a few colleagues change status and one takes a call.

    The colleagues are the first users without a session (``--users N`` makes a floor of
    them); the call rings, is answered (``onPhone`` follows) and ends half an interval
    later. Runs until cancelled; with no colleague it does nothing.
    """
    for turn in itertools.count():
        await asyncio.sleep(interval)
        busy = {session.user_id for session in sim.sessions.values()}
        colleagues = [user for user in sim.user_ids if user not in busy]
        colleagues = colleagues[:DEMO_COLLEAGUES]
        if not colleagues:
            continue
        for place, user_id in enumerate(colleagues):
            status = COLLEAGUE_STATUSES[(turn + 2 * place) % len(COLLEAGUE_STATUSES)]
            sim.status.set_user_status(user_id, status)
        name, number = _CALLERS[turn % len(_CALLERS)]
        call = sim.calls.ring(colleagues[turn % len(colleagues)], name, number)
        sim.calls.answer(call)
        await asyncio.sleep(interval / 2)
        sim.calls.disconnect(call)


# What each workgroup's queue does, one step after another: calls arrive and wait, agents
# answer them, hold and complete them, and now and then a caller gives up.
_QUEUE_STEPS = (
    "arrive",
    "arrive",
    "answer",
    "arrive",
    "hold",
    "answer",
    "resume",
    "abandon",
    "complete",
    "arrive",
    "answer",
    "complete",
    "complete",
)
# The workgroup whose activation the demo's supervisor turns on and off, in turn.
DEMO_WORKGROUP = "Sales"


async def run_workgroup_demo(sim: IcwsSimulator, interval: float) -> None:
    """Move calls through every workgroup's queue, and switch activations, until cancelled.

    Every ``interval / 6`` seconds each workgroup's queue takes its next step (calls
    arrive, are answered, held, resumed, completed, or abandoned), the workgroups a step
    apart so the wallboard is never all alike. Every ``interval`` seconds a supervisor
    turns each member with a session on or off in :data:`DEMO_WORKGROUP`.
    """
    step = interval / 6
    for count in itertools.count(1):
        await asyncio.sleep(step)
        for offset, workgroup in enumerate(list(sim.workgroups.workgroups.values())):
            action = _QUEUE_STEPS[(count + offset) % len(_QUEUE_STEPS)]
            sim.statistics.calls(workgroup.name, action)
        if count % 6:
            continue
        switched = sim.workgroups.find(DEMO_WORKGROUP)
        if switched is None:
            continue
        users = {session.user_id.casefold() for session in sim.sessions.values()}
        for member, activated in list(switched.members.items()):
            if member.casefold() in users:
                sim.workgroups.set_member(switched.name, member, not activated)


async def run_demos(sim: IcwsSimulator, interval: float) -> None:
    """Run the station, call, colleague and workgroup demos together until cancelled."""
    await asyncio.gather(
        run_demo(sim, interval),
        run_call_demo(sim, interval),
        run_colleague_demo(sim, interval),
        run_workgroup_demo(sim, interval),
    )
