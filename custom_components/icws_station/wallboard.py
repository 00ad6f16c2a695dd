"""The queue wallboard: workgroups' statistics, one device per workgroup (protocol §17).

The user adds workgroups as config subentries of the type ``workgroup``. The session has one
statistic-values subscription: its keys are the union of every workgroup's statistics, and
a PUT replaces the set, so adding or removing a workgroup PUTs the whole set again in the
running session (no reload, no second login); each new session, and the client after each
gap in the messages, PUTs it again too.

A statistic change concerns one sensor of one workgroup: the coordinator notifies that
sensor alone, so a busy wallboard of many workgroups costs one state write per change. The
whole board is notified only when the session or the subscription comes or goes, or a full
message replaces every value.

Values are read by their type (see the client's :mod:`.icws.statistics`). No value (null)
is 0 for the calls waiting and the longest wait (an empty queue has none) and unknown for
the others; an error value makes that sensor unavailable, and the reason is logged once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .const import CONF_WORKGROUP, LOGGER
from .coordinator import IcwsSubentryCoordinator
from .icws import (
    CURRENT_PERIOD,
    WORKGROUP_PARAMETER,
    IcwsClient,
    IcwsConnectionError,
    IcwsError,
    Message,
    StatisticError,
    StatisticKey,
    StatisticValue,
    StatisticValueMessage,
    SubscriptionKind,
)
from .session import IcwsSession

WORKGROUP_SUBENTRY: Final = "workgroup"
# Seconds before the subscription is PUT again after the server said it was too busy for a
# statistic (docs/icws-protocol.md §17: retry later [guess]), or a PUT of a changed set
# failed while the session lived on.
RETRY_DELAY: Final = 60.0


@dataclass(frozen=True, slots=True)
class WallboardStatistic:
    """The statistic behind a wallboard sensor.

    ``interval`` for the statistics counted per interval; ``no_value`` is what the sensor
    shows when the server has no value (None: unknown).
    """

    identifier: str
    interval: str | None = None
    no_value: float | None = None

    def key(self, workgroup: str) -> StatisticKey:
        """Return this statistic's key for a workgroup."""
        return StatisticKey.workgroup(self.identifier, workgroup, self.interval)


# Each sensor's statistic, by the sensor's key (docs/icws-protocol.md §17).
STATISTICS: Final[Mapping[str, WallboardStatistic]] = {
    # An empty queue has no calls waiting and no longest wait: 0, not unknown.
    "interactions_waiting": WallboardStatistic(
        "inin.workgroup:InteractionsWaiting", no_value=0
    ),
    "longest_wait": WallboardStatistic("inin.workgroup:LongestWaitTime", no_value=0),
    "agents_available": WallboardStatistic(
        "inin.workgroup:NumberAvailableForACDInteractions"
    ),
    "agents_logged_in": WallboardStatistic("inin.workgroup:AgentsLoggedIn"),
    "agents_activated": WallboardStatistic("inin.workgroup:AgentsLoggedInAndActivated"),
    "percent_available": WallboardStatistic("inin.workgroup:PercentAvailable"),
    "interactions_on_hold": WallboardStatistic("inin.workgroup:InteractionsOnHold"),
    "interactions_connected": WallboardStatistic(
        "inin.workgroup:InteractionsConnected"
    ),
    "interactions_answered": WallboardStatistic(
        "inin.workgroup:InteractionsAnswered", CURRENT_PERIOD
    ),
    "interactions_abandoned": WallboardStatistic(
        "inin.workgroup:InteractionsAbandoned", CURRENT_PERIOD
    ),
    "average_wait": WallboardStatistic(
        "inin.workgroup:AverageWaitTime", CURRENT_PERIOD
    ),
}


@dataclass(frozen=True, slots=True)
class Reading:
    """What the server last said about one statistic: a value, or None for no value."""

    value: StatisticValue | None


type Target = tuple[str, str]  # (subentry id, sensor key)
type Values = Mapping[StatisticKey, Reading]


class WallboardCoordinator(IcwsSubentryCoordinator[Values]):
    """The statistics of every workgroup on the wallboard, kept per key.

    ``data`` holds the reading of each key the server reported in this session. Without
    the server's ``statistics`` feature the coordinator stays idle (``supported`` false):
    no sensors, and the subentry flow refuses to add workgroups.
    """

    subentry_type = WORKGROUP_SUBENTRY
    subscriptions = frozenset({SubscriptionKind.STATISTICS})

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: IcwsSession
    ) -> None:
        """Start with the entry's workgroups and no values."""
        super().__init__(hass, entry, session, "wallboard")
        self._values: dict[StatisticKey, Reading] = {}
        self.data = self._values
        self._targets: dict[StatisticKey, Target] = {}
        self._keys: dict[Target, StatisticKey] = {}
        self._errors: dict[StatisticKey, StatisticError] = {}
        self._retry: CALLBACK_TYPE | None = None
        # The key set changed and the session has not taken it yet.
        self._pending = False
        self._index()
        entry.async_on_unload(self._cancel_retry)

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {StatisticValueMessage: self._message}

    def _index(self) -> None:
        """Work out the keys of every workgroup's statistics, and whose each one is."""
        self._targets = {
            statistic.key(subentry.data[CONF_WORKGROUP]): (subentry_id, sensor)
            for subentry_id, subentry in self.subentries.items()
            for sensor, statistic in STATISTICS.items()
        }
        self._keys = {target: key for key, target in self._targets.items()}

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        info = client.login_info
        self.supported = info is not None and info.supports_statistics
        self._values.clear()
        # Statistics are not the session's own facts: a server slow to send them must not
        # hold up the station and the status. The sensors are unknown until they come.
        self.ready = True
        if self.supported:
            await client.subscribe_statistics(self._targets)
            self._pending = False

    @override
    async def _async_read(self, client: IcwsClient) -> Values:
        # Pushed data only: statistics have no one-off read.
        return self._values

    @override
    async def _async_subentries_changed(
        self, added: Sequence[ConfigSubentry], removed: Sequence[ConfigSubentry]
    ) -> None:
        """PUT the new key set in the running session; forget removed workgroups."""
        self._index()
        for key in [key for key in self._values if key not in self._targets]:
            del self._values[key]
            self._errors.pop(key, None)
        await self._async_resubscribe()

    async def _async_resubscribe(self) -> None:
        """PUT the whole key set in the live session; retry later if that fails.

        Without a live session nothing is sent now: the set is PUT once the session is
        live again (the client's own renewal after the gap would renew the old set), or
        by the next session.
        """
        self._cancel_retry()
        if not self.supported:
            return
        self._pending = True
        try:
            client = self.session.live_client()
            await client.subscribe_statistics(self._targets)
        except IcwsConnectionError:
            return
        except IcwsError as err:
            LOGGER.warning(
                "%s did not take the wallboard's statistics (%s); trying again in %.0f s",
                self.session.client.url.host,
                err,
                RETRY_DELAY,
            )
            self._retry_later()
            return
        self._pending = False

    @override
    @callback
    def async_session_changed(self) -> None:
        """Also PUT a key set that changed while the session was not live."""
        super().async_session_changed()
        if self._pending and self.session.live:
            self.config_entry.async_create_background_task(
                self.hass, self._async_resubscribe(), "icws_station wallboard keys"
            )

    @callback
    def _retry_later(self) -> None:
        if self._retry is None:
            self._retry = async_call_later(self.hass, RETRY_DELAY, self._async_retry)

    async def _async_retry(self, _now: Any) -> None:
        self._retry = None
        await self._async_resubscribe()

    @callback
    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry()
            self._retry = None

    def reading(self, subentry_id: str, sensor: str) -> Reading | None:
        """Return the reading of a workgroup's statistic (None: none reported yet)."""
        key = self._keys.get((subentry_id, sensor))
        return None if key is None else self._values.get(key)

    @callback
    def _message(self, message: StatisticValueMessage) -> None:
        changed: list[Target] = []
        for change in message.changes:
            target = self._targets.get(change.key)
            if target is None:
                continue  # a key of a set this session no longer watches
            self._note_error(change.key, change.value)
            if (
                change.value is not None
                and change.value.error is StatisticError.STATISTIC_PROVIDER_TOO_BUSY
            ):
                self._retry_later()
            reading = Reading(change.value)
            if self._values.get(change.key) != reading:
                self._values[change.key] = reading
                changed.append(target)
        if not message.is_delta or not self.last_update_success:
            # A full message after a PUT, or the first after a refused renewal: every
            # sensor may change, and all are available again.
            self.async_set_updated_data(self._values)
            return
        for target in changed:
            self.async_update_key_listeners(target)

    def _note_error(self, key: StatisticKey, value: StatisticValue | None) -> None:
        """Log once when a statistic turns into an error value, and when it is back."""
        error = value.error if value is not None else None
        old = self._errors.get(key)
        if error == old:
            return
        workgroup = key.parameter(WORKGROUP_PARAMETER)
        if error is None:
            del self._errors[key]
            LOGGER.info("%s of %s has a value again", key.identifier, workgroup)
            return
        self._errors[key] = error
        LOGGER.warning(
            "%s of %s is unavailable: the server reports %s",
            key.identifier,
            workgroup,
            error.name.lower(),
        )

    def diagnostics(self) -> dict[str, Any]:
        """Describe the wallboard for diagnostics: counts only."""
        return {
            "last_update_success": self.last_update_success,
            "workgroups": len(self.subentries),
            "statistics": len(self._targets),
            "values": sum(r.value is not None for r in self._values.values()),
            "no_value": sum(r.value is None for r in self._values.values()),
            "errors": len(self._errors),
        }
