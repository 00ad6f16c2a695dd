"""Voicemail waiting: how many voicemails wait for the user (``docs/icws-protocol.md`` §18).

A concern of its own, fed by the messages-waiting subscription. No feature is known to gate
it, so each login tries the subscription once: a server that refuses it (a 4xx) does not
offer it, and the entry then has no voicemail entities, logs no error and never asks again
in that session. The server says, with the subscription's state, whether its count can be
trusted: any state but Normal makes the voicemail entities unavailable until it is Normal
again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import UpdateFailed

from .const import DOMAIN, LOGGER
from .coordinator import IcwsCoordinator
from .icws import (
    IcwsClient,
    IcwsResponseError,
    Message,
    MessagesWaitingMessage,
    MessagesWaitingStateMessage,
    SubscriptionKind,
)
from .session import IcwsSession


@dataclass(frozen=True, slots=True)
class VoicemailData:
    """The voicemails waiting for the user."""

    count: int

    @property
    def waiting(self) -> bool:
        """Whether any voicemail waits."""
        return self.count > 0


class VoicemailCoordinator(IcwsCoordinator[VoicemailData | None]):
    """The user's voicemail count, pushed by the server.

    ``data`` is the last count the server gave while its state was Normal; a count that
    comes in another state is kept until the state is Normal again.
    """

    subscriptions = frozenset({SubscriptionKind.MESSAGES_WAITING})

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: IcwsSession
    ) -> None:
        """Start with nothing known; the first login finds out whether it is offered."""
        super().__init__(hass, entry, session, "voicemail")
        self.data = None
        self._latest: VoicemailData | None = None
        self._normal = True

    @property
    @override
    def message_handlers(self) -> Mapping[type[Message], Callable[[Any], None]]:
        return {
            MessagesWaitingMessage: self._count_message,
            MessagesWaitingStateMessage: self._state_message,
        }

    @override
    async def async_session_started(self, client: IcwsClient) -> None:
        self._normal = True
        try:
            await client.subscribe_messages_waiting()
        except IcwsResponseError as err:
            LOGGER.debug(
                "%s does not offer voicemail waiting (HTTP %s)",
                client.url.host,
                err.status,
            )
            self.supported = False
            self.ready = True
            if self.data is not None:
                # Offered before this login (a switchover partner on another release).
                self._unavailable()
            return
        self.supported = True

    @override
    async def _async_read(self, client: IcwsClient) -> VoicemailData | None:
        # A recount: the server sends the count as a message (§18).
        await client.refresh_messages_waiting()
        if not self._normal:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="voicemail_unavailable",
                translation_placeholders=self.session.placeholders(),
            )
        return self.data

    @callback
    def _count_message(self, message: MessagesWaitingMessage) -> None:
        self._latest = VoicemailData(message.count)
        if self._normal:
            self.async_publish(self._latest)

    @callback
    def _state_message(self, message: MessagesWaitingStateMessage) -> None:
        self._normal = message.normal
        if message.normal:
            if self._latest is not None:
                self.async_publish(self._latest)
            return
        # The server's error text may quote a mailbox: debug level only.
        LOGGER.debug("Voicemail state %s: %s", message.state, message.error)
        self.ready = True
        self._unavailable()

    @callback
    def _unavailable(self) -> None:
        self.async_set_update_error(
            UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="voicemail_unavailable",
                translation_placeholders=self.session.placeholders(),
            )
        )

    def diagnostics(self) -> dict[str, Any]:
        """Describe the voicemail for diagnostics: whether it is trusted, and the count."""
        return {
            "last_update_success": self.last_update_success,
            "normal": self._normal,
            "count": self.data.count if self.data else None,
        }
