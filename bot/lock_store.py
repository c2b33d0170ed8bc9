"""Conversation locks in Redis that a message waiting for a dead instance's lock does get.

Rasa's RedisLockStore queues each message of a conversation behind a ticket that expires
TICKET_LOCK_LIFETIME seconds after it was issued, so that an instance that died holding one
blocks the conversation for that long only. But the waiting message's own ticket expires as
well, counted from when it started waiting: issued less than a polling interval after the dead
one, it expires before anyone notices the dead one has, and the conversation stays locked for
good (Rasa 3.6; tests/unit/bot/test_lock_store.py shows it). Here a waiting message renews its
ticket at each look, so it is served as soon as the tickets before it are done or expired; a
message whose ticket is gone (it was starved longer than the lifetime) gets TicketExpired, which
bot/answered_once.py answers by queueing afresh.

Configured by orchestration/rasa_endpoints.py as `lock_store: {type: bot.lock_store.
RenewingRedisLockStore}` whenever conversations are in Redis.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

WAIT_S = 0.1  # between looks at the lock (Rasa: 1 s)


class TicketExpired(LockError):
    """A waiting message's ticket left the queue: it may queue again (Redis answered)."""


class RenewingRedisLockStore(RedisLockStore):
    """RedisLockStore whose waiting tickets stay alive while they wait."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_S,
    ) -> AsyncIterator[TicketLock]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self.served(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    async def served(
        self, conversation_id: str, ticket: int, lifetime: float, wait_s: float
    ) -> TicketLock:
        """The lock, once `ticket` is first in its queue; TicketExpired if the ticket is gone."""
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or not any(t.number == ticket for t in lock.tickets):
                raise TicketExpired(f"ticket {ticket} of a conversation expired while it waited")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_s)
            self.renew(conversation_id, ticket, lifetime)

    def renew(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        """Drop the expired tickets, then give `ticket` another `lifetime` seconds."""
        lock = self.get_lock(conversation_id)
        if lock is None:
            return
        lock.remove_expired_tickets()
        for waiting in lock.tickets:
            if waiting.number == ticket:
                waiting.expires = time.time() + lifetime
        self.save_lock(lock)
