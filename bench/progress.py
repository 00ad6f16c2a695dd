"""Progress messages: what is being measured, on stderr so the table stays clean."""

from __future__ import annotations

import sys


def step(text: str) -> None:
    """Say what is being measured (stderr, so the table stays clean)."""
    print(f"bench: {text}", file=sys.stderr, flush=True)
