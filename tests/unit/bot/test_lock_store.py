"""Conversation locks in the real Redis: a message queued behind a dead instance's ticket."""

import asyncio
import time
from urllib.parse import urlsplit

import pytest
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import RenewingRedisLockStore, TicketExpired

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIFETIME = 1.0  # seconds a ticket lives unless renewed


@pytest.fixture
def endpoint(redis_url, redis_prefix) -> EndpointConfig:
    parts = urlsplit(redis_url)
    return EndpointConfig(
        url=parts.hostname, port=parts.port or 6379, db=int(parts.path[1:] or 0),
        key_prefix=f"{redis_prefix}locks",
    )  # fmt: skip


async def served_after(store, conversation: str, wait_s: float) -> float:
    """Seconds until a message queued just after a dead instance's ticket gets the lock."""
    store.issue_ticket(conversation, LIFETIME)  # taken by an instance that then died
    started = time.monotonic()
    async with store.lock(conversation, LIFETIME, wait_s):
        return time.monotonic() - started


async def test_a_message_behind_a_dead_ticket_is_served_once_it_expires(endpoint):
    store = RenewingRedisLockStore(endpoint)
    waited = await asyncio.wait_for(served_after(store, "dead-holder", 0.05), timeout=30)
    assert waited >= LIFETIME - 0.05  # not before the dead ticket expired
    assert store.get_lock("dead-holder") is None  # released, nothing left behind


async def test_rasas_own_store_never_serves_it(endpoint):
    """Why the subclass exists: the waiting ticket expires with the dead one (Rasa 3.6)."""
    store = RedisLockStore(host=endpoint.url, **endpoint.kwargs)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(served_after(store, "stuck", 0.5), timeout=4 * LIFETIME)


async def test_a_ticket_that_is_gone_raises_ticket_expired(endpoint):
    store = RenewingRedisLockStore(endpoint)
    ticket = store.issue_ticket("starved", LIFETIME)
    store.delete_lock("starved")
    with pytest.raises(TicketExpired):
        await store.served("starved", ticket, LIFETIME, 0.05)
