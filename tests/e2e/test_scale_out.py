"""Two Rasa instances sharing conversations in Redis: one is killed (SIGKILL) under load.

A load client keeps USERS visitors chatting through the front door, each conversation a
question and its follow-up ("and for MedAire?", answered only with the question's context).
Once the visitors have finished USERS conversations, one Rasa instance is killed; the stack
restarts it, and the load goes on until conversations on it are answered again. Then every
conversation must have gone on with its context, and Redis must hold each answered message
exactly once (known by its intent: the store keeps no text). The front door resends a message
the dead instance was answering to the other one with the same id, which answers it once
(bot/answered_once.py): no visitor gets the friendly "unavailable" reply, and no message is
lost or stored twice. (A visitor who got it would ask again, like a person would.)

The stack's timeouts are long (TIMEOUTS): a turn that is merely slow, on a loaded machine,
is answered late rather than given the friendly reply, which is left to what the kill broke.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import zlib
from dataclasses import dataclass, field

import aiohttp
import pytest
import redis

from knowledge import load
from orchestration.stack import Stack, free_ports, running
from orchestration.train import train

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = "scale-app-token-of-32-characters-at-least"
USERS = 8
TURNS = ("how long do you keep my data?", "and for MedAire?")
TOPIC = "retention"  # of both turns: the follow-up keeps the question's topic
# The store keeps no text: a stored turn is known by its intent (the question's, or any other)
QUESTION_INTENT = "ask_retention"
ASK_AGAIN_AFTER_S, MAX_ASKS = 0.5, 20
# Rasa's wait for the action server, and the front door's for Rasa, first and resent
# (ACTION_TIMEOUT and the dead instance's lock, TICKET_LOCK_LIFETIME, within them); the client
# waits for both
TIMEOUTS = {"ACTION_TIMEOUT": "20", "RASA_TIMEOUT": "30", "RASA_FAILOVER_TIMEOUT": "30"}
CLIENT_TIMEOUT_S = 90
WAIT_S = 300  # for the load to get going, and for the killed instance to answer again


@pytest.fixture(scope="module")
def scaled(tmp_path_factory, redis_url, redis_prefix):
    database = f"sqlite:///{tmp_path_factory.mktemp('scale-db') / 'knowledge.sqlite'}"
    load(database)
    *rasa_ports, actions_port, frontdoor_port = free_ports(4)
    prefix = f"{redis_prefix}scaled"
    env = {
        "APP_API_TOKENS": TOKEN,
        "RATE_LIMIT_BURST": "10000",
        "RATE_LIMIT_PER_MINUTE": "60000",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        **TIMEOUTS,
    }
    with running(
        train(),
        rasa_ports=rasa_ports,
        actions_ports=[actions_port],  # one for both, as `make run` does
        frontdoor_port=frontdoor_port,
        log_dir=tmp_path_factory.mktemp("scale-logs"),
        env=env,
    ) as stack:
        yield stack, redis.Redis.from_url(redis_url, decode_responses=True), prefix


@dataclass
class Conversation:
    id: str = ""
    asks: list[tuple[int, str, str]] = field(default_factory=list)  # (turn, request, topic)
    topics: list[str] = field(default_factory=list)  # the answer to each turn


@dataclass
class Load:
    stack: Stack
    conversations: list[Conversation] = field(default_factory=list)
    outstanding: set[str] = field(default_factory=set)
    # requests the killed instance may have taken: outstanding at the kill, or sent before
    # its process was gone (it accepts connections for a few ms after SIGKILL)
    in_flight: set[str] = field(default_factory=set)
    dying: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    requests: int = 0

    async def kill(self, pid: int, port: int) -> None:
        """SIGKILL `pid`, counting what is in flight until its `port` refuses connections."""
        self.in_flight, self.dying = set(self.outstanding), True
        os.kill(pid, signal.SIGKILL)
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
            except ConnectionRefusedError:
                break
            except ConnectionResetError:  # accepted, then dropped: it is still going
                pass
            await asyncio.sleep(0.002)
        self.dying = False

    async def visitor(self, session: aiohttp.ClientSession) -> None:
        while not self.stop.is_set():
            conversation = Conversation()
            self.conversations.append(conversation)
            session_id = None
            for turn, text in enumerate(TURNS):
                reply = await self.turn(session, conversation, turn, text, session_id)
                session_id = reply["session_id"]
                await asyncio.sleep(0.1)

    async def turn(self, session, conversation, turn, text, session_id) -> dict:
        """The answer to `text`, asked again while the reply is the friendly "unavailable"."""
        for _ in range(MAX_ASKS):
            reply = await self.ask(session, conversation, turn, text, session_id)
            if reply["topic"] != "unavailable":
                conversation.topics.append(reply["topic"])
                return reply
            session_id = reply["session_id"]
            await asyncio.sleep(ASK_AGAIN_AFTER_S)
        raise AssertionError(f"no answer after {MAX_ASKS} asks")

    async def ask(self, session, conversation, turn, text, session_id) -> dict:
        self.requests += 1
        request = f"request-{self.requests}"
        self.outstanding.add(request)
        if self.dying:
            self.in_flight.add(request)
        body = {"message": text, **({"session_id": session_id} if session_id else {})}
        try:
            async with session.post(
                f"{self.stack.frontdoor_url}/api/v1/chat",
                json=body,
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response:
                assert response.status == 200
                reply = await response.json()
        finally:
            self.outstanding.discard(request)
        conversation.id = reply["session_id"].split(".")[0]
        conversation.asks.append((turn, request, reply["topic"]))
        return reply

    def finished(self, since: int = 0, instance: int | None = None) -> int:
        """Conversations finished, of those started after the first `since`; only those the
        front door sends to `instance`, when given."""
        return sum(
            len(c.topics) == len(TURNS) and instance in (None, instance_of(c.id, 2))
            for c in self.conversations[since:]
        )


def instance_of(conversation_id: str, instances: int) -> int:
    """The instance the front door sends a conversation to (frontdoor.rasa_client)."""
    return zlib.crc32(conversation_id.encode()) % instances


async def until(condition, what: str) -> None:
    """Return once `condition()` holds; fail after WAIT_S."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < WAIT_S, f"{what} not within {WAIT_S} s"
        await asyncio.sleep(0.1)


async def test_killing_an_instance_under_load_loses_no_conversation(scaled):
    stack, store, prefix = scaled
    load = Load(stack)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # a conversation on the instance about to die, continued after its death and its restart
        witness = Conversation()
        first = await load.turn(session, witness, 0, TURNS[0], None)
        instance = instance_of(witness.id, 2)
        victim = f"rasa-{instance + 1}"

        visitors = [asyncio.create_task(load.visitor(session)) for _ in range(USERS)]
        await until(lambda: load.finished() >= USERS, f"{USERS} conversations")
        killed = time.monotonic()
        port = int(stack.rasa_urls[instance].rsplit(":", 1)[1])
        killing = asyncio.create_task(load.kill(stack.pid(victim), port))
        after_kill = await load.turn(session, witness, 1, TURNS[1], first["session_id"])
        await killing
        log = stack.logs / "stack.log"
        await until(lambda: f"{victim} is answering again" in log.read_text(), victim)
        back_in = time.monotonic() - killed
        since = len(load.conversations)  # conversations go back to it
        await until(lambda: load.finished(since, instance) >= 2, f"conversations on {victim}")
        after_restart = await load.turn(session, witness, 1, TURNS[1], after_kill["session_id"])
        load.stop.set()
        await asyncio.gather(*visitors)

    counts = count(load, store, prefix)
    print(f"\n{victim} killed, answering again after {back_in:.1f} s; {json.dumps(counts)}")
    print(f"the witness conversation's asks: {[topic for *_, topic in witness.asks]}")
    assert (after_kill["topic"], after_restart["topic"]) == (TOPIC, TOPIC)
    assert counts["conversations"] >= USERS and counts["without_context"] == 0
    assert counts["answered"] == counts["sent"] and counts["unavailable"] == 0
    assert counts["lost"] == counts["duplicated"] == 0


def count(load: Load, store: redis.Redis, prefix: str) -> dict:
    """What happened to every message of the load, from the replies and the stored trackers."""
    in_flight = load.in_flight
    counts = dict.fromkeys(["sent", "answered", "unavailable"], 0)
    counts |= dict.fromkeys(["lost", "duplicated", "without_context"], 0)
    finished = [c for c in load.conversations if len(c.topics) == len(TURNS)]
    counts["conversations"] = len(finished)
    counts["in_flight"] = len(in_flight)
    for conversation in finished:
        unavailable = [ask for ask in conversation.asks if ask[2] == "unavailable"]
        counts["sent"] += len(conversation.asks)
        counts["unavailable"] += len(unavailable)
        counts["answered"] += len(conversation.asks) - len(unavailable)
        counts["without_context"] += conversation.topics != [TOPIC] * len(TURNS)
        stored = json.loads(store.get(f"{prefix}:tracker:{conversation.id}") or '{"events": []}')
        intents = [
            e["parse_data"]["intent"]["name"] for e in stored["events"] if e["event"] == "user"
        ]
        questions = intents.count(QUESTION_INTENT)
        for times in (questions, len(intents) - questions):  # each turn's stored user events
            counts["lost"] += times == 0
            counts["duplicated"] += max(times - 1, 0)
    return counts
