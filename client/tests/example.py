"""A complete program using aioicws: log in, log into a workstation, print the station.

python example.py URL USER PASSWORD WORKSTATION
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
import getpass
import sys

import aiohttp
from yarl import URL

from aioicws import (
    IcwsClient,
    IcwsError,
    LoginInfo,
    Station,
    StationMessage,
    WorkstationSettings,
    server_url,
)


async def show_station(url: URL, user: str, password: str, workstation: str) -> Station:
    """Log ``user`` into ``workstation`` and return the station the server reports."""
    async with aiohttp.ClientSession() as http:
        client = IcwsClient(
            http, url, user, password, application_name="aioicws example"
        )
        try:
            info: LoginInfo = await client.login()
            print(f"Logged in as {info.user_display_name} on {info.server_name}")
            await client.subscribe_station()
            await client.connect_station(WorkstationSettings(workstation))
            station: Station | None = None
            async with aclosing(client.messages()) as messages:
                async for message in messages:
                    if isinstance(message, StationMessage):
                        station = message.apply(station)
                        if station is not None and station.id == workstation:
                            print(
                                f"Station {station.id}, extension {station.extension}"
                            )
                            return station
        finally:
            await client.close()
    raise IcwsError("The message stream ended")


def main(argv: list[str]) -> int:
    """Run the example from the command line."""
    url, user, workstation = server_url(argv[1]), argv[2], argv[3]
    try:
        asyncio.run(show_station(url, user, getpass.getpass(), workstation))
    except IcwsError as error:
        print(f"Failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
