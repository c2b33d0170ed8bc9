"""Reading the reply payload: every reply to a user message carries one custom payload
`{"topic", "notices"}` (or `{"topic": "clarify", "candidates"}`) among Rasa's messages.

A reply in another language than English adds `"language"` (its ISO 639-1 code),
`"translated"` (false: the English under a one-line preface in that language, its translation
being stale or missing) and `"text_en"`, the same reply in English. English replies add nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ENGLISH = "en"


def payload(messages: Iterable[Any]) -> dict | None:
    """The first custom payload whose "topic" is a string: what the reply says it answered."""
    for message in messages:
        custom = message.get("custom") if isinstance(message, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("topic"), str):
            return custom
    return None


def language(payload: dict) -> tuple[str, str | None]:
    """The language of the reply with `payload`, and its English text (None: it is English)."""
    code, english = payload.get("language"), payload.get("text_en")
    if not isinstance(code, str) or code == ENGLISH or not isinstance(english, str):
        return ENGLISH, None
    return code, english
