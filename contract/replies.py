"""Reading the reply payload: every reply to a user message carries one custom payload
`{"topic", "notices"}` (or `{"topic": "clarify", "candidates"}`) among Rasa's messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def payload(messages: Iterable[Any]) -> dict | None:
    """The first custom payload whose "topic" is a string: what the reply says it answered."""
    for message in messages:
        custom = message.get("custom") if isinstance(message, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("topic"), str):
            return custom
    return None
