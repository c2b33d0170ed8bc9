"""Where Rasa keeps conversations: its in-memory tracker store, with privacy and size limits.

- Retention: a conversation idle for `retention_minutes` (default 30, the session expiry) is
  forgotten; its next message starts afresh.
- Size: a conversation keeps its last `max_events` events only. That bounds memory and the
  per-turn work that grows with a conversation's length (Rasa replays and sends the events to
  the action server on every turn); the slots an answer needs are set again on every turn.
- Redaction: the personal data in what people type (names, addresses, dates of birth, ids,
  card, bank and phone numbers, e-mail addresses, health disclosures; knowledge.redaction) is
  replaced by placeholders before a conversation is stored. The live turn sees the original.

Configured in bot/endpoints.yml as `tracker_store: {type: bot.tracker_store.PrivateTrackerStore}`.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from knowledge.redaction import redact


class PrivateTrackerStore(InMemoryTrackerStore):
    """InMemoryTrackerStore that forgets idle conversations, bounds them and redacts user text."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: Any = None,
        retention_minutes: float = 30,
        max_events: int = 30,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's url; there is none in memory
        super().__init__(domain, event_broker, **kwargs)
        self.retention_s = float(retention_minutes) * 60
        self.max_events = int(max_events)
        self.saved_at: OrderedDict[str, float] = OrderedDict()

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A tracker that keeps only the last `max_events` events."""
        slots = self.domain.slots if self.domain else None
        return DialogueStateTracker(sender_id, slots, max_event_history=self.max_events)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        dialogue = tracker.as_dialogue().as_dict()  # what serialise_tracker dumps
        for event in dialogue["events"]:
            if event.get("event") == UserUttered.type_name:
                _redact_user_event(event)
        self.store[tracker.sender_id] = json.dumps(dialogue)
        self.saved_at[tracker.sender_id] = time.monotonic()
        self.saved_at.move_to_end(tracker.sender_id)
        self.forget_expired()

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        self.forget_expired()
        return await super()._retrieve(sender_id, fetch_all_sessions)

    def forget_expired(self) -> None:
        """Drop every conversation idle for longer than the retention time (oldest first)."""
        oldest = time.monotonic() - self.retention_s
        while self.saved_at:
            sender_id, saved = next(iter(self.saved_at.items()))
            if saved > oldest:
                return
            del self.saved_at[sender_id]
            self.store.pop(sender_id, None)


def _redact_user_event(event: dict[str, Any]) -> None:
    """Redact a serialised user event's text; its parse data is the live tracker's, so copy it."""
    if isinstance(event.get("text"), str):
        event["text"] = redact(event["text"])
    parse_data = event.get("parse_data")
    if isinstance(parse_data, dict) and isinstance(parse_data.get("text"), str):
        event["parse_data"] = {**parse_data, "text": redact(parse_data["text"])}
