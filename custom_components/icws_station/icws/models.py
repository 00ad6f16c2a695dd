"""The session's models: secrets, the session's state, and what a login reports.

Immutable, typed views of what the server says, read tolerantly: a login answer with an odd
field still logs in, with that field left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Self

from .enums import TolerantIntEnum
from .fields import nonempty_strings, text

_MASK: Final = "**********"


class Secret:
    """A string that never shows itself in ``repr``, ``str`` or formatted output.

    ``reveal()`` is the one way to the value, so a secret cannot leak by accident into a log
    line, an exception or a serialised dict.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Wrap ``value``."""
        self._value = value

    def reveal(self) -> str:
        """Return the value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        """Mask the value."""
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        """Mask the value."""
        return _MASK

    def __eq__(self, other: object) -> bool:
        """Compare by value, so an unchanged secret does not count as a change."""
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        """Hash by value, consistent with equality."""
        return hash(self._value)


class ConnectionState(TolerantIntEnum):
    """State of the ICWS session in a ``connectionStateChangeMessage``."""

    NONE = 0
    UP = 1
    DOWN = 2


def connection_state(value: object) -> ConnectionState | None:
    """Read a state as the schema's integer or the vendor example's string."""
    if isinstance(value, str):
        return ConnectionState.__members__.get(value.upper())
    if isinstance(value, int) and not isinstance(value, bool):
        return ConnectionState(value)
    return None


@dataclass(frozen=True, slots=True)
class SessionState:
    """What the server says about the session (``GET /icws/{sessionId}/connection``)."""

    state: ConnectionState
    reason: str | None = None
    should_reconnect: bool = True

    @classmethod
    def from_answer(cls, body: object) -> Self:
        """Read the answer of a session check; the server's 200 names a live session."""
        raw = body if isinstance(body, dict) else {}
        should_reconnect = raw.get("shouldReconnect", True)
        return cls(
            # Up unless the server says otherwise.
            state=connection_state(raw.get("connectionState")) or ConnectionState.UP,
            reason=text(raw.get("reason")),
            should_reconnect=should_reconnect
            if isinstance(should_reconnect, bool)
            else True,
        )


@dataclass(frozen=True, slots=True)
class ServerVersion:
    """The CIC server's version, as ``include=version`` reports it."""

    major: str | None = None
    minor: str | None = None
    su: str | None = None
    build: str | None = None
    product_id: str | None = None
    display: str | None = None

    @classmethod
    def from_answer(cls, raw: Mapping[str, Any]) -> Self:
        """Read the ``version`` object of a login answer."""
        return cls(
            major=text(raw.get("majorVersion")),
            minor=text(raw.get("minorVersion")),
            su=text(raw.get("su")),
            build=text(raw.get("build")),
            product_id=text(raw.get("productId")),
            display=text(raw.get("productReleaseDisplayString")),
        )

    def __str__(self) -> str:
        """Prefer the server's own display string (e.g. ``2018 R5``)."""
        if self.display:
            return self.display
        parts = [part for part in (self.major, self.minor) if part]
        shown = ".".join(parts) or "unknown"
        if self.su:
            shown += f" SU {self.su}"
        return shown


@dataclass(frozen=True, slots=True)
class LoginInfo:
    """What the server said about itself and the user on a successful login."""

    user_id: str
    user_display_name: str
    server_name: str
    host: str
    features: Mapping[str, int] = field(default_factory=dict)
    version: ServerVersion | None = None
    alternate_hosts: tuple[str, ...] = ()

    @classmethod
    def from_answer(cls, body: object, *, host: str, username: str) -> Self:
        """Read a successful login's answer from ``host``; odd fields are left out.

        The user id falls back to the ``username`` logged in with, the display name to the
        user id, the server's name to the host.
        """
        raw = body if isinstance(body, dict) else {}
        features: dict[str, int] = {}
        listed = raw.get("features")
        for feature in listed if isinstance(listed, list) else ():
            if not isinstance(feature, dict):
                continue
            feature_id, version = feature.get("featureId"), feature.get("version")
            if isinstance(feature_id, str) and isinstance(version, int):
                features[feature_id] = version
        version_raw = raw.get("version")
        user_id = text(raw.get("userID")) or username
        return cls(
            user_id=user_id,
            user_display_name=text(raw.get("userDisplayName")) or user_id,
            server_name=text(raw.get("icServer")) or host,
            host=host,
            features=features,
            version=ServerVersion.from_answer(version_raw)
            if isinstance(version_raw, dict)
            else None,
            alternate_hosts=nonempty_strings(raw.get("alternateHostList")),
        )

    def feature_version(self, feature_id: str) -> int:
        """Return a feature's version; 0 means the server does not offer it."""
        return self.features.get(feature_id, 0)

    @property
    def supports_sse(self) -> bool:
        """Whether messages can be streamed as server-sent events (messaging 2)."""
        return self.feature_version("messaging") >= 2

    @property
    def supports_status(self) -> bool:
        """Whether users' statuses can be read, watched and set (status 1)."""
        return self.feature_version("status") >= 1

    @property
    def supports_queues(self) -> bool:
        """Whether the user's queue can be watched (queues 1)."""
        return self.feature_version("queues") >= 1

    @property
    def supports_interactions(self) -> bool:
        """Whether calls can be placed and acted on (interactions 1, §12 [guess], §13)."""
        return self.feature_version("interactions") >= 1

    @property
    def supports_activations(self) -> bool:
        """Whether workgroup activations can be read, watched and set (activations 1)."""
        return self.feature_version("activations") >= 1

    @property
    def supports_statistics(self) -> bool:
        """Whether statistics can be watched and their parameters listed (statistics 1)."""
        return self.feature_version("statistics") >= 1

    @property
    def reports_managed_ip_phone(self) -> bool:
        """Whether stations carry managedIPPhone and the emergency location (connection 15)."""
        return self.feature_version("connection") >= 15
