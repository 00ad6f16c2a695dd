"""The user list's route (docs/icws-protocol.md §15) and the control routes of the rights.

``GET .../configuration/users`` answers a page of the users the session's user may see:
``select`` picks the fields beside ``configurationId`` (which is always there), ``where`` and
``orderBy`` filter and sort, and a ``Range: items=FIRST-LAST`` header picks the page,
answered with ``Content-Range: items FIRST-LAST/TOTAL``. Without a range the first
``PAGE_SIZE`` come [seen: 200 a page].
"""

import re
from typing import Any, Final

from aiohttp import web

from .control import ControlApi
from .directory import PAGE_SIZE, Query, UserDirectory
from .protocol import NOT_ALLOWED_ID, IcwsError, bad_request, json_response
from .routing import IcwsRoutes
from .sessions import SimSession
from .state import SimulatorState

_RANGE: Final = re.compile(r"^\s*items\s*=\s*(\d+)\s*-\s*(\d+)\s*$", re.IGNORECASE)
# [guess] What a user's selectable fields hold beside configurationId; nothing more is
# simulated.
_SELECTABLE: Final = frozenset({"configurationid", "extension", "workgroups"})


def _page(header: str | None) -> tuple[int, int]:
    """Return the first item and how many, from a ``Range`` header (400 if malformed)."""
    if header is None:
        return 0, PAGE_SIZE
    match = _RANGE.match(header)
    if match is None or int(match.group(2)) < int(match.group(1)):
        raise bad_request("The Range header is malformed.")
    first, last = int(match.group(1)), int(match.group(2))
    return first, last - first + 1


class DirectoryApi:
    """The user list's ICWS route and the control routes of the rights."""

    def __init__(self, state: SimulatorState) -> None:
        """Act on the state's :class:`UserDirectory`."""
        self.state = state
        self.directory: UserDirectory = state.directory

    def add_routes(self, icws: IcwsRoutes, control: ControlApi) -> None:
        """Register ``GET configuration/users`` and ``/_simulator/directory``."""
        icws.add_session("GET", "/configuration/users", self.users)
        control.add("/directory", self.get_state, method="GET")
        control.add("/directory/users/{user_id}", self.set_rights)
        control.add_snapshot(lambda: {"directory": self.directory.snapshot()})

    async def users(
        self, request: web.Request, session: SimSession
    ) -> web.StreamResponse:
        """``GET .../configuration/users``: a page of the users, with its Content-Range."""
        if self.directory.list_refused:
            raise IcwsError(403, "Reading the users is not allowed.", NOT_ALLOWED_ID)
        select = {
            field.strip().casefold()
            for field in request.query.get("select", "configurationId").split(",")
            if field.strip()
        }
        if not select <= _SELECTABLE:
            raise bad_request("The select parameter names an unknown property.")
        try:
            query = Query(request.query.get("where"), request.query.get("orderBy"))
            found = self.directory.users(
                session.user_id,
                rights_filter=request.query.get("rightsFilter", "view"),
                query=query,
            )
        except ValueError as error:
            raise bad_request(str(error)) from None
        first, count = _page(request.headers.get("Range"))
        page = found[first : first + min(count, PAGE_SIZE)]
        items = [self._item(user, select) for user in page]
        if page:
            content_range = f"items {first}-{first + len(page) - 1}/{len(found)}"
        else:
            content_range = f"items */{len(found)}"
        return json_response({"items": items}, headers={"Content-Range": content_range})

    def _item(self, user: dict[str, str], select: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "configurationId": {
                "id": user["id"],
                "displayName": user["name"],
                "uri": f"/configuration/users/{user['id']}",
            }
        }
        if "extension" in select:
            item["extension"] = ""
        if "workgroups" in select:
            item["workgroups"] = []
        return item

    async def get_state(
        self, _request: web.Request, _body: dict[str, Any]
    ) -> dict[str, Any]:
        """``GET /_simulator/directory``: how many users, who is private or a supervisor."""
        return self.directory.snapshot()

    async def set_rights(
        self, request: web.Request, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /_simulator/directory/users/{user}``: ``private``, ``supervisor``."""
        flags: dict[str, bool | None] = {}
        for key in ("private", "supervisor"):
            value = body.get(key)
            if value is not None and not isinstance(value, bool):
                raise TypeError(f"{key} must be a boolean")
            flags[key] = value
        self.directory.set_rights(
            request.match_info["user_id"],
            private=flags["private"],
            supervisor=flags["supervisor"],
        )
        return self.directory.snapshot()
