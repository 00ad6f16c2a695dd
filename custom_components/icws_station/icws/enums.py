"""Enums that tolerate what a newer server sends.

A value an enum does not know becomes a pseudo-member named ``UNKNOWN_<value>`` instead of an
error, so a newer server never breaks an older client. Text values also match a member's
value or name whatever the case and surrounding blanks (``"o"``, ``"Outbound"``), since
servers and their documentation spell them differently.
"""

from __future__ import annotations

from enum import Enum, IntEnum, StrEnum
from typing import Self


class TolerantIntEnum(IntEnum):
    """An IntEnum that keeps unknown integers (never text or booleans)."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        return _unknown(int.__new__(cls, value), value)


class TolerantStrEnum(StrEnum):
    """A StrEnum that matches text loosely and keeps unknown text."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        wanted = value.strip().casefold()
        for member in cls:
            if wanted in (member.value.casefold(), member.name.casefold()):
                return member
        return _unknown(str.__new__(cls, value), value)


def _unknown[E: Enum](member: E, value: object) -> E:
    member._name_ = f"UNKNOWN_{value}"
    member._value_ = value
    return member
