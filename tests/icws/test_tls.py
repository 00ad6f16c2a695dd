"""TLS failures a caller can act on: plain HTTP behind an https address, an untrusted certificate."""

from __future__ import annotations

import ssl

import aiohttp
import pytest
from yarl import URL

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsPlainHttpError,
    IcwsSslError,
)
from custom_components.icws_station.icws.transport import (
    NOT_TLS_REASONS,
    connection_error,
)
from icws_simulator import IcwsSimulator
from tests.conftest import PASSWORD, USERNAME

from .conftest import APP


def _client(
    session: aiohttp.ClientSession, url: URL, *, verify_ssl: bool
) -> IcwsClient:
    return IcwsClient(
        session, url, USERNAME, PASSWORD, application_name=APP, verify_ssl=verify_ssl
    )


@pytest.mark.parametrize("verify_ssl", [True, False], ids=["verify", "no-verify"])
async def test_https_to_a_plain_http_port(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator, verify_ssl: bool
) -> None:
    """The port answers the handshake in plain HTTP, verified or not.

    No certificate is to blame, and turning verification off does not help.
    """
    client = _client(
        http_session, URL(simulator.url).with_scheme("https"), verify_ssl=verify_ssl
    )

    with pytest.raises(IcwsPlainHttpError) as caught:
        await client.login()

    assert isinstance(caught.value, IcwsSslError)  # callers that know only TLS errors
    assert "without TLS" in str(caught.value)
    assert (
        simulator.traffic.login_attempts == 0
    )  # the password never left the handshake


async def test_an_untrusted_certificate_is_not_plain_http(
    http_session: aiohttp.ClientSession, https_simulator: IcwsSimulator
) -> None:
    client = _client(http_session, URL(https_simulator.url), verify_ssl=True)

    with pytest.raises(IcwsSslError) as caught:
        await client.login()

    assert not isinstance(caught.value, IcwsPlainHttpError)


@pytest.mark.parametrize("reason", sorted(NOT_TLS_REASONS))
def test_each_openssl_word_for_no_tls(reason: str) -> None:
    """Each OpenSSL release's word for an answer that is not TLS means plain HTTP.

    The simulator test meets only this machine's OpenSSL; the others are built here.
    """
    err = ssl.SSLError(1, f"[SSL: {reason}] ({reason.lower()})")
    err.reason = reason

    assert isinstance(connection_error("Login", err), IcwsPlainHttpError)


def test_a_refused_certificate_is_no_plain_http() -> None:
    err = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED]")
    err.reason = "CERTIFICATE_VERIFY_FAILED"

    assert not isinstance(connection_error("Login", err), IcwsPlainHttpError)
