"""Command line: run the simulator until Ctrl-C (or SIGTERM).

``python -m icws_simulator --host 127.0.0.1 --port 8018 --user jdoe:secret``
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import signal
import ssl
import sys
from typing import TextIO

from .demo import run_demo
from .simulator import IcwsSimulator


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
        prog="python -m icws_simulator", description="Run a simulated ICWS server."
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
        "--messaging", type=int, default=2, help="messaging feature version"
    )
    parser.add_argument(
        "--connection", type=int, default=15, help="connection feature version"
    )
    parser.add_argument(
        "--status", type=int, default=1, help="status feature version (0: none)"
    )
    parser.add_argument("--server-name", default="CIC01")
    parser.add_argument(
        "--alternate", action="append", default=[], help="alternate host"
    )
    parser.add_argument(
        "--ping-interval", type=float, default=15.0, help="SSE ping seconds"
    )
    parser.add_argument("--cert", help="PEM certificate file: serve https")
    parser.add_argument("--key", help="PEM key file for --cert")
    parser.add_argument(
        "--demo",
        type=float,
        nargs="?",
        const=30.0,
        metavar="SECONDS",
        help="change the stations in use and the users' statuses now and then "
        "(default every 30 s)",
    )
    return parser.parse_args(argv)


def build_simulator(args: argparse.Namespace) -> IcwsSimulator:
    """Create the simulator the arguments describe."""
    users: dict[str, str] | None = None
    names: dict[str, str] | None = None
    if args.user:
        users = {user_id: password for user_id, password, _ in args.user}
        names = {user_id: name for user_id, _, name in args.user if name}
    ssl_context = None
    if args.cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.cert, args.key)
    return IcwsSimulator(
        host=args.host,
        port=args.port,
        users=users,
        display_names=names,
        messaging_version=args.messaging,
        connection_version=args.connection,
        status_version=args.status,
        server_name=args.server_name,
        alternate_hosts=args.alternate,
        sse_ping_interval=args.ping_interval,
        ssl_context=ssl_context,
    )


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
        out.writelines(
            f"  user {user_id} ({sim.display_name(user_id)})\n"
            for user_id in sim.user_ids
        )
        stations = ", ".join(f"{s.id} ({s.extension})" for s in sim.stations.values())
        out.write(f"  stations: {stations}\n")
        out.write(f"  control: {sim.url}/_simulator/state\n")
        if demo_interval:
            out.write(
                f"  demo: a station in use and the users' statuses change every "
                f"{demo_interval:g} s\n"
            )
            demo = asyncio.create_task(run_demo(sim, demo_interval))
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
