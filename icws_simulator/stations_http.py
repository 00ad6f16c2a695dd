"""The station routes: the session's station connection and its subscription (§5, §11).

Each handler checks the request, then acts on the state's station rules (one station per
user, switching, logoffs), which tests and the control routes use too.
"""

from dataclasses import replace
from typing import Any

from aiohttp import web

from . import protocol
from .control import ControlApi
from .protocol import (
    bad_request,
    ends_subscription,
    json_response,
    read_json_object,
    required_string,
    station_not_found,
)
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState
from .station_data import (
    STATION_SETTING_REMOTE_NUMBER,
    STATION_SETTING_REMOTE_WORKSTATION,
    STATION_SETTING_WORKSTATION,
    SimulatedStation,
    station_info,
)


class StationsApi:
    """Handlers of the station connection and subscription routes, bound to one state."""

    def __init__(self, state: SimulatorState) -> None:
        """Keep the state the handlers act on."""
        self.state = state

    def add_routes(self, icws: IcwsRoutes, _control: ControlApi) -> None:
        """Register the station subscription and station connection routes."""
        subscription = "/messaging/subscriptions/connection/station"
        icws.add_session("PUT", subscription, self.subscribe)
        # docs/icws-protocol.md §5
        icws.add_session(
            "DELETE", subscription, ends_subscription(self.state.stations.unsubscribe)
        )
        icws.add_session("PUT", "/connection/station", self.put_station)
        icws.add_session("GET", "/connection/station", self.get_station)
        icws.add_session("DELETE", "/connection/station", self.delete_station)

    # ---- station subscription ----------------------------------------------------------

    async def subscribe(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT .../subscriptions/connection/station``: 200, then the initial message.

        [guess] No body: the docs list none for the 200.
        """
        self.state.stations.subscribe(session)
        return web.Response(status=200)

    # ---- station connection ------------------------------------------------------------

    async def put_station(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``PUT /icws/{id}/connection/station``: log the session on to a station (200).

        A session already on a station switches to the new one (§11, see
        :meth:`StationState.connect`).
        """
        body = await read_json_object(request)
        self.state.traffic.record_station_request(body)
        station = self._station_from_settings(body)
        mode = body.get("stationConnectionMode", 0)
        if not isinstance(mode, int) or mode not in {0, 1, 2}:
            raise bad_request("Invalid stationConnectionMode.")
        session.station_connection_mode = mode
        self.state.stations.connect(session, station)
        return web.Response(status=200)

    def _station_from_settings(self, body: dict[str, Any]) -> SimulatedStation | None:
        kind = body.get("__type")
        station: SimulatedStation | None
        if kind == protocol.TYPE_STATIONLESS:
            return None
        if kind in {protocol.TYPE_WORKSTATION, protocol.TYPE_REMOTE_WORKSTATION}:
            found = self.state.stations.find(required_string(body, "workstation"))
            if found is None:
                raise station_not_found()
            station = replace(found, station_setting=STATION_SETTING_WORKSTATION)
            if kind == protocol.TYPE_REMOTE_WORKSTATION:
                station = replace(
                    station,
                    station_setting=STATION_SETTING_REMOTE_WORKSTATION,
                    remote_number=required_string(body, "remoteNumber"),
                )
        elif kind == protocol.TYPE_REMOTE_NUMBER:
            number = required_string(body, "remoteNumber")
            # [guess] A remote number station is named after its number.
            station = SimulatedStation(
                id=number,
                extension=number,
                station_setting=STATION_SETTING_REMOTE_NUMBER,
                remote_number=number,
                allowed_media_types=(1,),
            )
        else:
            raise bad_request("Unknown station settings type.")
        supported = body.get("supportedMediaTypes")
        if supported is not None:
            if not isinstance(supported, list) or not all(
                isinstance(media, int) for media in supported
            ):
                raise bad_request("Invalid supportedMediaTypes.")
            # [guess] The station offers the media types both it and the client support.
            station = replace(
                station,
                allowed_media_types=tuple(
                    media for media in station.allowed_media_types if media in supported
                ),
            )
        return station

    async def get_station(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET /icws/{id}/connection/station``: 200 with the station's fields.

        [guess] With no station connection: the same 400 as an unknown station.
        """
        if session.station is None:
            raise station_not_found()
        return json_response(
            station_info(session.station, self.state.connection_version)
        )

    async def delete_station(
        self, _request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``DELETE /icws/{id}/connection/station``: 200, station disconnected [doc].

        [guess] Also 200 when there was no station connection.
        """
        self.state.stations.connect(session, None)
        return web.Response(status=200)
