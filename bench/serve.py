"""The bench's simulator as a process of its own: ``python -m bench.serve``.

For figures in which the simulator's own work must not count: Home Assistant's memory per
entry, and its event loop during a reconnect storm. Prints its URL, then serves until
SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bench.simulator import make_simulator


async def serve(port: int, users: int, ping_interval: float) -> None:
    """Serve the bench users until SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    sim = make_simulator(port=port, users=users, sse_ping_interval=ping_interval)
    await sim.start()
    try:
        print(sim.url, flush=True)
        await stop.wait()
    finally:
        await sim.stop()


def main() -> int:
    """Parse the arguments and serve."""
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--ping-interval", type=float, default=15.0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.users, args.ping_interval))
    return 0


if __name__ == "__main__":
    sys.exit(main())
