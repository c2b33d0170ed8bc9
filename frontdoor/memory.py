"""What the front door remembers of each conversation, in memory only, for as long as it lasts.

Used for the latest session id (sessions.py), the choices offered (choices.py), the
unanswered questions recorded (unanswered.py) and the latest answer, rated or not
(feedback.py). An entry is forgotten SESSION_MINUTES after it was last set, when the
conversation has ended too, and the oldest go first beyond `max_conversations`, so that no
client can grow it without bound. Safe to use from threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

SESSION_MINUTES = 30
Value = TypeVar("Value")


class PerConversation(Generic[Value]):
    """A value per conversation, newest last."""

    def __init__(
        self, max_conversations: int = 10_000, clock: Callable[[], float] = time.monotonic
    ):
        self.max_conversations = max_conversations
        self.clock = clock
        self.values: dict[str, tuple[float, Value]] = {}
        self.lock = threading.Lock()

    def get(self, conversation: str) -> Value | None:
        """The value of `conversation`, None when there is none or it was set too long ago."""
        with self.lock:
            kept = self.values.get(conversation)
            return kept[1] if kept and self._fresh(kept[0], self.clock()) else None

    def update(self, conversation: str, change: Callable[[Value | None], Value]) -> Value:
        """Set the value of `conversation` to `change(its value)`, atomically; returns it."""
        with self.lock:
            now = self.clock()
            set_at, value = self.values.pop(conversation, (now, None))
            value = change(value if self._fresh(set_at, now) else None)
            self.values[conversation] = (now, value)
            for oldest, (when, _) in list(self.values.items()):
                if self._fresh(when, now) and len(self.values) <= self.max_conversations:
                    break
                del self.values[oldest]
            return value

    @staticmethod
    def _fresh(set_at: float, now: float) -> bool:
        return now - set_at <= SESSION_MINUTES * 60
