"""The retry policy: which failures are "cannot connect", and the delays each one gets.

The failures are the client's own, raised against the simulator: a server nobody can
connect to, a network that resets connections, a server that answers 503, one too slow
to answer, and one whose certificate is not trusted.
"""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from yarl import URL

from custom_components.icws_station import backoff
from custom_components.icws_station.backoff import Backoff, cannot_connect
from custom_components.icws_station.const import APPLICATION_NAME
from custom_components.icws_station.icws import IcwsClient, IcwsConnectionError
from icws_simulator import IcwsSimulator

from .conftest import PASSWORD, USERNAME


class _Top:
    """Draws the top of every jitter range, so the delays are the backoff's ceilings."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        assert low == high / 2
        return high


@pytest.fixture(autouse=True)
def _no_jitter() -> Iterator[None]:
    with (
        patch.object(backoff, "random", _Top()),
        patch.object(backoff, "BACKOFF_MIN", 1.0),  # tests/conftest.py shortens it
    ):
        yield


async def login_failure(
    http: aiohttp.ClientSession, url: str, request_timeout: float = 2.0
) -> IcwsConnectionError:
    """The error the client raises when its login fails at ``url``."""
    client = IcwsClient(
        http,
        URL(url),
        USERNAME,
        PASSWORD,
        application_name=APPLICATION_NAME,
        request_timeout=request_timeout,
    )
    with pytest.raises(IcwsConnectionError) as caught:
        await client.login()
    return caught.value


async def test_unreachable_server_cannot_be_connected_to(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    await simulator.set_unreachable(True)

    assert cannot_connect(await login_failure(http_session, simulator.url))


@pytest.mark.parametrize("failure", ["reset", "503", "slow"])
async def test_a_server_that_was_reached_is_not_cannot_connect(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator, failure: str
) -> None:
    """A reset after connecting, an error answer, or no answer in time: it may be busy."""
    if failure == "reset":
        simulator.set_outage("refuse")
    elif failure == "503":
        simulator.refuse_logins()
    else:
        simulator.traffic.response_delay = 1.0

    assert not cannot_connect(
        await login_failure(http_session, simulator.url, request_timeout=0.2)
    )


async def test_untrusted_certificate_is_not_cannot_connect(
    hass: HomeAssistant,
    https_simulator: IcwsSimulator,
    http_session: aiohttp.ClientSession,
) -> None:
    """A TLS failure is a connector error too, but it does not mend within seconds."""
    error = await login_failure(http_session, https_simulator.url)

    assert isinstance(error.__cause__, aiohttp.ClientConnectorError)
    assert not cannot_connect(error)
    assert not cannot_connect(None)


async def test_delays_double_to_each_cap(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    """Five minutes at most after a server's error; a few seconds when nothing connects."""
    await simulator.set_unreachable(True)
    refused = await login_failure(http_session, simulator.url)
    await simulator.set_unreachable(False)
    simulator.refuse_logins()
    server_error = await login_failure(http_session, simulator.url)
    policy = Backoff()

    assert [policy.delay(server_error) for _ in range(11)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        300,
        300,
    ]
    assert policy.delay(refused) == backoff.CANNOT_CONNECT_MAX

    policy.reset()
    assert [policy.delay(refused) for _ in range(4)] == [1, 2, 3, 3]
    # A server's error after a long outage waits as long as the outage has grown.
    assert policy.delay(server_error) == 16


def test_an_outage_of_weeks_keeps_its_delays() -> None:
    """A million failed attempts later the delay is still the cap, not an overflow."""
    policy = Backoff()
    for _ in range(1_000_000):
        delay = policy.delay(None)

    assert delay == backoff.BACKOFF_MAX
