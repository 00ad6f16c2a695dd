"""Logging in, switchover to alternate hosts, timeouts and logging out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import itertools
import json
from typing import cast

import aiohttp
from aiohttp import web
import pytest
from pytest_socket import socket_allow_hosts
from yarl import URL

from custom_components.icws_station.icws import (
    IcwsAuthenticationError,
    IcwsClient,
    IcwsConnectionError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsTimeoutError,
)
from icws_simulator import IcwsSimulator
from icws_simulator.connection_http import ConnectionApi
from icws_simulator.protocol import server_version
from tests.conftest import DISPLAY_NAME, PASSWORD, SERVER_NAME, USERNAME, make_stations

from .conftest import APP


async def test_login_reports_user_server_and_features(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    info = await client.login()

    assert client.logged_in
    assert info.user_id == USERNAME
    assert info.user_display_name == DISPLAY_NAME
    assert info.server_name == SERVER_NAME
    assert info.host == "127.0.0.1"
    assert info.feature_version("messaging") == 2
    assert info.feature_version("connection") == 15
    assert info.feature_version("no-such-feature") == 0
    assert info.supports_sse
    assert info.reports_managed_ip_phone
    assert info.version is not None
    sent = server_version()
    assert (info.version.major, info.version.minor, info.version.build) == (
        sent["majorVersion"],
        sent["minorVersion"],
        sent["build"],
    )
    assert str(info.version) == sent["productReleaseDisplayString"]
    assert len(simulator.sessions) == 1


async def test_bad_password_is_not_retried(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        "wrong-password",
        application_name=APP,
    )

    with pytest.raises(IcwsAuthenticationError) as caught:
        await client.login()

    assert caught.value.status == 400
    assert caught.value.error_id == "error.request.connection.authenticationFailure"
    assert "wrong-password" not in str(caught.value)
    assert simulator.traffic.login_attempts == 1
    assert not client.logged_in


async def test_missing_language_is_a_refusal_not_bad_credentials(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        language="",
        application_name=APP,
    )

    with pytest.raises(IcwsResponseError) as caught:
        await client.login()

    assert not isinstance(caught.value, IcwsAuthenticationError)
    assert caught.value.status == 400


@pytest.fixture
async def alternate(
    socket_enabled: None, simulator: IcwsSimulator
) -> AsyncIterator[IcwsSimulator]:
    """A second server on 127.0.0.2, same port: the switchover partner."""
    socket_allow_hosts(["127.0.0.1", "127.0.0.2"])
    partner = IcwsSimulator(
        host="127.0.0.2",
        port=simulator.port,
        users={USERNAME: PASSWORD},
        server_name="CIC02",
        stations=make_stations(),
    )
    await partner.start()
    yield partner
    await partner.stop()


async def test_switchover_to_an_alternate_host(
    client: IcwsClient, simulator: IcwsSimulator, alternate: IcwsSimulator
) -> None:
    simulator.refuse_logins(alternates=("127.0.0.2",))

    info = await client.login()

    assert info.host == "127.0.0.2"
    assert info.server_name == "CIC02"
    assert client.url.host == "127.0.0.2"
    assert client.url.port == simulator.port
    assert len(alternate.sessions) == 1
    assert not simulator.sessions

    # The session's calls go to the host that answered.
    await client.subscribe_station()
    assert any("subscriptions" in path for _, path, _ in alternate.traffic.requests)


async def test_relogin_falls_back_to_a_known_alternate(
    client: IcwsClient, simulator: IcwsSimulator, alternate: IcwsSimulator
) -> None:
    simulator.refuse_logins(alternates=("127.0.0.2",))
    await client.login()
    alternate.refuse_logins(alternates=("127.0.0.1",))
    simulator.accept_logins()

    info = await client.login()

    assert info.host == "127.0.0.1"
    assert len(simulator.sessions) == 1


async def test_alternates_exhausted(
    client: IcwsClient, simulator: IcwsSimulator, alternate: IcwsSimulator
) -> None:
    simulator.refuse_logins(alternates=("127.0.0.2",))
    alternate.refuse_logins(alternates=("127.0.0.1",))

    with pytest.raises(IcwsConnectionError) as caught:
        await client.login()

    assert caught.value.status == 503
    assert simulator.traffic.login_attempts == 1
    assert alternate.traffic.login_attempts == 1
    assert not client.logged_in


async def test_unreachable_alternate(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    # Nothing listens on 127.0.0.1 port 1; the client must give up, not hang.
    simulator.refuse_logins(alternates=("no-such-host.invalid", "127.0.0.1"))

    with pytest.raises(IcwsConnectionError) as caught:
        await client.login()

    assert simulator.traffic.login_attempts == 1
    # The server's own answer, not the unreachable alternate's: a server is there.
    assert caught.value.status == 503


async def test_switchover_hops_are_bounded(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    # A chain of servers on 127.0.0.1 to .6, each refusing with the next as alternate:
    # without a bound the client would walk all of them.
    chain = [simulator]
    socket_allow_hosts([f"127.0.0.{n}" for n in range(1, 7)])
    try:
        for n in range(2, 7):
            server = IcwsSimulator(
                host=f"127.0.0.{n}", port=simulator.port, users={USERNAME: PASSWORD}
            )
            await server.start()
            chain.append(server)
        for server, following in itertools.pairwise(chain):
            server.refuse_logins(alternates=(following.host,))
        client = IcwsClient(
            http_session,
            URL(simulator.url),
            USERNAME,
            PASSWORD,
            application_name=APP,
            max_switchover_hops=2,
        )

        with pytest.raises(IcwsConnectionError) as caught:
            await client.login()

        # The first host and two hops: three attempts, one each, and no more.
        assert [server.traffic.login_attempts for server in chain] == [1, 1, 1, 0, 0, 0]
        assert caught.value.status == 503
    finally:
        for server in chain[1:]:
            await server.stop()


async def test_connection_refused(
    http_session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    client = IcwsClient(
        http_session,
        URL("http://127.0.0.1:1"),
        USERNAME,
        PASSWORD,
        application_name=APP,
    )

    with pytest.raises(IcwsConnectionError) as caught:
        await client.login()

    assert not isinstance(caught.value, IcwsTimeoutError)
    assert caught.value.status is None


async def test_slow_server_times_out(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    simulator.traffic.response_delay = 2.0
    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        request_timeout=0.2,
        application_name=APP,
    )

    with pytest.raises(IcwsTimeoutError):
        await client.login()


async def test_logout_unsubscribes_then_ends_the_session(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    await client.login()
    await client.subscribe_station()

    await client.logout()

    assert not client.logged_in
    assert not simulator.sessions
    calls = [
        (method, path.split("/", 3)[-1])
        for method, path, _ in simulator.traffic.requests
    ]
    assert calls[-2:] == [
        ("DELETE", "messaging/subscriptions/connection/station"),
        ("DELETE", "connection"),
    ]
    # Logging out twice is harmless.
    await client.logout()


async def test_logout_is_bounded_when_the_server_hangs(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        logout_timeout=0.3,
        application_name=APP,
    )
    await client.login()
    await client.subscribe_station()
    simulator.traffic.response_delay = 5.0
    loop = asyncio.get_running_loop()
    started = loop.time()

    await client.close()

    # Bounded by logout_timeout (0.3 s), far below the server's 5 s: the margin absorbs a
    # slow machine, not a missing bound.
    assert loop.time() - started < 2.0
    assert not client.logged_in


async def test_async_with_logs_out(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    async with IcwsClient(
        http_session, URL(simulator.url), USERNAME, PASSWORD, application_name=APP
    ) as client:
        await client.login()
        assert len(simulator.sessions) == 1

    assert not client.logged_in
    assert not simulator.sessions


async def test_calls_after_the_session_ended_raise_session_lost(
    client: IcwsClient, simulator: IcwsSimulator
) -> None:
    await client.login()
    simulator.sessions.end(notify=False)

    with pytest.raises(IcwsSessionLostError) as caught:
        await client.subscribe_station()

    assert caught.value.status == 401
    assert not client.logged_in
    with pytest.raises(IcwsSessionLostError):
        await client.subscribe_station()


@pytest.mark.parametrize(
    "session_id", ["", ".", "..", "a/b", "line\nbreak", "nul\x00", "tab\tbed"]
)
async def test_a_session_id_unfit_for_a_path_is_refused(
    http_session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    session_id: str,
) -> None:
    # The server's id (body only, as headers cannot carry it) goes into every later path.
    original = ConnectionApi.login

    async def login(api: ConnectionApi, request: web.Request) -> web.StreamResponse:
        answer = await original(api, request)
        assert isinstance(answer, web.Response)
        assert answer.body is not None
        body = json.loads(cast("bytes", answer.body))
        answer.body = json.dumps({**body, "sessionId": session_id}).encode()
        del answer.headers["ININ-ICWS-Session-ID"]
        return answer

    monkeypatch.setattr(ConnectionApi, "login", login)
    async with IcwsSimulator(users={USERNAME: PASSWORD}) as sim:
        client = IcwsClient(
            http_session, URL(sim.url), USERNAME, PASSWORD, application_name=APP
        )

        with pytest.raises(IcwsResponseError, match="lacks the session's credentials"):
            await client.login()

    assert not client.logged_in


def _impatient_client(
    http_session: aiohttp.ClientSession,
    simulator: IcwsSimulator,
    password: str = PASSWORD,
) -> IcwsClient:
    """A client that gives a login up after 0.2 s, so a held one is late at once."""
    return IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        password,
        application_name=APP,
        request_timeout=0.2,
    )


async def test_a_late_login_answer_is_taken_not_asked_again(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    """One login in flight: the next login waits for the late one and takes its session."""
    client = _impatient_client(http_session, simulator)
    simulator.traffic.response_delay = 30.0
    with pytest.raises(IcwsTimeoutError, match="Login timed out"):
        await client.login()
    with pytest.raises(IcwsTimeoutError, match="has not answered the previous one"):
        await client.login()  # the first is still held: no second POST

    simulator.traffic.response_delay = 0.0  # the held login is answered now
    info = await client.login()

    assert info.user_id == USERNAME
    assert client.logged_in
    assert simulator.traffic.login_attempts == 1
    assert len(simulator.sessions) == 1
    await client.close()
    assert not simulator.sessions


async def test_logout_ends_the_session_of_a_late_login(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    """Closing while a timed-out login is still held logs out the session it brings."""
    client = _impatient_client(http_session, simulator)
    simulator.traffic.response_delay = 30.0
    with pytest.raises(IcwsTimeoutError):
        await client.login()

    closing = asyncio.create_task(client.close())
    async with asyncio.timeout(5):
        await simulator.wait_until(lambda: simulator.traffic.in_flight == 1)
    simulator.traffic.response_delay = 0.0
    async with asyncio.timeout(5):
        await closing

    assert simulator.traffic.login_attempts == 1
    assert not simulator.sessions
    assert not client.logged_in


async def test_a_late_refusal_of_the_password_is_not_retried(
    http_session: aiohttp.ClientSession, simulator: IcwsSimulator
) -> None:
    """A late answer that refuses the password ends the next login: no second try."""
    client = _impatient_client(http_session, simulator, password="wrong-password")
    simulator.traffic.response_delay = 30.0
    with pytest.raises(IcwsTimeoutError):
        await client.login()
    simulator.traffic.response_delay = 0.0

    with pytest.raises(IcwsAuthenticationError):
        await client.login()
    assert simulator.traffic.login_attempts == 1
