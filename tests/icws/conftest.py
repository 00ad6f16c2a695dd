"""Helpers for the client tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from custom_components.icws_station.icws import Message, StationMessage

APP = "icws_station tests"
WAIT = 5.0


async def next_station_message(messages: AsyncIterator[Message]) -> StationMessage:
    """Return the next station message, failing the test if none comes within WAIT."""
    async with asyncio.timeout(WAIT):
        async for message in messages:
            if isinstance(message, StationMessage):
                return message
    raise AssertionError("the message stream ended")


async def next_message[T](messages: AsyncIterator[Message], kind: type[T]) -> T:
    """Return the next message of ``kind``, failing the test if none comes within WAIT."""
    async with asyncio.timeout(WAIT):
        async for message in messages:
            if isinstance(message, kind):
                return message
    raise AssertionError("the message stream ended")
