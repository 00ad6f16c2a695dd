"""Command line: run the simulator until Ctrl-C (or SIGTERM).

``python -m icws_simulator --host 127.0.0.1 --port 8018 --user jdoe:secret``; ``--help``
lists the control routes (as does :mod:`icws_simulator.control` with the README).
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import signal
import ssl
import sys
from typing import TextIO

from .demo import DEMO_STATUSES, DEMO_WORKGROUP, run_demos
from .directory import generated_users
from .simulator import IcwsSimulator
from .state import DEFAULT_DISPLAY_NAMES, DEFAULT_USERS
from .stations import STATION_SWITCHES

# [guess] How long a real server keeps a session nobody talks to is not documented
# (docs/icws-protocol.md §4); five minutes leaves pollers and streams far inside it.
DEFAULT_SESSION_IDLE_TIMEOUT = 300.0
# Users named one by one at start; a generated floor is summed up after them.
SHOWN_USERS = 12

_EPILOG = """\
control interface: HTTP on the same port under /_simulator/; POST bodies are JSON objects
with snake_case keys (curl -d '{...}' URL), every key optional unless marked *
  state
  GET  /_simulator/state                          sessions, streams, stations, statuses
  GET  /_simulator/users/{user}/sessions          the user's live sessions and their ids
  GET  /_simulator/status                         each user's status and access list
  GET  /_simulator/interactions                   every call, chat and e-mail
  calls (user_id: default the first user)
  POST /_simulator/calls/ring                     name, number: a call rings
  POST /_simulator/calls/place                    number*, name: the user dials out
  POST /_simulator/chats                          name, address: a chat arrives
  POST /_simulator/emails                         name, address: an e-mail arrives
  POST /_simulator/interactions/{id}/{action}     answer, hold, resume, proceed,
                                                  disconnect (by: remote or local),
                                                  remove, state (state*)
  POST /_simulator/calls/settings                 queue_result_limit, removal_delay,
                                                  proceed_delay (a dialled call rings at
                                                  the far end), refuse_stationless (call
                                                  control without a station: 400)
  voicemail
  POST /_simulator/voicemail/users/{user}         count*: voicemails waiting
  POST /_simulator/voicemail/settings             offered, state (0-3), error
  status (as the desktop client, the ACD or an administrator would set it)
  POST /_simulator/status/users/{user}            status_id (notes, forward_number,
                                                  until, has_date, has_time),
                                                  on_phone, logged_in
  POST /_simulator/status/users/{user}/access     status_ids, or add and remove
  POST /_simulator/status/users/{user}/resend     the same status again
  POST /_simulator/status/messages/{status}       message_text, group_tag, is_* flags
  POST /_simulator/status/messages/{status}/remove  take it out of the catalogue
  POST /_simulator/status/settings                version, completion_messages
  users (the list and who may see or change whose status)
  GET  /_simulator/directory                      how many users; private ones, supervisors
  POST /_simulator/directory/users/{user}         private (nobody else sees the status),
                                                  supervisor (sets others' statuses)
  workgroups and activations (as an administrator or a supervisor would)
  GET  /_simulator/workgroups                     workgroups, members, activations
  POST /_simulator/workgroups/{workgroup}         members (user ids, or user -> activated),
                                                  description: create or replace
  POST /_simulator/workgroups/{workgroup}/remove  delete the workgroup
  POST /_simulator/workgroups/{workgroup}/members/{user}
                                                  activated*: (de)activate, joining if need be
  POST /_simulator/workgroups/{workgroup}/members/{user}/remove
  POST /_simulator/activations/settings           version, refused_users (403 on their PUT)
  wallboard statistics (each workgroup's queue)
  GET  /_simulator/statistics                     each queue and the subscriptions
  POST /_simulator/statistics/workgroups/{workgroup}
                                                  agents_total, agents_logged_in,
                                                  agents_activated, agents_available,
                                                  values (statistic -> value, null: none),
                                                  errors (statistic -> code), reset
  POST /_simulator/statistics/workgroups/{workgroup}/calls/{action}
                                                  arrive, answer, abandon, hold, resume,
                                                  complete (count)
  POST /_simulator/statistics/settings            version, denied_users (error values),
                                                  max_results (the query's cap)
  station
  POST /_simulator/stations/{station}             the fields to change (extension,
                                                  can_be_dialed, ring_always, ...)
  POST /_simulator/users/{user}/station/take      reason: another logon takes it
  POST /_simulator/station/remove                 session_id (default every session)
  session and server
  POST /_simulator/sessions/end                   user, session_id, reason,
                                                  should_reconnect, notify,
                                                  states_as_strings
  POST /_simulator/logins/refuse                  alternates, error_id, message (503)
  POST /_simulator/logins/accept                  accept logins again
  POST /_simulator/users/{user}/password          password*
  POST /_simulator/outage                         mode*: refuse, cut, drop_streams, null
  POST /_simulator/sse/drop                       cut the next event of every stream
  POST /_simulator/sse/close                      end every stream cleanly, sessions live on
  POST /_simulator/messages                       raw (text) or message (object)
  POST /_simulator/settings                       response_delay, sse_chunk_size,
                                                  flat_messages, session_idle_timeout,
                                                  station_switch
outage modes: refuse (connections reset before the server reads them), cut (requests
processed, answers lost), drop_streams (event streams dropped); sessions live on.
"""


def _idle_timeout(text: str) -> float | None:
    """Parse seconds; 0 or "none" means sessions never expire for idleness."""
    if text.strip().lower() in {"0", "none", "never"}:
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected seconds or 'none'") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError("expected seconds or 'none'")
    return seconds


def _user(text: str) -> tuple[str, str, str | None]:
    """Parse ``ID:PASSWORD[:DISPLAY NAME]``."""
    user_id, sep, rest = text.partition(":")
    if not sep or not user_id:
        raise argparse.ArgumentTypeError("expected ID:PASSWORD[:DISPLAY NAME]")
    password, sep, display_name = rest.partition(":")
    return user_id, password, display_name if sep else None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m icws_simulator",
        description="Run a simulated ICWS server.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8018, help="0 picks a free port")
    parser.add_argument(
        "--user",
        type=_user,
        action="append",
        metavar="ID:PASSWORD[:NAME]",
        help="a user (repeatable; default jdoe:secret:Jane Doe)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=0,
        metavar="N",
        help="N more users with fictional names (password 'secret'), a floor of "
        "colleagues to watch",
    )
    parser.add_argument(
        "--messaging", type=int, default=2, help="messaging feature version"
    )
    parser.add_argument(
        "--connection", type=int, default=15, help="connection feature version"
    )
    parser.add_argument(
        "--status", type=int, default=1, help="status feature version (0: none)"
    )
    parser.add_argument(
        "--queues", type=int, default=1, help="queues feature version (0: none)"
    )
    parser.add_argument(
        "--activations",
        type=int,
        default=1,
        help="activations feature version (0: none)",
    )
    parser.add_argument(
        "--statistics",
        type=int,
        default=1,
        help="statistics feature version (0: none)",
    )
    parser.add_argument("--server-name", default="CIC01")
    parser.add_argument(
        "--alternate", action="append", default=[], help="alternate host"
    )
    parser.add_argument(
        "--ping-interval", type=float, default=15.0, help="SSE ping seconds"
    )
    parser.add_argument(
        "--session-idle-timeout",
        type=_idle_timeout,
        default=DEFAULT_SESSION_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="end sessions with no request and no event stream this long "
        f"(default {DEFAULT_SESSION_IDLE_TIMEOUT:g}; 'none': never)",
    )
    parser.add_argument(
        "--station-switch",
        choices=STATION_SWITCHES,
        default="replace",
        help="a station PUT while on a station replaces it, or is refused with a 400 "
        "asking to disconnect first",
    )
    parser.add_argument("--cert", help="PEM certificate file: serve https")
    parser.add_argument("--key", help="PEM key file for --cert")
    parser.add_argument(
        "--demo",
        type=float,
        nargs="?",
        const=30.0,
        metavar="SECONDS",
        help="every SECONDS (default 30): toggle 'can be dialed' or 'ring always' of the "
        "stations sessions are on, move each user with a session to the next of "
        f"{', '.join(DEMO_STATUSES)}, play a scene on their queue "
        "(an answered call held and resumed, a missed call that leaves a voicemail, a "
        "call they place, a chat), "
        f"and switch their activation in {DEMO_WORKGROUP}; a few users without a session "
        "(colleagues, see --users) change status and take a call; meanwhile calls arrive "
        "in every workgroup's queue and are answered; "
        "without --demo nothing changes unless asked",
    )
    return parser.parse_args(argv)


def build_simulator(args: argparse.Namespace) -> IcwsSimulator:
    """Create the simulator the arguments describe."""
    users: dict[str, str] | None = None
    names: dict[str, str] | None = None
    if args.user:
        users = {user_id: password for user_id, password, _ in args.user}
        names = {user_id: name for user_id, _, name in args.user if name}
    if args.users:
        users = dict(DEFAULT_USERS) if users is None else users
        names = dict(DEFAULT_DISPLAY_NAMES) if names is None else names
        for user in generated_users(args.users, frozenset(users)):
            users[user.user_id] = user.password
            names[user.user_id] = user.display_name
    ssl_context = None
    if args.cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.cert, args.key)
    sim = IcwsSimulator(
        host=args.host,
        port=args.port,
        users=users,
        display_names=names,
        messaging_version=args.messaging,
        connection_version=args.connection,
        status_version=args.status,
        activations_version=args.activations,
        statistics_version=args.statistics,
        server_name=args.server_name,
        alternate_hosts=args.alternate,
        sse_ping_interval=args.ping_interval,
        ssl_context=ssl_context,
        session_idle_timeout=args.session_idle_timeout,
    )
    sim.stations.switch = args.station_switch
    sim.queues_version = args.queues
    return sim


async def serve(
    sim: IcwsSimulator,
    stop: asyncio.Event,
    out: TextIO,
    demo_interval: float | None = None,
) -> None:
    """Start ``sim``, say where it listens, and run until ``stop`` is set (or cancelled)."""
    await sim.start()
    demo = None
    try:
        out.write(f"ICWS simulator listening on {sim.url}\n")
        shown = sim.user_ids[:SHOWN_USERS]
        out.writelines(
            f"  user {user_id} ({sim.display_name(user_id)})\n" for user_id in shown
        )
        if len(sim.user_ids) > len(shown):
            out.write(f"  ... and {len(sim.user_ids) - len(shown)} more users\n")
        stations = ", ".join(f"{s.id} ({s.extension})" for s in sim.stations.values())
        out.write(f"  stations: {stations}\n")
        out.write(
            f"  control: {sim.url}/_simulator/state "
            "(the routes: python -m icws_simulator --help)\n"
        )
        if not demo_interval:
            out.write("  no demo: nothing changes unless a client or a route asks\n")
        else:
            out.write(
                f"  demo: every {demo_interval:g} s, the stations in use toggle 'can be "
                f"dialed' or 'ring always', users with a session move to the next of "
                f"{', '.join(DEMO_STATUSES)}, and a call plays (answered, held and resumed; "
                f"missed, with a voicemail; placed by the user; a chat, in turn), "
                f"{DEMO_WORKGROUP} activations switch, a few colleagues change status and "
                f"take a call, and calls move through every workgroup's queue\n"
            )
            demo = asyncio.create_task(run_demos(sim, demo_interval))
        out.flush()
        await stop.wait()
    finally:
        if demo is not None:
            demo.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await demo
        await sim.stop()


async def _run(sim: IcwsSimulator, out: TextIO, demo_interval: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    await serve(sim, stop, out, demo_interval)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the simulator from the command line; return the exit status."""
    args = parse_args(argv)
    sim = build_simulator(args)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(sim, out or sys.stdout, args.demo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
