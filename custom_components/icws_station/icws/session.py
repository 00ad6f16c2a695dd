"""One live ICWS session: its credentials, and the calls every concern makes in it.

The seam between the client's concerns and the wire: :meth:`Session.send`,
:meth:`Session.call` and :meth:`Session.subscribe` put the session id into the path and the
cookie and CSRF token into the headers, and a 401 to any of them (or to the message stream)
ends the session. A concern module needs nothing else to make its requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Any, Final, Self

import aiohttp
from yarl import URL

from .errors import IcwsError, IcwsResponseError, IcwsSessionLostError
from .models import ConnectionState, SessionState
from .subscriptions import Subscription, SubscriptionKind
from .transport import Response, Transport, error_for

CSRF_HEADER: Final = "ININ-ICWS-CSRF-Token"
SESSION_HEADER: Final = "ININ-ICWS-Session-ID"
_SUCCESS: Final = range(200, 300)


class _Credentials:
    """What proves the session: never shown in ``repr``."""

    __slots__ = ("cookie", "csrf_token", "session_id")

    def __init__(self, session_id: str, csrf_token: str, cookie: str) -> None:
        self.session_id = session_id
        self.csrf_token = csrf_token
        self.cookie = cookie

    def __repr__(self) -> str:
        return "<ICWS session credentials>"


def is_path_segment(value: str) -> bool:
    """Whether ``value`` names one path segment and nothing else.

    An id that could name another path ("", "..", a "/") or holds a control character
    would send the request elsewhere, or make it fail outside :class:`IcwsError`.
    """
    return value not in {"", ".", ".."} and "/" not in value and value.isprintable()


def _credentials(response: Response) -> _Credentials:
    """Read the credentials of a successful login's answer (headers, else body)."""
    body = response.body if isinstance(response.body, dict) else {}
    session_id = response.headers.get(SESSION_HEADER) or body.get("sessionId")
    csrf_token = response.headers.get(CSRF_HEADER) or body.get("csrfToken")
    cookie = next(
        (
            f"{name}={value}"
            for name, value in response.cookies.items()
            if name.lower().startswith("icws")
        ),
        None,
    )
    # The id goes into every path and the token and cookie into headers: one that cannot (a
    # "/", a newline or other control character) would make every later call fail outside
    # IcwsError.
    if (
        not isinstance(session_id, str)
        or not is_path_segment(session_id)
        or not isinstance(csrf_token, str)
        or not csrf_token.isprintable()
        or not cookie
        or not cookie.isprintable()
    ):
        raise IcwsResponseError(
            "Login failed: the answer lacks the session's credentials"
        )
    return _Credentials(session_id, csrf_token, cookie)


class Session:
    """A session the server granted, until it ends (401, "down", logout or a new login).

    Keeps the subscriptions made in it, to renew them after a gap in the messages.
    """

    def __init__(
        self, transport: Transport, url: URL, credentials: _Credentials
    ) -> None:
        """Use ``credentials`` on the server at ``url``."""
        self._transport = transport
        self.url = url
        self._credentials: _Credentials | None = credentials
        self._subscriptions: dict[str, Subscription] = {}
        self._retrieved = False

    @classmethod
    def from_login_answer(
        cls, transport: Transport, url: URL, response: Response
    ) -> Self:
        """Start the session a 201 answer to the login grants.

        Raises :class:`IcwsResponseError` when the answer lacks usable credentials.
        """
        return cls(transport, url, _credentials(response))

    def __repr__(self) -> str:
        """Name the server only."""
        return f"<ICWS session on {self.url.host}>"

    @property
    def live(self) -> bool:
        """Whether the session has not been seen to end."""
        return self._credentials is not None

    @property
    def subscriptions(self) -> Collection[Subscription]:
        """The subscriptions to renew after a gap, in the order they were made."""
        return tuple(self._subscriptions.values())

    def end(self) -> None:
        """Forget the session: later calls fail as not logged in."""
        self._credentials = None
        self._subscriptions.clear()

    def begin_retrieval(self) -> bool:
        """Note that messages are being retrieved; return whether to renew first.

        Only the first retrieval of a session follows its subscriptions directly; any later
        one comes after a gap in which messages may have been lost.
        """
        renew = self._retrieved
        self._retrieved = True
        return renew

    async def send(
        self,
        method: str,
        path: str | tuple[str, ...],
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
        csrf: bool = True,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a call inside the session and return any answer but a 401, which ends it.

        ``headers`` and ``query`` are the call's own (a ``Range`` for a page, a filter).
        Raises ``ValueError``, sending nothing, when a segment of a tuple ``path`` (an id
        given by the caller) is not one path segment.
        """
        if isinstance(path, tuple) and not all(map(is_path_segment, path)):
            raise ValueError(f"{what}: an id is not one path segment")
        credentials = self._require(what)
        sent = {**(headers or {}), "Cookie": credentials.cookie}
        if csrf:
            sent[CSRF_HEADER] = credentials.csrf_token
        segments = path if isinstance(path, tuple) else tuple(path.split("/"))
        url = self.url.joinpath("icws", credentials.session_id, *segments)
        response = await self._transport.request(
            method,
            url.with_query(query) if query else url,
            what=what,
            headers=sent,
            body=body,
        )
        if response.status == 401:
            self.end()
            raise error_for(what, response)
        return response

    async def call(
        self,
        method: str,
        path: str | tuple[str, ...],
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
        expected: Collection[int] = (200,),
        csrf: bool = True,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Response:
        """Send a call; an answer other than ``expected`` raises the matching error."""
        response = await self.send(
            method,
            path,
            what=what,
            body=body,
            csrf=csrf,
            headers=headers,
            query=query,
        )
        if response.status not in expected:
            raise error_for(what, response)
        return response

    async def subscribe(
        self,
        kind: SubscriptionKind,
        path: str,
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        """Start (or replace) a subscription and keep it, to renew it after a gap.

        Any 2xx grants it: the documented codes are 200 and 204, and one subscription's
        code is not documented at all (``docs/icws-protocol.md`` §18). It is kept before
        it is asked for, so that a renewal running meanwhile renews the new body instead
        of putting the replaced one back after it; a refusal restores what was kept.
        """
        previous = self._subscriptions.get(path)
        subscription = self._subscriptions[path] = Subscription(kind, path, body)
        try:
            await self.call("PUT", path, what=what, body=body, expected=_SUCCESS)
        except BaseException:
            if self._subscriptions.get(path) is subscription:
                if previous is None:
                    del self._subscriptions[path]
                else:
                    self._subscriptions[path] = previous
            raise

    async def renew(self, subscription: Subscription) -> None:
        """Ask again for a subscription, so that a full message follows.

        As it is kept now: replaced while the others were renewed (a colleague or a
        wallboard workgroup added), it is renewed with its new body; ended, not at all.
        """
        current = self._subscriptions.get(subscription.path)
        if current is None and self.live:
            return
        await self.call(
            "PUT",
            subscription.path,
            what="Subscription renewal",
            body=(current or subscription).body,
            expected=_SUCCESS,
        )

    async def unsubscribe(self, subscription: Subscription) -> None:
        """End a subscription."""
        self._subscriptions.pop(subscription.path, None)
        await self.call(
            "DELETE", subscription.path, what="Unsubscription", expected=(200, 204)
        )

    async def check(self) -> SessionState:
        """Ask the server whether the session is still up; a "down" answer ends it.

        A session the server reports down is one it is ending (its "down" message waits to
        be read): it is logged out here, so that the server forgets it before a new login,
        rather than hold it beside the next one until it times out.
        """
        what = "Session check"
        state = SessionState.from_answer(
            (await self.call("GET", "connection", what=what)).body
        )
        if state.state is ConnectionState.DOWN:
            with suppress(IcwsError):
                await self.logout()
            self.end()
            raise IcwsSessionLostError(
                f"{what}: the server ended the session: "
                f"{state.reason or 'no reason given'}",
                reason=state.reason,
                should_reconnect=state.should_reconnect,
            )
        return state

    async def logout(self) -> None:
        """Ask the server to end the session (any 2xx); what a failure means is the caller's."""
        await self.call("DELETE", "connection", what="Logout", expected=range(200, 300))

    @asynccontextmanager
    async def stream(self, what: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open the session's event stream; a 401 ends the session like any call's."""
        credentials = self._require(what)
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(
                    self._transport.stream(
                        self.url.joinpath(
                            "icws", credentials.session_id, "messaging", "messages"
                        ),
                        what=what,
                        headers={"Cookie": credentials.cookie},
                    )
                )
            except IcwsSessionLostError:
                self.end()
                raise
            yield response

    def _require(self, what: str) -> _Credentials:
        if self._credentials is None:
            raise _not_logged_in(what)
        return self._credentials


def require(session: Session | None, what: str) -> Session:
    """Return ``session`` if it is live; else raise :class:`IcwsSessionLostError`."""
    if session is None or not session.live:
        raise _not_logged_in(what)
    return session


def _not_logged_in(what: str) -> IcwsSessionLostError:
    return IcwsSessionLostError(f"{what} failed: not logged in")
