"""Errors of the ICWS client: one class for each thing a caller does about it.

Messages carry the server's ``errorId`` and ``message`` and a short description of the call,
never a password, token, cookie or session id. ``server_message`` keeps the server's own
words apart, for a caller that shows them.
"""

from __future__ import annotations


class IcwsError(Exception):
    """Base of every error the client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_id: str | None = None,
        server_message: str | None = None,
    ) -> None:
        """Keep the HTTP status, the server's error id and its message for callers."""
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.server_message = server_message


class IcwsConnectionError(IcwsError):
    """The server could not be reached or is not serving (network, TLS, timeout, 5xx).

    Transient: try again later, with backoff.
    """


class IcwsTimeoutError(IcwsConnectionError):
    """The server did not answer within the request timeout."""


class IcwsSslError(IcwsConnectionError):
    """The TLS handshake failed, typically an untrusted or mismatched certificate."""


class IcwsPlainHttpError(IcwsSslError):
    """The port of an ``https://`` address answered without TLS, as a plain HTTP port does.

    Retrying and turning certificate verification off change nothing: the address needs
    ``http://``, or the server's TLS port.
    """


class IcwsAuthenticationError(IcwsError):
    """The server refused the credentials.

    Never retried by the client: repeated failed logins can lock the user's account.
    """


class IcwsSessionLostError(IcwsError):
    """The session ended (401, or the server announced it is going down).

    Log in again; the session's station connection and subscriptions are gone.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_id: str | None = None,
        reason: str | None = None,
        should_reconnect: bool = True,
    ) -> None:
        """Keep the server's reason and its advice on reconnecting."""
        super().__init__(message, status=status, error_id=error_id)
        self.reason = reason
        self.should_reconnect = should_reconnect


class IcwsResponseError(IcwsError):
    """The server answered in a way the client did not expect (4xx, malformed body)."""


class IcwsStationError(IcwsResponseError):
    """The server refused to connect the session to the requested station."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_id: str | None = None,
        not_found: bool = False,
    ) -> None:
        """Tell a station that does not exist apart from other refusals."""
        super().__init__(message, status=status, error_id=error_id)
        self.not_found = not_found


class IcwsStatusError(IcwsResponseError):
    """The server refused to set a status.

    ``reason`` is ``unknown_status`` (400: no such status) or ``not_allowed`` (403: outside
    the user's access list, or another user's status).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        status: int | None = None,
        error_id: str | None = None,
    ) -> None:
        """Say why the status was refused."""
        super().__init__(message, status=status, error_id=error_id)
        self.reason = reason


class IcwsInteractionError(IcwsResponseError):
    """The server refused an action on one of the user's interactions, or a new call.

    Show ``server_message``, the server's own words. ``not_found`` (404) says the
    interaction does not exist: it ended or left the user's queue.
    """

    @property
    def not_found(self) -> bool:
        """Whether the server does not know the interaction (any more)."""
        return self.status == 404


class IcwsNotAllowedError(IcwsResponseError):
    """The server refused because the user lacks the right (403).

    Such as changing workgroup activations or listing statistics without the right: asking
    again changes nothing until an administrator grants it.
    """
