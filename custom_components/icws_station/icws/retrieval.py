"""Message retrieval: server-sent events or short polling, kept whole through gaps.

After any gap in which messages may have been lost (a stream reopened, a poll that failed, a
later call of ``messages()``) every subscription of the session is renewed, so full messages
follow; a renewal the server refuses becomes a :class:`SubscriptionRefusedMessage` among the
messages. A stream that falls silent is told from a quiet one by one session check.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import suppress
from enum import StrEnum
import logging
from typing import Final

import aiohttp

from .codec import decode_json
from .errors import IcwsConnectionError, IcwsResponseError, IcwsSessionLostError
from .messages import Complaints, ConnectionStateMessage, Message, parse_message
from .models import ConnectionState
from .session import Session, require
from .sse import SseDecoder
from .subscriptions import SubscriptionRefusedMessage

_LOGGER = logging.getLogger(__name__)

MAX_STREAM_RETRY: Final = 10.0
# How long a stream whose session was just refused is read for the server's last word.
LAST_WORD_WITHIN: Final = 1.0


class RetrievalMode(StrEnum):
    """How messages are fetched: server-sent events when the server offers them, or polling."""

    AUTO = "auto"
    SSE = "sse"
    POLL = "poll"


class Retrieval:
    """A client's message retrieval; one consumer at a time, stopped for good by ``close``."""

    def __init__(self, *, stream_idle_timeout: float) -> None:
        """Bound each read of an event stream by ``stream_idle_timeout`` seconds."""
        self._idle_timeout = stream_idle_timeout
        self._closed = asyncio.Event()
        self._complain = Complaints()
        # The open event stream, so that close() can end it at once.
        self.stream: aiohttp.ClientResponse | None = None

    def close(self) -> None:
        """Stop retrieving: the open stream ends now, a waiting poll at once."""
        self._closed.set()
        if self.stream is not None:
            self.stream.close()

    async def poll(
        self, session: Session | None, interval: float
    ) -> AsyncGenerator[Message]:
        """Poll the session's messages every ``interval`` seconds."""
        session = require(session, "Message poll")
        renew = session.begin_retrieval()
        failures = 0
        while not self._closed.is_set():
            try:
                refused = await self._renew(session) if renew else []
                renew = False
                response = await session.call(
                    "GET", "messaging/messages", what="Message poll", csrf=False
                )
            except IcwsConnectionError:
                # The answer may have been lost after the server drained the queue.
                renew = True
                failures += 1
                if failures > 1:
                    raise
                _LOGGER.debug("Message poll failed; trying once more")
            else:
                failures = 0
                for refusal in refused:
                    yield refusal
                if isinstance(response.body, list):
                    for raw in response.body:
                        if (message := self._read(session, raw)) is not None:
                            yield message
                else:
                    self._complain("batch", "Ignoring a malformed batch of messages")
                    renew = True
            with suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._closed.wait()

    async def events(self, session: Session | None) -> AsyncGenerator[Message]:
        """Stream the session's messages as server-sent events, reopening a broken stream."""
        session = require(session, "Message stream")
        renew = session.begin_retrieval()
        # Streams in a row that ended without delivering anything (no event, no keep-alive).
        empty_streams = 0
        delay = 0.0
        while not self._closed.is_set():
            if delay:
                with suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._closed.wait()
                if self._closed.is_set():
                    return
            decoder = SseDecoder()
            try:
                async with session.stream("Message stream") as response:
                    self.stream = response
                    if renew:
                        try:
                            refusals = await self._renew(session)
                        except IcwsSessionLostError:
                            # The server may have ended the session with a message that
                            # waits in this stream: its word (reconnect or not) counts.
                            await self._last_word(session, response, decoder)
                            raise
                        for refusal in refusals:
                            yield refusal
                    renew = True
                    while True:
                        try:
                            async with asyncio.timeout(self._idle_timeout):
                                chunk = await response.content.readany()
                        except TimeoutError:
                            if await self._stream_is_dead(session, decoder):
                                problem = "silent"
                                break
                            continue
                        if not chunk:
                            problem = "closed by the server"
                            break
                        for data in decoder.feed(chunk):
                            try:
                                raw = decode_json(data)
                            except ValueError:
                                self._complain(
                                    "json", "Ignoring a message that is not JSON"
                                )
                                continue
                            for item in raw if isinstance(raw, list) else (raw,):
                                if (message := self._read(session, item)) is not None:
                                    yield message
            except IcwsResponseError as err:
                # The server answers, but not with an event stream: not for now.
                raise IcwsConnectionError(str(err), status=err.status) from err
            except (aiohttp.ClientError, OSError) as err:
                problem = type(err).__name__
            finally:
                self.stream = None
            if self._closed.is_set():
                return
            if decoder.events or decoder.comments:
                empty_streams, delay = 0, 0.0
            else:
                empty_streams += 1
                if empty_streams > 1:
                    await session.check()
                    raise IcwsConnectionError(
                        f"The message stream keeps ending ({problem})"
                    )
                # Pace reopening as the server asks, within reason.
                delay = min(decoder.retry or 0.0, MAX_STREAM_RETRY)
            _LOGGER.debug("Message stream %s; reopening it", problem)

    async def _renew(self, session: Session) -> list[SubscriptionRefusedMessage]:
        """Renew every subscription; return the refusals (a 401 or no server raises).

        Renewing makes the server send a full (``isDelta: false``) message, as on the first
        subscription (``docs/icws-protocol.md`` §5, §9, §10). A refused one does not stop
        the others.
        """
        subscriptions = session.subscriptions
        _LOGGER.debug("Renewing %s subscriptions", len(subscriptions))
        refused: list[SubscriptionRefusedMessage] = []
        for subscription in subscriptions:
            try:
                await session.renew(subscription)
            except IcwsResponseError as err:
                # The caller is told by the message below, and decides what to say.
                _LOGGER.debug(
                    "The server refused to renew the %s subscription: %s",
                    subscription.kind,
                    err,
                )
                refused.append(
                    SubscriptionRefusedMessage(
                        subscription.kind, err.status, err.error_id
                    )
                )
        return refused

    async def _last_word(
        self,
        session: Session,
        response: aiohttp.ClientResponse,
        decoder: SseDecoder,
    ) -> None:
        """Read what the open stream already brings, for the server's "session down".

        Raises :class:`IcwsSessionLostError` with the server's reason and advice when it is
        there; returns when the stream ends or is quiet for a moment.
        """
        with suppress(TimeoutError, aiohttp.ClientError, OSError):
            async with asyncio.timeout(LAST_WORD_WITHIN):
                while chunk := await response.content.readany():
                    for data in decoder.feed(chunk):
                        with suppress(ValueError):
                            raw = decode_json(data)
                            for item in raw if isinstance(raw, list) else (raw,):
                                self._read(session, item)

    def _read(self, session: Session, raw: object) -> Message | None:
        """Parse one message; when it says the session went down, end it and raise."""
        message = parse_message(raw, self._complain)
        if (
            isinstance(message, ConnectionStateMessage)
            and message.new_state is ConnectionState.DOWN
        ):
            session.end()
            raise IcwsSessionLostError(
                f"The server ended the session: {message.reason or 'no reason given'}",
                reason=message.reason,
                should_reconnect=message.should_reconnect,
            )
        return message

    async def _stream_is_dead(self, session: Session, decoder: SseDecoder) -> bool:
        """Decide what a stream silent for ``stream_idle_timeout`` means.

        The server's keep-alive comments (``docs/icws-protocol.md`` §4) count as traffic,
        so a stream that has carried them and then falls silent is dead even if the TCP
        connection looks open. One session check tells a lost session (raises
        :class:`IcwsSessionLostError`) and an unreachable server (raises
        :class:`IcwsConnectionError`) from a stream to reopen. A server that never sent a
        keep-alive is simply quiet: the stream is kept and the check repeated each idle
        period. With the default 32 s this costs nothing while keep-alives flow and at most
        one check per 32 s (under 2 requests a minute) without them, and a silent loss is
        detected within 32 s plus one request timeout (10 s): under 45 s.
        """
        await session.check()
        return decoder.comments > 0
