"""JSON in and out of the wire, shared by the transport and the message parsers.

orjson, which Home Assistant ships, decodes several times faster than the standard
library; message streams are the client's hot path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def decode_json(text: str | bytes) -> object:
    """Decode JSON; raises ``ValueError`` for anything that is not (deep nesting included)."""
    return orjson.loads(text)


def encode_json(value: Mapping[str, Any]) -> bytes:
    """Encode a request body."""
    return orjson.dumps(value)
