"""Hostile answers to the login: the client logs in or raises its own error, nothing else.

A server cannot be made to answer like this through the simulator, so a few lines of aiohttp
serve the answers hypothesis draws; the case is the client's alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
import json

import aiohttp
from aiohttp import web
from hypothesis import strategies as st
import pytest
from yarl import URL

from custom_components.icws_station.const import APPLICATION_NAME
from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsError,
    IcwsResponseError,
    LoginInfo,
)
from tests.conftest import PASSWORD, USERNAME

from .strategies import containers, draw_examples, json_values, not_object, texts

# Alternates the client could try without leaving 127.0.0.1: itself, or no host name at all.
BAD_HOSTS = st.sampled_from(["127.0.0.1", "cic 02", "cic02:8019", "a/b", "", "[::1"])
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30
)


@dataclass(frozen=True)
class Answer:
    """One answer to ``POST /icws/connection``."""

    status: int
    headers: dict[str, str]
    body: bytes

    def response(self) -> web.Response:
        """The answer as aiohttp sends it."""
        response = web.Response(status=self.status, body=self.body)
        for name, value in self.headers.items():
            response.headers.add(name, value)
        return response


def _body(value: object) -> bytes:
    return json.dumps(value).encode()


_features = (
    st.lists(
        st.fixed_dictionaries(
            {}, optional={"featureId": json_values, "version": json_values}
        )
        | json_values,
        max_size=3,
    )
    | json_values
)
_versions = (
    st.dictionaries(
        st.sampled_from(
            [
                "majorVersion",
                "minorVersion",
                "su",
                "build",
                "productId",
                "productReleaseDisplayString",
                "codebaseId",
            ]
        ),
        json_values,
    )
    | json_values
)
_alternates = st.lists(BAD_HOSTS | json_values, max_size=3) | not_object
_content_types = st.sampled_from(
    ["application/vnd.inin.icws+JSON; charset=utf-8", "application/json", "text/plain"]
)
_cookies = st.builds(
    "icws_{}={}; Path=/".format,
    st.text("0123456789", min_size=1, max_size=6),
    HEADER_TEXT.filter(lambda text: ";" not in text and "," not in text),
)

# Session ids and CSRF tokens a client cannot use in a path or a header.
UNUSABLE_SESSION_IDS = [
    "/zxr",
    "a/b",
    "..",
    ".",
    "",
    "12\n34",
    "12\r34",
    "12\x0034",
    "\t1",
]
_session_ids = st.sampled_from(UNUSABLE_SESSION_IDS) | texts
_csrf_tokens = st.sampled_from(["a\nb", "a\rb", "\x00", "tab\tbed"]) | texts


@st.composite
def _accepted(draw: st.DrawFn) -> Answer:
    """A login the server accepts, each field of its answer of any type.

    The session's id and token come in the headers, or in the body only, then of any text.
    """
    headers = {"Content-Type": draw(_content_types), "Set-Cookie": draw(_cookies)}
    body = draw(
        st.fixed_dictionaries(
            {
                "userID": json_values,
                "userDisplayName": json_values,
                "icServer": json_values,
                "alternateHostList": _alternates,
                "features": _features,
                "version": _versions,
            }
        )
    )
    if draw(st.booleans()):
        headers["ININ-ICWS-CSRF-Token"] = draw(HEADER_TEXT)
        headers["ININ-ICWS-Session-ID"] = draw(HEADER_TEXT)
    else:
        body["sessionId"] = draw(_session_ids)
        body["csrfToken"] = draw(_csrf_tokens)
    return Answer(201, headers, _body(body))


accepted = _accepted()
# Any other answer: any status, headers and body.
other = st.builds(
    Answer,
    status=st.sampled_from([200, 201, 204, 400, 401, 404, 410, 500, 503]),
    headers=st.fixed_dictionaries(
        {"Content-Type": _content_types},
        optional={
            "ININ-ICWS-CSRF-Token": HEADER_TEXT,
            "ININ-ICWS-Session-ID": HEADER_TEXT,
            "Set-Cookie": _cookies,
        },
    ),
    body=st.fixed_dictionaries(
        {},
        optional={
            "csrfToken": json_values,
            "sessionId": json_values,
            "alternateHostList": _alternates,
            "errorId": json_values
            | st.just("error.request.connection.authenticationFailure"),
            "errorCode": json_values,
            "message": json_values,
        },
    ).map(_body)
    | st.one_of(not_object, containers).map(_body)
    | texts.map(str.encode),
)
answers = accepted | other


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[tuple[URL, list[Answer]]]:
    """A server that answers each login with the next queued answer, and 204 otherwise."""
    queue: list[Answer] = []

    async def login(_request: web.Request) -> web.StreamResponse:
        return queue.pop(0).response() if queue else web.Response(status=503)

    async def anything(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/icws/connection", login)
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield URL(f"http://127.0.0.1:{port}"), queue
    await runner.cleanup()


async def test_hostile_login_answers(
    http_session: aiohttp.ClientSession, server: tuple[URL, list[Answer]]
) -> None:
    """Each answer ends in a login with readable information or in an ICWS error."""
    url, queue = server
    outcomes: list[str] = []
    for answer in draw_examples(answers, count=300):
        client = IcwsClient(
            http_session,
            url,
            USERNAME,
            PASSWORD,
            application_name=APPLICATION_NAME,
            request_timeout=2.0,
        )
        queue[:] = [answer]
        error: IcwsError | None = None
        try:
            info = await client.login()
        except IcwsError as err:
            error = err
        if error is not None:
            outcomes.append(type(error).__name__)
            assert not client.logged_in
            assert PASSWORD not in str(error)
            continue
        outcomes.append("logged in")
        assert isinstance(info, LoginInfo)
        assert client.logged_in
        # A call inside the session (answered 204): the id makes its path, the token a header.
        await client.subscribe_station()
        assert all(isinstance(value, int) for value in info.features.values())
        assert all(isinstance(host, str) and host for host in info.alternate_hosts)
        assert isinstance(info.user_display_name, str)
        assert isinstance(info.server_name, str)
        str(info.version)
        await client.close()

    # The answers reached the main outcomes: a login, an odd answer, an unusable server.
    assert {"logged in", "IcwsConnectionError", "IcwsResponseError"} <= set(outcomes)


@pytest.mark.parametrize("session_id", UNUSABLE_SESSION_IDS)
async def test_a_session_id_that_makes_no_path_is_refused(
    http_session: aiohttp.ClientSession,
    server: tuple[URL, list[Answer]],
    session_id: str,
) -> None:
    """A login whose session id cannot name a path (a "/", a control character) fails.

    It fails as an ICWS error at the login, not as a broken request at the next call.
    """
    url, queue = server
    queue.append(
        Answer(
            201,
            {"Content-Type": "application/json", "Set-Cookie": "icws_1=a; Path=/"},
            _body({"sessionId": session_id, "csrfToken": "token", "userID": USERNAME}),
        )
    )
    client = IcwsClient(
        http_session, url, USERNAME, PASSWORD, application_name=APPLICATION_NAME
    )
    with pytest.raises(IcwsResponseError, match="lacks the session's credentials"):
        await client.login()
    assert not client.logged_in
