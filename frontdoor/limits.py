"""Size limits, the per-client rate limit and the lockout after failed token checks."""

from __future__ import annotations

import ipaddress
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


def client_key(address: str | None) -> str:
    """Whom failed token checks count against: an IPv4 address (also when IPv4-mapped IPv6),
    or an IPv6 address's /64 network, which one subscriber usually holds whole."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


class Lockout:
    """Failed token checks per client key, in memory: `max_failures` of them within `seconds`
    lock the key out for `seconds`. Keys are forgotten `seconds` after their last failure,
    the oldest first beyond `max_clients`."""

    def __init__(
        self,
        max_failures: int = 10,
        seconds: float = 15 * 60,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max_failures
        self.seconds = seconds
        self.max_clients = max_clients
        self.clock = clock
        # key: (times of its recent failures, locked until); the latest failure last
        self.clients: dict[str, tuple[tuple[float, ...], float]] = {}

    def locked_for(self, key: str) -> float:
        """The seconds `key` stays locked out; 0 when it is not."""
        _, until = self.clients.get(key, ((), 0.0))
        return max(0.0, until - self.clock())

    def failed(self, key: str) -> None:
        """Count a failed check for `key`; the max_failures-th within `seconds` locks it out."""
        now = self.clock()
        times, until = self.clients.pop(key, ((), 0.0))
        times = (*(t for t in times if now - t < self.seconds), now)[-self.max_failures :]
        if len(times) >= self.max_failures:
            until = now + self.seconds
        self.clients[key] = (times, until)
        while self.clients:
            oldest = next(iter(self.clients))
            fresh = now - self.clients[oldest][0][-1] < self.seconds
            if fresh and len(self.clients) <= self.max_clients:
                break
            del self.clients[oldest]
