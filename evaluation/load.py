"""The benchmark's load: what each bot is told, concurrent sessions at a level, one long
conversation, and one user's conversations in turn to two webhooks. Only canned messages are
sent; no message text is logged."""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from evaluation.evaluate import OUT_OF_SCOPE, QUESTIONS, known_topics, load_questions, percentile
from evaluation.rest_client import new_sender, send

WARMUP_SESSIONS = 3
LONG_TURNS = 50
LONG_RUNS = 3  # long conversations; each turn's latency is the median over them
NOT_CHAT = (OUT_OF_SCOPE, "handoff.", "chitchat.")


@dataclass
class Bot:
    """What to say to a bot: `session(rng)` gives the messages of one conversation."""

    name: str
    session: Callable[[random.Random], list[str]]

    def long_conversation(self) -> list[str]:
        """LONG_TURNS turns of sessions, from the first session's second message (a question,
        not a greeting) on; the last turn is the same text as the first."""
        turns: list[str] = []
        rng = random.Random(LONG_TURNS)
        while len(turns) < LONG_TURNS:
            turns += self.session(rng)
        return turns[1:LONG_TURNS] + turns[1:2]


def our_bot() -> Bot:
    """greet -> a held-out privacy question -> a service follow-up -> thanks."""
    questions = [
        q.q
        for q in load_questions(QUESTIONS, known_topics())
        if not any(t.startswith(NOT_CHAT) for t in q.topics)
    ]
    return Bot(
        "ours", lambda rng: ["hello", rng.choice(questions), "and what about MedAire?", "thanks"]
    )


STARTER = Bot("starter", lambda rng: ["hi", rng.choice(["I am sad", "not good"]), "yes", "bye"])


async def warm_up(session: aiohttp.ClientSession, url: str, bot: Bot) -> None:
    """WARMUP_SESSIONS conversations, before anything is measured."""
    for _ in range(WARMUP_SESSIONS):
        sender = new_sender("warmup")
        for text in bot.session(random.Random(0)):
            await send(session, url, sender, text)


async def load_level(
    session: aiohttp.ClientSession,
    url: str | Sequence[str],
    bot: Bot,
    users: int,
    duration: float,
    max_messages: int,
) -> dict:
    """`users` concurrent sessions, each a loop of new conversations, until time or count ends.

    With several webhooks (Rasa instances), each conversation goes to the one its sender id
    hashes to, as the front door does (frontdoor/rasa_client.py).
    """
    urls = [url] if isinstance(url, str) else list(url)
    latencies, counts = [], {"messages": 0, "sessions": 0, "errors": 0, "empty": 0}
    deadline = time.monotonic() + duration

    def more() -> bool:
        return time.monotonic() < deadline and counts["messages"] < max_messages

    async def user(rng: random.Random) -> None:
        while more():
            sender = new_sender("bench")
            webhook = urls[zlib.crc32(sender.encode()) % len(urls)]
            counts["sessions"] += 1
            for text in bot.session(rng):
                if not more():
                    return
                counts["messages"] += 1
                reply = await send(session, webhook, sender, text)
                if reply.error:
                    counts["errors"] += 1
                    continue
                latencies.append(reply.ms)
                counts["empty"] += not reply.messages

    started = time.monotonic()
    await asyncio.gather(*(user(random.Random(i)) for i in range(users)))
    seconds = time.monotonic() - started
    return {
        "users": users,
        **counts,
        "seconds": round(seconds, 2),
        "msg_per_s": counts["messages"] / seconds,
        **{f"p{q}_ms": percentile(latencies, q) for q in (50, 95, 99)},
    }


async def long_conversation(session: aiohttp.ClientSession, url: str, bot: Bot) -> dict:
    """Latency of each turn of LONG_RUNS conversations of LONG_TURNS turns (median per turn)."""
    turns = bot.long_conversation()
    runs = []
    for _ in range(LONG_RUNS):
        sender = new_sender("long")
        runs.append([(await send(session, url, sender, text)).ms for text in turns])
    per_turn = [percentile(column, 50) for column in zip(*runs, strict=True)]
    return {"turn1_ms": per_turn[0], "turn50_ms": per_turn[-1], "per_turn_ms": per_turn}


async def in_turn(
    session: aiohttp.ClientSession, bot: Bot, webhooks: dict[str, str], duration: float
) -> dict[str, dict[str, float | None]]:
    """One user's conversations, sent to each of `webhooks` in turn for `duration` seconds:
    the messages and p50 / p95 latency of each, by name."""
    latencies: dict[str, list[float]] = {name: [] for name in webhooks}
    rng, deadline = random.Random(1), time.monotonic() + duration
    while time.monotonic() < deadline:
        for name, url in webhooks.items():
            sender = new_sender("bench")
            for text in bot.session(rng):
                reply = await send(session, url, sender, text)
                if not reply.error:
                    latencies[name].append(reply.ms)
    return {
        name: {"messages": len(ms), **{f"p{q}_ms": percentile(ms, q) for q in (50, 95)}}
        for name, ms in latencies.items()
    }
