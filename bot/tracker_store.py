"""Where Rasa keeps conversations: its in-memory or Redis tracker store, private and bounded.

- Retention: a conversation idle for `retention_minutes` (default 30, the session expiry) is
  forgotten; its next message starts afresh. In Redis that is the key's expiry (Rasa's
  `record_exp`), renewed at every turn.
- Size: a conversation keeps its last `max_events` events only. That bounds memory and the
  per-turn work that grows with a conversation's length (Rasa replays and sends the events to
  the action server on every turn); the slots an answer needs are set again on every turn.
- No text: what people type is never stored. A stored user event keeps its intent, entities
  and time (what the rules and actions use); its text, the text in its parse data and any
  metadata a client sent are dropped, and so is the session's start metadata. Redaction would
  always miss some personal data; keeping none of the text misses nothing. The live turn
  (NLU, rules, actions) sees the message as typed.

Configured in endpoints.yml as `tracker_store: {type: bot.tracker_store.PrivateTrackerStore}`;
with REDIS_URL, orchestration/rasa_endpoints.py makes it PrivateRedisTrackerStore.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import redis
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger(__name__)


class PrivateStorage:
    """What both stores share: trackers bounded to `max_events`, stored without text."""

    max_events: int
    domain: Domain

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A tracker that keeps only the last `max_events` events."""
        slots = self.domain.slots if self.domain else None
        return DialogueStateTracker(sender_id, slots, max_event_history=self.max_events)

    @staticmethod
    def textless(tracker: DialogueStateTracker) -> str:
        """The tracker serialised as Rasa does (serialise_tracker), without what people typed."""
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = [_without_text(event) for event in dialogue["events"]]
        return json.dumps(dialogue)


class PrivateTrackerStore(PrivateStorage, InMemoryTrackerStore):
    """InMemoryTrackerStore that forgets idle conversations, bounds them and stores no text."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: Any = None,
        retention_minutes: float = 30,
        max_events: int = 30,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's url; there is none in memory
        super().__init__(domain, event_broker, **kwargs)
        self.retention_s = float(retention_minutes) * 60
        self.max_events = int(max_events)
        self.clock = clock
        self.saved_at: OrderedDict[str, float] = OrderedDict()

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        self.store[tracker.sender_id] = self.textless(tracker)
        self.saved_at[tracker.sender_id] = self.clock()
        self.saved_at.move_to_end(tracker.sender_id)
        self.forget_expired()

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        self.forget_expired()
        return await super()._retrieve(sender_id, fetch_all_sessions)

    def forget_expired(self) -> None:
        """Drop every conversation idle for longer than the retention time (oldest first)."""
        oldest = self.clock() - self.retention_s
        while self.saved_at:
            sender_id, saved = next(iter(self.saved_at.items()))
            if saved > oldest:
                return
            del self.saved_at[sender_id]
            self.store.pop(sender_id, None)


class PrivateRedisTrackerStore(PrivateStorage, RedisTrackerStore):
    """Rasa's RedisTrackerStore, bounded and without text; a key expires `retention_minutes` after
    its conversation's last turn. Shared by every Rasa instance given the same Redis."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        retention_minutes: float = 30,
        max_events: int = 30,
        socket_timeout: float = 2,
        **kwargs: Any,
    ) -> None:
        record_exp = float(retention_minutes) * 60
        super().__init__(domain, host, int(port), int(db), record_exp=record_exp, **kwargs)
        self.max_events = int(max_events)
        # Rasa's client would wait for a hung Redis forever; it has not connected yet
        self.red.connection_pool.connection_kwargs.update(
            socket_timeout=float(socket_timeout), socket_connect_timeout=float(socket_timeout)
        )

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        """Store the tracker without text, replacing the stored one.

        Rasa's save merges it with the stored tracker to keep earlier sessions; here sessions
        carry nothing over and the lock store orders the turns. A save that fails is logged,
        not raised: Rasa would keep the conversation, text and all, in memory instead.
        """
        await self.stream_events(tracker)
        expiry_ms = int((timeout or self.record_exp) * 1000)
        try:
            self.red.set(self.key_prefix + tracker.sender_id, self.textless(tracker), px=expiry_ms)
        except redis.RedisError as error:
            log.error("conversation not saved, Redis failed: %s", type(error).__name__)


# What a stored parse keeps: what the rules, the actions and the session logic read
PARSE_KEPT = ("intent", "entities", "intent_ranking", "message_id")
SESSION_METADATA_SLOT = "session_started_metadata"  # Rasa copies the metadata sent here


def _without_text(event: dict[str, Any]) -> dict[str, Any]:
    """A serialised event without typed text or client metadata (a new dict; the live
    tracker's parse data is shared, so nothing is changed in place)."""
    event = {**event}
    if "metadata" in event:
        event["metadata"] = {}
    if "text" in event and event.get("event") == "user":
        event["text"] = None
    if isinstance(event.get("parse_data"), dict):
        parse = event["parse_data"]
        event["parse_data"] = {key: parse[key] for key in PARSE_KEPT if key in parse}
    if event.get("event") == "slot" and event.get("name") == SESSION_METADATA_SLOT:
        event["value"] = None
    return event
