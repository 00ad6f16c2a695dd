"""HTTP exchange with an ICWS server: timeouts, headers, bodies and error mapping.

Every request has a timeout. aiohttp and socket failures become :class:`IcwsConnectionError`
subclasses; descriptions name the call (``what``), never its URL, because session URLs carry
the session id.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
import logging
import ssl
from typing import Any, Final

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from .codec import decode_json, encode_json
from .errors import (
    IcwsConnectionError,
    IcwsError,
    IcwsPlainHttpError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsSslError,
    IcwsTimeoutError,
)

_LOGGER = logging.getLogger(__name__)

MEDIA_TYPE: Final = "application/vnd.inin.icws+JSON"
CONTENT_TYPE: Final = f"{MEDIA_TYPE};charset=utf-8"
EVENT_STREAM: Final = "text/event-stream"

# How OpenSSL reports a handshake answered by a peer that does not speak TLS, such as a
# plain HTTP server's "400 Bad Request": its first bytes read as a record of no known TLS
# version (the reason varies with the OpenSSL release).
NOT_TLS_REASONS: Final = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "RECORD_LAYER_FAILURE",
        "PACKET_LENGTH_TOO_LONG",
        "UNKNOWN_PROTOCOL",
    }
)


@dataclass(frozen=True, slots=True)
class Response:
    """A finished exchange: status, headers, cookies and the decoded JSON body (or None)."""

    status: int
    headers: CIMultiDictProxy[str]
    cookies: Mapping[str, str]
    body: Any

    def error_fields(self) -> tuple[str | None, str | None]:
        """Return the server's ``errorId`` and ``message``, when the body has them."""
        if not isinstance(self.body, dict):
            return None, None
        error_id, message = self.body.get("errorId"), self.body.get("message")
        return (
            str(error_id) if error_id is not None else None,
            message if isinstance(message, str) else None,
        )


def error_for(what: str, response: Response) -> IcwsError:
    """Map an unexpected answer to the error a caller can act on."""
    error_id, message = response.error_fields()
    text = f"{what} failed: HTTP {response.status}"
    if error_id:
        text += f" {error_id}"
    if message:
        text += f": {message}"
    if response.status == 401:
        return IcwsSessionLostError(text, status=401, error_id=error_id)
    if response.status >= 500:
        return IcwsConnectionError(
            text, status=response.status, error_id=error_id, server_message=message
        )
    return IcwsResponseError(
        text, status=response.status, error_id=error_id, server_message=message
    )


def connection_error(what: str, err: BaseException) -> IcwsConnectionError:
    """Map an aiohttp or socket failure, keeping its class name for the reader."""
    if isinstance(err, TimeoutError):
        return IcwsTimeoutError(f"{what} timed out")
    if _answered_without_tls(err):
        return IcwsPlainHttpError(f"{what} failed: the server answered without TLS")
    if isinstance(
        err, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError
    ):
        return IcwsSslError(f"{what} failed: TLS error ({type(err).__name__})")
    return IcwsConnectionError(f"{what} failed: {type(err).__name__}")


def _answered_without_tls(err: BaseException) -> bool:
    """Whether a TLS handshake failed because the peer answered in something else."""
    # aiohttp's TLS errors are ssl.SSLError subclasses that wrap the one OpenSSL raised.
    causes = (err, getattr(err, "os_error", None), err.__cause__)
    return any(
        isinstance(cause, ssl.SSLError)
        and getattr(cause, "reason", None) in NOT_TLS_REASONS
        for cause in causes
    )


class Transport:
    """Sends requests on the caller's ``aiohttp.ClientSession`` with ICWS conventions."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        request_timeout: float,
        verify_ssl: bool,
    ) -> None:
        """Use ``session``; ``verify_ssl=False`` accepts any certificate."""
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._request_timeout = request_timeout
        # True defers to the session's TLS settings; False turns verification off.
        self._ssl = verify_ssl

    async def request(
        self,
        method: str,
        url: URL,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        answer_within: float | None = None,
    ) -> Response:
        """Send one request and read the whole answer within the request timeout.

        ``answer_within`` replaces the request timeout for a request whose answer must not be
        dropped early (a login creates a session even when its answer comes late).
        """
        send_headers = {"Accept": MEDIA_TYPE, **(headers or {})}
        data = None
        if body is not None:
            send_headers["Content-Type"] = CONTENT_TYPE
            data = encode_json(body)
        try:
            async with self._session.request(
                method,
                url,
                headers=send_headers,
                data=data,
                timeout=self._timeout
                if answer_within is None
                else aiohttp.ClientTimeout(total=answer_within),
                ssl=self._ssl,
                allow_redirects=False,
            ) as resp:
                response = await _read(resp)
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise connection_error(what, err) from err
        _LOGGER.debug("%s: HTTP %s", what, response.status)
        return response

    @asynccontextmanager
    async def stream(
        self,
        url: URL,
        *,
        what: str,
        headers: Mapping[str, str],
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open an event stream; the caller reads it and bounds each read itself.

        No socket read timeout: aiohttp would abort the stream on it, while the caller may
        decide that a quiet stream is fine after checking the session.
        """
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._request_timeout, sock_read=None
        )
        try:
            # The answer's head must come within the request timeout like any call's; only
            # the reads of the open stream wait longer.
            async with asyncio.timeout(self._request_timeout):
                resp = await self._session.get(
                    url,
                    headers={"Accept": EVENT_STREAM, **headers},
                    timeout=timeout,
                    ssl=self._ssl,
                    allow_redirects=False,
                )
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise connection_error(what, err) from err
        try:
            if resp.status != 200 or EVENT_STREAM not in resp.headers.get(
                "Content-Type", ""
            ):
                response = await _read(resp)
                if response.status == 200:
                    raise IcwsResponseError(
                        f"{what} failed: not an event stream", status=200
                    )
                raise error_for(what, response)
            yield resp
        finally:
            resp.close()


async def _read(resp: aiohttp.ClientResponse) -> Response:
    """Read a whole answer: status, headers, cookies and its decoded JSON body."""
    raw = await resp.read()
    cookies = {name: morsel.value for name, morsel in resp.cookies.items()}
    return Response(resp.status, resp.headers, cookies, _decode(resp, raw))


def _decode(resp: aiohttp.ClientResponse, raw: bytes) -> Any:
    """Decode a JSON body of any ``*json*`` content type; anything else becomes None."""
    if not raw or "json" not in resp.headers.get("Content-Type", "").lower():
        return None
    try:
        return decode_json(raw)
    except ValueError:
        return None
