"""A small client of Rasa's REST channel, shared by the evaluation and the benchmark.

It never logs what it sends or receives: callers only get the timing, the reply and the error kind.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

TIMEOUT_S = 30


@dataclass
class Reply:
    ms: float
    messages: list[dict] = field(default_factory=list)
    error: str | None = None


def new_sender(prefix: str) -> str:
    """A random sender id, so that every conversation starts fresh."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Reply:
    """POST one user message to a REST webhook and time the reply."""
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    try:
        async with session.post(
            url, json={"sender": sender, "message": text}, timeout=timeout
        ) as r:
            error = None if r.status == 200 else f"HTTP {r.status}"
            body = await r.json(content_type=None) if error is None else None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        body, error = None, type(exc).__name__
    ms = (time.perf_counter() - started) * 1000
    if error is None and not isinstance(body, list):
        error = "not a list of messages"
    return Reply(ms, body if isinstance(body, list) and error is None else [], error)
