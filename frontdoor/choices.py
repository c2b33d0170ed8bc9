"""The button payloads the assistant offered in each conversation: the only ones it takes back.

A payload such as `/ask_notice{"service": "notice.tracker"}` tells Rasa an intent and entities
directly, so the front door forwards one only if it offered it in that conversation. What
people type never reaches Rasa as a payload (see rasa_client.typed_text).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from aiohttp import web

from frontdoor.memory import PerConversation


class OfferedChoices:
    """In memory, per conversation (memory.PerConversation): forgotten with the conversation."""

    def __init__(
        self, max_conversations: int = 10_000, clock: Callable[[], float] = time.monotonic
    ):
        self.offered: PerConversation[frozenset[str]] = PerConversation(max_conversations, clock)

    def offer(self, conversation: str, payloads: Iterable[str]) -> None:
        """Remember `payloads` as offered in `conversation`, with the ones offered before."""
        new = frozenset(payloads)
        self.offered.update(conversation, lambda before: (before or frozenset()) | new)

    def was_offered(self, conversation: str, payload: str) -> bool:
        return payload in (self.offered.get(conversation) or ())


CHOICES = web.AppKey("choices", OfferedChoices)
