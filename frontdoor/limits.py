"""Size limits and the per-client rate limit."""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_MESSAGE_CHARS = 1000
# A request body is at most BODY_LIMIT bytes: a 1,000-character message fits even when every
# character is a JSON \u escape pair. aiohttp refuses a body of its client_max_size or more,
# so that (MAX_BODY_BYTES, given to it in app.py) is one byte more.
BODY_LIMIT = 16 * 1024
MAX_BODY_BYTES = BODY_LIMIT + 1
# What a connection may send between two requests' headers: one request's headers (aiohttp
# refuses a header line over 8 kB, but not a great many lines) and the previous body.
MAX_HEADER_BYTES = 64 * 1024


class RateLimiter:
    """A token bucket per client key, in memory: `burst` requests at once, then `per_minute`."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rate = per_minute / 60
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}

    def acquire(self, key: str) -> float:
        """Take one token for `key`: 0 when allowed, else the seconds until one is free."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            self._prune(now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self.buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)

    def _prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled, once there are too many to keep."""
        if len(self.buckets) > self.max_clients:
            for key in [k for k in self.buckets if self._tokens(k, now) >= self.burst]:
                del self.buckets[key]
