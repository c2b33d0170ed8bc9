"""Conversation locks in the real Redis: a message queued behind a dead instance's ticket.

Tickets expire by the wall clock (time.time() in rasa.core.lock and bot.lock_store); here it is
a clock of the test's own, moved only between the waiting message's looks at the lock, so that
how late a busy machine runs the test cannot expire a ticket."""

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import rasa.core.lock
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

import bot.lock_store
from bot.lock_store import RenewingRedisLockStore, TicketExpired

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIFETIME = 1.0  # seconds a ticket lives unless renewed
WAIT = 30  # the longest a test waits for a look at the lock (only a failing one waits that long)


class Clock:
    """Stands for the time module where tickets are timed: time() is what the test set."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    own = Clock()
    monkeypatch.setattr(rasa.core.lock, "time", own)
    monkeypatch.setattr(bot.lock_store, "time", own)
    return own


@pytest.fixture
def endpoint(redis_url, redis_prefix) -> EndpointConfig:
    parts = urlsplit(redis_url)
    return EndpointConfig(
        url=parts.hostname, port=parts.port or 6379, db=int(parts.path[1:] or 0),
        key_prefix=f"{redis_prefix}locks",
    )  # fmt: skip


def counting_looks(store: RedisLockStore) -> list[None]:
    """A list that grows by one each time `store` reads a lock."""
    looks: list[None] = []
    read = store.get_lock
    store.get_lock = lambda conversation: looks.append(None) or read(conversation)
    return looks


async def until(condition: Callable[[], bool]) -> None:
    async def polled() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(polled(), WAIT)


async def queued_behind_a_dead_ticket(store, conversation: str, clock: Clock, steps: int):
    """The waiting message's task, once it has looked at the lock after each of `steps` moves of
    the clock by half a lifetime (bot.lock_store renews the waiting ticket before each look)."""
    store.issue_ticket(conversation, LIFETIME)  # taken by an instance that then died
    looks = counting_looks(store)

    async def served() -> float:
        async with store.lock(conversation, LIFETIME, 0.01):
            return clock.now

    waiting = asyncio.create_task(served())
    for step in range(steps + 1):
        if step:
            clock.now += LIFETIME / 2
        seen = len(looks) + 1
        await until(lambda seen=seen: len(looks) >= seen or waiting.done())
    return waiting


async def test_a_message_behind_a_dead_ticket_is_served_once_it_expires(endpoint, clock):
    store = RenewingRedisLockStore(endpoint)
    expires = clock.now + LIFETIME
    waiting = await queued_behind_a_dead_ticket(store, "dead-holder", clock, steps=2)
    assert not waiting.done()  # not before the dead ticket expired
    clock.now += 0.01
    served_at = await asyncio.wait_for(waiting, WAIT)
    assert served_at > expires
    assert store.get_lock("dead-holder") is None  # released, nothing left behind


async def test_rasas_own_store_never_serves_it(endpoint, clock):
    """Why the subclass exists: the waiting ticket expires with the dead one (Rasa 3.6)."""
    store = RedisLockStore(host=endpoint.url, **endpoint.kwargs)
    waiting = await queued_behind_a_dead_ticket(store, "stuck", clock, steps=8)
    assert not waiting.done()  # four lifetimes on, still waiting
    waiting.cancel()
    store.delete_lock("stuck")


async def test_a_ticket_that_is_gone_raises_ticket_expired(endpoint):
    store = RenewingRedisLockStore(endpoint)
    ticket = store.issue_ticket("starved", LIFETIME)
    store.delete_lock("starved")
    with pytest.raises(TicketExpired):
        await store.served("starved", ticket, LIFETIME, 0.05)
