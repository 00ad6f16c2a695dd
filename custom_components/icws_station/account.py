"""Which account an entry is: an identity that survives a switchover.

A switchover pair answers from two servers that report different ``icServer`` names, and the
login answer names no cluster, so the server's own name cannot identify the entry. What stays
the same through a switchover is the address the user typed (the client hops to a partner
without changing it) and the user ID the server reports. The unique ID is built from those:
``<user id>@<host>``, the user ID casefolded as the server compares it, the host as
:func:`server_url` normalises it.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry

from .icws import LoginInfo, server_url


def account_id(url: str, user_id: str) -> str:
    """Return the unique ID of an account: the user at the address the user typed."""
    return f"{user_id.casefold()}@{server_url(url).host}"


def is_entry_account(entry: ConfigEntry[Any], info: LoginInfo) -> bool:
    """Tell whether a login signed in as the entry's own user.

    Call it after every login: the same address can come to serve another account (the
    user name changed on the entry, or the directory maps it to another user now). Only the
    user is compared, as the host part comes from the entry's own address.
    """
    user, _, _ = (entry.unique_id or "").rpartition("@")
    return user == info.user_id.casefold()
