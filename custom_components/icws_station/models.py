"""What a loaded entry holds: its session and the coordinator of each concern."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .activations import ActivationsCoordinator
from .calls import CallsCoordinator
from .colleagues import ColleaguesCoordinator
from .coordinator import IcwsCoordinator
from .session import IcwsSession
from .station import StationCoordinator
from .status import StatusCoordinator
from .voicemail import VoicemailCoordinator
from .wallboard import WallboardCoordinator


@dataclass(frozen=True, slots=True)
class IcwsRuntimeData:
    """The session and its concerns; each concern says whether the server offers it."""

    session: IcwsSession
    station: StationCoordinator
    status: StatusCoordinator
    calls: CallsCoordinator
    voicemail: VoicemailCoordinator
    colleagues: ColleaguesCoordinator
    activations: ActivationsCoordinator
    wallboard: WallboardCoordinator

    @property
    def coordinators(self) -> tuple[IcwsCoordinator[Any], ...]:
        """Every concern in the order the session sets them up.

        The calls and the colleagues come after the status: without the queue watch the
        calls follow the status, and the status subscribes for the colleagues too.
        """
        return (
            self.station,
            self.status,
            self.calls,
            self.voicemail,
            self.colleagues,
            self.activations,
            self.wallboard,
        )


type IcwsStationConfigEntry = ConfigEntry[IcwsRuntimeData]
