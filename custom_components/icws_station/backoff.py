"""How long the session waits before trying again, by what the last failure says.

Two kinds of failure, told apart by whether a request can have reached a server:

- **Cannot connect**: no connection could be opened (refused, no route to the host, the
  name does not resolve, the connection timed out). Nothing reached any server, so a try
  costs the server nothing; the delay grows as below but stops at a few seconds, so that
  the entities are back within seconds of the network's return, however long it was gone.
- **Anything else**: the server answered with an error, did not answer in time, or the
  connection broke after the request went out (the server may have processed it). The
  delay doubles up to five minutes, so that a server in trouble is not hammered.

The delay starts over once the session was live again. Jitter spreads the attempts of many
entries whose server came back at once over half of each delay.
"""

from __future__ import annotations

import asyncio
import random
from typing import Final

import aiohttp

BACKOFF_MIN: Final = 1.0
BACKOFF_MAX: Final = 300.0
CANNOT_CONNECT_MAX: Final = 3.0
# Far above every cap; keeps the arithmetic of an outage of weeks in floats.
_MAX_DOUBLINGS: Final = 30


def cannot_connect(failure: BaseException | None) -> bool:
    """Whether no connection could be opened, so that no request reached a server.

    The client keeps the aiohttp error as the cause. A TLS failure is a connector error
    too, but a certificate does not mend itself within seconds: it waits like a server
    error.
    """
    cause = failure.__cause__ if failure is not None else None
    if isinstance(cause, aiohttp.ClientSSLError):
        return False
    return isinstance(
        cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    )


class Backoff:
    """The delays between the attempts of one outage."""

    def __init__(self) -> None:
        """No attempt failed yet."""
        self._attempts = 0

    def reset(self) -> None:
        """Start over: the session was live again, so the next delay is the shortest."""
        self._attempts = 0

    def delay(self, failure: BaseException | None) -> float:
        """Count a failed attempt; return the jittered delay before the next one."""
        self._attempts += 1
        cap = CANNOT_CONNECT_MAX if cannot_connect(failure) else BACKOFF_MAX
        doublings = min(self._attempts - 1, _MAX_DOUBLINGS)
        high = min(cap, BACKOFF_MIN * 2**doublings)
        # Not cryptographic: it only spreads the attempts.
        return random.uniform(high / 2, high)  # noqa: S311

    async def wait(self, failure: BaseException | None) -> None:
        """Sleep the delay after ``failure`` (see :meth:`delay`)."""
        await asyncio.sleep(self.delay(failure))
