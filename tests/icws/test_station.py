"""Connecting the session to a station and asking for it."""

from __future__ import annotations

import pytest

from custom_components.icws_station.icws import (
    IcwsClient,
    IcwsStationError,
    MediaType,
    RemoteNumberSettings,
    RemoteWorkstationSettings,
    StationlessSettings,
    StationSetting,
    WorkstationSettings,
)
from icws_simulator import IcwsSimulator


async def test_workstation_round_trip(client: IcwsClient) -> None:
    await client.login()
    assert await client.get_station() is None

    await client.connect_station(WorkstationSettings("WS-114"))
    station = await client.get_station()

    assert station is not None
    assert station.id == "WS-114"
    assert station.extension == "114"
    assert station.station_setting is StationSetting.WORKSTATION
    assert station.allowed_media_types == (
        MediaType.CALL,
        MediaType.CHAT,
        MediaType.EMAIL,
    )
    assert station.sip_password is not None
    assert station.sip_password.reveal() == "sip-Secret-114"

    await client.disconnect_station()
    assert await client.get_station() is None


async def test_unknown_workstation_is_not_found(client: IcwsClient) -> None:
    await client.login()

    with pytest.raises(IcwsStationError) as caught:
        await client.connect_station(WorkstationSettings("WS-999"))

    assert caught.value.not_found
    assert caught.value.status == 400
    assert client.logged_in


async def test_remote_workstation(client: IcwsClient) -> None:
    await client.login()

    await client.connect_station(RemoteWorkstationSettings("WS-115", "3175551234"))
    station = await client.get_station()

    assert station is not None
    assert station.id == "WS-115"
    assert station.station_setting is StationSetting.REMOTE_WORKSTATION
    assert station.remote_number == "3175551234"


@pytest.mark.parametrize("persistent", [True, False])
async def test_remote_number(
    client: IcwsClient, simulator: IcwsSimulator, persistent: bool
) -> None:
    await client.login()

    await client.connect_station(
        RemoteNumberSettings("3175551234", persistent=persistent)
    )
    station = await client.get_station()

    assert station is not None
    assert station.station_setting is StationSetting.REMOTE_NUMBER
    assert station.remote_number == "3175551234"
    (sent,) = simulator.traffic.station_requests
    assert sent["persistentConnection"] is persistent


async def test_stationless(client: IcwsClient) -> None:
    await client.login()
    await client.connect_station(WorkstationSettings("WS-114"))

    await client.connect_station(StationlessSettings())

    assert await client.get_station() is None
