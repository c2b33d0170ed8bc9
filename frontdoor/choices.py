"""The button payloads the assistant offered in each conversation: the only ones it takes back.

A payload such as `/ask_notice{"service": "notice.tracker"}` tells Rasa an intent and entities
directly, so the front door forwards one only if it offered it in that conversation. What
people type never reaches Rasa as a payload (see rasa_client.typed_text).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from aiohttp import web

from frontdoor.sessions import SESSION_MINUTES


class OfferedChoices:
    """In memory, per conversation; forgotten with the conversation, oldest first when full."""

    def __init__(
        self,
        max_conversations: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_conversations = max_conversations
        self.clock = clock
        self.offered: dict[str, tuple[float, frozenset[str]]] = {}

    def offer(self, conversation: str, payloads: Iterable[str]) -> None:
        """Remember `payloads` as offered in `conversation`, with the ones offered before."""
        now = self.clock()
        _, before = self.offered.pop(conversation, (now, frozenset()))
        self.offered[conversation] = (now, before | frozenset(payloads))  # newest last
        self._forget_old(now)

    def was_offered(self, conversation: str, payload: str) -> bool:
        offered = self.offered.get(conversation)
        if offered is None:
            return False
        return self._fresh(offered[0], self.clock()) and payload in offered[1]

    def _forget_old(self, now: float) -> None:
        for conversation, (last, _) in list(self.offered.items()):
            if self._fresh(last, now) and len(self.offered) <= self.max_conversations:
                break
            del self.offered[conversation]

    @staticmethod
    def _fresh(last: float, now: float) -> bool:
        return now - last <= SESSION_MINUTES * 60


CHOICES = web.AppKey("choices", OfferedChoices)
