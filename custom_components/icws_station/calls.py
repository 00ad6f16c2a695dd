"""The user's calls: the queue watch, or the status's ``onPhone`` when there is none.

With the server's ``queues`` feature the coordinator watches the user's own queue
(``docs/icws-protocol.md`` §10) and derives the call state and the call events with
``call_tracking.py``. Without it, but with the status feature, only "on a call" is known,
from ``onPhone`` in the user's status (§9), and only that entity exists. With neither, the
entry has no call entities.

With the queue watch and the ``interactions`` feature the user's calls can be acted on
(§12) and new ones placed (§13); ``call_control.py`` picks the call and checks the input
before anything is sent. No station is logged on for it: the server picks the station that
carries the call (§14), so a session without one may be refused, and the user is told.

Caller names and numbers are the user's own data: they go to the call entities' states and
events, never into a log line above debug.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .call_control import CallAction, StationlessRefusalError, applicable_call
from .call_tracking import CallEvent, CallState, CallSummary, CallTracker
from .const import DOMAIN, LOGGER
from .coordinator import IcwsCoordinator
from .icws import (
    IcwsClient,
    IcwsInteractionError,
    Interaction,
    Message,
    QueueContentsMessage,
    SubscriptionKind,
)
from .session import IcwsSession
from .station import StationCoordinator
from .status import StatusCoordinator


class CallSource(StrEnum):
    """Where the call entities' facts come from."""

    QUEUE = "queue"
    STATUS = "status"


type CallEventListener = Callable[[CallEvent], None]


class CallsCoordinator(IcwsCoordinator[CallSummary]):
    """The user's calls, pushed by the server; events go to the event entity's listeners.

    ``source`` is set at each login: the queue watch when the server has it, else the
    status's ``onPhone``, else None (the entry then has no call entities).
    """

    subscriptions = frozenset({SubscriptionKind.QUEUE})

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: IcwsSession,
        status: StatusCoordinator,
        station: StationCoordinator,
    ) -> None:
        """Start idle; the first login decides the source.

        The session must set ``status`` up first: the source depends on whether the server
        has the status feature. ``station`` tells whether a refused call had a station.
        """
        super().__init__(hass, entry, session, "calls")
        self.source: CallSource | None = None
        self._status = status
        self._station = station
        self._subscription_id: str | None = None
        self._status_listener: CALLBACK_TYPE | None = None
        self._queue: dict[str, Interaction] = {}
        self._tracker = CallTracker()
        self._event_listeners: list[CallEventListener] = []
        self._limit_noted = False
        entry.async_on_unload(self._stop_following_status)

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {QueueContentsMessage: self._queue_message}

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        self.source = self._source(client)
        self.supported = self.source is not None
        if self.source is CallSource.QUEUE:
            self._stop_following_status()
            self._subscription_id = await client.subscribe_queue()
            return
        if self.source is CallSource.STATUS:
            # [guess] onPhone is true while a call is connected or held (§9): the only
            # call fact such a server gives, so only "on call" is shown.
            if self._status_listener is None:
                self._status_listener = self._status.async_add_listener(
                    self._status_changed
                )
            self._status_changed()
            return
        self.ready = True

    def _source(self, client: IcwsClient) -> CallSource | None:
        info = client.login_info
        if info is not None and info.supports_queues:
            return CallSource.QUEUE
        if self._status.supported:
            return CallSource.STATUS
        return None

    @property
    def can_dial(self) -> bool:
        """Whether the server lets the user place calls (the ``interactions`` feature)."""
        info = self.session.client.login_info
        return info is not None and info.supports_interactions

    @property
    def can_control(self) -> bool:
        """Whether the user's calls can be acted on: known from the queue, and allowed."""
        return self.source is CallSource.QUEUE and self.can_dial

    async def async_act(
        self,
        action: CallAction,
        interaction_id: str | None = None,
        *,
        on: bool = True,
        target: str = "",
        digits: str = "",
    ) -> str:
        """Act on one of the user's calls (``interaction_id``, else the action's default).

        ``on`` is for mute (False unmutes), ``target`` for a transfer and ``digits`` for
        DTMF, both checked by the caller. Returns the id of the call acted on; the new
        state comes with the queue watch. Raises ``ServiceValidationError`` before
        anything is sent (no such call, nothing to act on), and the client's errors
        (``IcwsConnectionError`` without a live session, ``IcwsInteractionError`` when the
        server refuses; :class:`StationlessRefusalError` for a 400 while the session has
        no station).
        """
        client = self.session.live_client()
        if not self.can_control:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="calls_not_offered",
                translation_placeholders={"title": self.config_entry.title},
            )
        call = applicable_call(action, self._tracker.live_calls(), interaction_id)
        LOGGER.debug("%s on call %s", action, call)
        with self._refusal_without_station():
            match action:
                case CallAction.ANSWER:
                    await client.pickup_interaction(call)
                case CallAction.END:
                    await client.disconnect_interaction(call)
                case CallAction.HOLD | CallAction.RESUME:
                    await client.hold_interaction(call, on=action is CallAction.HOLD)
                case CallAction.MUTE:
                    await client.mute_interaction(call, on=on)
                case CallAction.TRANSFER:
                    await client.transfer_interaction(call, target)
                case CallAction.SEND_DIGITS:
                    await client.send_digits(call, digits)
        return call

    async def async_dial(self, number: str, workgroup: str | None = None) -> str:
        """Place a call to ``number`` (checked by the caller); return its interaction id.

        Raises as :meth:`async_act` does.
        """
        client = self.session.live_client()
        if not self.can_dial:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="calls_not_offered",
                translation_placeholders={"title": self.config_entry.title},
            )
        # The number is the user's own data: debug level only.
        LOGGER.debug("Dialling %s for %s", number, self.config_entry.title)
        with self._refusal_without_station():
            return await client.make_call(number, workgroup=workgroup)

    @contextmanager
    def _refusal_without_station(self) -> Iterator[None]:
        """Tell a 400 of a session without a station from other refusals (§14)."""
        try:
            yield
        except IcwsInteractionError as err:
            if err.status == 400 and self._station.data is None:
                raise StationlessRefusalError.of(err) from err
            raise

    @override
    async def _async_read(self, client: IcwsClient) -> CallSummary:
        # Pushed data only: the queue has no one-off read, and a repeat of the last
        # summary is all a manual refresh can honestly give.
        return self.data if self.data is not None else CallSummary()

    @callback
    def async_add_event_listener(self, listener: CallEventListener) -> CALLBACK_TYPE:
        """Call ``listener`` with each call event; return the function that stops it."""
        self._event_listeners.append(listener)

        @callback
        def remove() -> None:
            self._event_listeners.remove(listener)

        return remove

    @callback
    def _queue_message(self, message: QueueContentsMessage) -> None:
        if message.subscription_id not in {None, self._subscription_id}:
            LOGGER.debug("Ignoring queue contents of another subscription")
            return
        if message.limit_exceeded and not self._limit_noted:
            # Not personal data: only that the server lists fewer than it holds.
            self._limit_noted = True
            LOGGER.info(
                "%s lists only part of the queue of %s; calls beyond its limit are not seen",
                self.session.client.url.host,
                self.config_entry.title,
            )
        self._queue = message.apply(self._queue)
        for event in self._tracker.update(self._queue, dt_util.utcnow()):
            LOGGER.debug(
                "Call %s: %s (%s)",
                event.interaction_id,
                event.event_type,
                event.media_type,
            )
            for listener in list(self._event_listeners):
                listener(event)
        self.async_publish(self._tracker.summary())

    @callback
    def _status_changed(self) -> None:
        current = self._status.data
        if current is None:
            return
        on_phone = bool(current.status.on_phone)
        self.async_publish(
            CallSummary(state=CallState.CONNECTED if on_phone else CallState.IDLE)
        )

    @callback
    def _stop_following_status(self) -> None:
        if self._status_listener is not None:
            self._status_listener()
            self._status_listener = None

    def diagnostics(self) -> dict[str, Any]:
        """Describe the calls for diagnostics: counts and states, no names or numbers."""
        summary = self.data or CallSummary()
        return {
            "source": self.source.value if self.source else None,
            "last_update_success": self.last_update_success,
            "state": summary.state.value,
            "calls": summary.calls,
            "ringing_calls": summary.ringing_calls,
            "muted": summary.muted,
            "can_control": self.can_control,
            "other_interactions": summary.other_interactions,
            "queue": sorted(
                f"{interaction.object_type or '?'}:{interaction.state.value or '-'}"
                for interaction in self._queue.values()
            ),
        }
