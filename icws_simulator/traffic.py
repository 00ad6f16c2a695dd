"""What reached the simulated server, and how long each request is held before its answer.

Tests count what a client asked for (requests answered and in progress, logins, logins whose
client went away, station PUTs) to prove what it did or did not send; the response delay
makes a slow server. The HTTP middlewares in ``app.py`` report here. No HTTP here.
"""

import asyncio
from typing import Any, Protocol


class TrafficHost(Protocol):
    """What the traffic part needs from the simulator state."""

    @property
    def stopping(self) -> asyncio.Event:
        """Return the event set while the server stops."""
        ...

    def pulse(self) -> None:
        """Wake whoever waits for a change."""
        ...

    async def next_change(self, within: float) -> None:
        """Wait for the next change, at most ``within`` seconds."""
        ...


class Traffic:
    """The requests the server received, and the delay before it answers each.

    ``response_delay`` (seconds before every /icws answer) may be changed at any time; a
    change applies to the requests waiting, too.
    """

    def __init__(self, host: TrafficHost) -> None:
        """Start with nothing received and no delay."""
        self._host = host
        self._response_delay = 0.0
        self._in_flight = 0
        self._logins_in_progress = 0
        self._login_attempts = 0
        self._abandoned_logins = 0
        self._requests: list[tuple[str, str, int]] = []
        self._station_requests: list[dict[str, Any]] = []

    # ---- what tests read -------------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Return (method, path, status) of every /icws request answered so far."""
        return self._requests

    @property
    def in_flight(self) -> int:
        """Return how many /icws requests are being answered (event streams included)."""
        return self._in_flight

    @property
    def logins_in_progress(self) -> int:
        """Return how many logins were received and are not yet answered or abandoned.

        A network that fails in that window loses an answer whose session the server
        keeps: tests that must not leave such a session wait for none to be in progress.
        """
        return self._logins_in_progress

    @property
    def login_attempts(self) -> int:
        """Return how many ``POST /icws/connection`` calls the server processed."""
        return self._login_attempts

    @property
    def abandoned_logins(self) -> int:
        """Return how many logins' clients went away before the answer."""
        return self._abandoned_logins

    @property
    def station_requests(self) -> list[dict[str, Any]]:
        """Return the body of every station PUT received, refused ones included, in order."""
        return self._station_requests

    # ---- the response delay ----------------------------------------------------------

    @property
    def response_delay(self) -> float:
        """Return how long every /icws request is held before it is answered."""
        return self._response_delay

    @response_delay.setter
    def response_delay(self, seconds: float) -> None:
        self._response_delay = seconds
        self._host.pulse()  # requests held now wait for the new delay

    async def hold_request(self) -> None:
        """Wait ``response_delay`` seconds from now, less if it shrinks or the server stops."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not self._host.stopping.is_set():
            remaining = start + self._response_delay - loop.time()
            if remaining <= 0:
                return
            await self._host.next_change(remaining)

    # ---- what the HTTP layer reports -------------------------------------------------

    def request_started(self) -> None:
        """Note that a /icws request arrived."""
        self._in_flight += 1
        self._host.pulse()

    def request_finished(self) -> None:
        """Note that a /icws request was answered (or abandoned)."""
        self._in_flight -= 1
        self._host.pulse()

    def record_request(self, method: str, path: str, status: int) -> None:
        """Note one answered /icws request."""
        self._requests.append((method, path, status))
        self._host.pulse()

    def record_station_request(self, body: dict[str, Any]) -> None:
        """Note the body of a station PUT."""
        self._station_requests.append(body)

    def login_started(self) -> None:
        """Note that a login request arrived."""
        self._logins_in_progress += 1

    def login_finished(self) -> None:
        """Note that a login was answered (its answer is written) or abandoned."""
        self._logins_in_progress -= 1
        self._host.pulse()

    def count_login(self) -> None:
        """Count one login request."""
        self._login_attempts += 1

    def count_abandoned_login(self) -> None:
        """Count a login whose client went away before the answer (it goes on)."""
        self._abandoned_logins += 1
        self._host.pulse()
