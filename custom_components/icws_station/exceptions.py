"""What the user reads when an action fails: the client's errors as translated ones.

Coordinators raise the client's errors, so that each edge can say it in its own way: the
actions and entities here, as translated ``HomeAssistantError``; the options flow as a form
error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .icws import (
    IcwsConnectionError,
    IcwsError,
    IcwsResponseError,
    IcwsSessionLostError,
    IcwsTimeoutError,
)
from .session import IcwsSession


@contextmanager
def translated_errors(
    session: IcwsSession,
    *,
    refused: str | Callable[[IcwsResponseError], str],
    **placeholders: str,
) -> Iterator[None]:
    """Turn a client error raised inside into a translated ``HomeAssistantError``.

    The server refused: the key ``refused`` names (or returns for the error), with the
    server's own words as the placeholder ``message``. No live session, or no connection to
    the server (an outage, or the session just ended): ``not_connected``. An answer that did
    not come in time, or a server error: ``request_failed``, since the request may have been
    carried out.
    """
    try:
        yield
    except IcwsError as err:
        if isinstance(err, IcwsResponseError):
            key = refused if isinstance(refused, str) else refused(err)
            placeholders = {"message": err.server_message or str(err), **placeholders}
        elif isinstance(err, IcwsSessionLostError) or (
            isinstance(err, IcwsConnectionError)
            and not isinstance(err, IcwsTimeoutError)
            and err.status is None
        ):
            key = "not_connected"
        else:
            key = "request_failed"
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=session.placeholders(**placeholders),
        ) from err
