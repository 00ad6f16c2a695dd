"""The server address a user types, made into the base URL the client talks to."""

from __future__ import annotations

from typing import Final

from yarl import URL

HTTP_PORT: Final = 8018
HTTPS_PORT: Final = 8019


def server_url(text: str) -> URL:
    """Return ``scheme://host:port`` for what a user typed; raise ``ValueError`` if unusable.

    The scheme defaults to https and the port to the ICWS default for the scheme (8019 for
    https, 8018 for http), since ICWS does not listen on 443 or 80.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty server address")
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = URL(text)
        port = url.explicit_port
    except ValueError as err:
        raise ValueError("invalid server address") from err
    if (
        url.scheme not in ("http", "https")
        or not url.host
        or url.user
        or url.query_string
    ):
        raise ValueError("invalid server address")
    if url.path not in ("", "/"):
        raise ValueError("the server address must not have a path")
    if port is None:
        port = HTTPS_PORT if url.scheme == "https" else HTTP_PORT
    return URL.build(scheme=url.scheme, host=url.host, port=port)
