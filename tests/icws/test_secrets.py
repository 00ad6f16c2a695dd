"""No secret reaches a repr, an exception or a log line, across a whole run of the client."""

from __future__ import annotations

from contextlib import aclosing
import logging
import traceback

import aiohttp
import pytest
from yarl import URL

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsError,
    RetrievalMode,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator
from tests.conftest import PASSWORD, SIP_PASSWORDS, USERNAME

from .conftest import APP, next_station_message

# Loggers of the server side, which may know the session's secrets.
SERVER_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "icws_simulator")


def session_secrets(simulator: IcwsSimulator) -> set[str]:
    """The session ids, CSRF tokens and cookie values the simulator handed out."""
    return {
        secret
        for session_id, session in simulator.sessions.items()
        for secret in (session_id, session.csrf_token, session.cookie_value)
    }


def describe(error: BaseException) -> str:
    """Everything a log handler could print about an error, causes included."""
    return "".join(traceback.format_exception(error)) + repr(error)


async def test_no_secret_escapes(
    http_session: aiohttp.ClientSession,
    simulator: IcwsSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_password = "Wrong-Pw-771"
    rotated = "sip-Rotated-Secret-9"
    secrets = {PASSWORD, wrong_password, rotated, *SIP_PASSWORDS.values()}
    seen: list[str] = []

    async def expect_error(call: object) -> None:
        try:
            await call  # type: ignore[misc]
        except IcwsError as err:
            seen.append(describe(err))
        else:
            raise AssertionError("expected an error")

    await expect_error(
        IcwsClient(
            http_session,
            URL(simulator.url),
            USERNAME,
            wrong_password,
            application_name=APP,
        ).login()
    )

    client = IcwsClient(
        http_session,
        URL(simulator.url),
        USERNAME,
        PASSWORD,
        request_timeout=1.0,
        application_name=APP,
    )
    info = await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))
    await client.subscribe_station()
    secrets |= session_secrets(simulator)
    async with aclosing(client.messages(RetrievalMode.SSE)) as messages:
        first = await next_station_message(messages)
        station = first.apply(None)
        simulator.stations.change("WS-114", sip_password=rotated)
        delta = await next_station_message(messages)
        station = delta.apply(station)
        assert station is not None
        seen += [repr(first), repr(delta), repr(station), str(station.as_dict())]
        simulator.sessions.end()
        await expect_error(next_station_message(messages))

    await client.login()
    secrets |= session_secrets(simulator)
    await expect_error(client.connect_station(WorkstationSettings("WS-404")))
    simulator.traffic.response_delay = 2.0
    await expect_error(client.get_station())
    simulator.traffic.response_delay = 0.0
    simulator.sessions.end(notify=False)
    await expect_error(client.subscribe_station())
    await client.login()
    secrets |= session_secrets(simulator)
    seen.append(repr(vars(client)))
    await client.close()
    seen += [repr(client), repr(info), str(info)]

    seen += [
        record.getMessage() + (record.exc_text or "")
        for record in caplog.records
        if not record.name.startswith(SERVER_LOGGERS)
    ]
    assert len(secrets) >= 13
    leaks = {secret for secret in secrets for text in seen if secret in text}
    assert not leaks
