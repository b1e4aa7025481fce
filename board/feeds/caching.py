"""Per-worker memory for feeds: rendered bodies, validators, and the unknown-token limiter.

Each web worker keeps its own; none of it is needed for correctness (the database is the
truth), only to answer the many repeated polls of calendar clients cheaply.
"""

import threading
import time
from collections import deque
from collections.abc import Hashable

from cachetools import LRUCache, TTLCache


class LockedLru:
    """A thread-safe LRU of limited size (cachetools' caches are not thread-safe)."""

    def __init__(self, size: int):
        self.items: LRUCache = LRUCache(maxsize=size)
        self.lock = threading.Lock()

    def get(self, key: Hashable):
        with self.lock:
            return self.items.get(key)

    def put(self, key: Hashable, value: object) -> None:
        with self.lock:
            self.items[key] = value


class MissLimiter:
    """Counts unknown-token requests per client address; too many in a window means 429.

    Addresses are forgotten a window after their last miss, and at most `max_addresses` are
    kept, so a spray of addresses cannot grow memory.
    """

    def __init__(self, limit: int, window_seconds: float, max_addresses: int = 10_000):
        self.limit, self.window = limit, window_seconds
        self.misses: TTLCache = TTLCache(maxsize=max_addresses, ttl=window_seconds)
        self.lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self.lock:
            return len(self._recent(address)) >= self.limit

    def record_miss(self, address: str) -> None:
        with self.lock:
            recent = self._recent(address)
            recent.append(time.monotonic())
            self.misses[address] = recent  # re-inserting restarts the address's time to live

    def _recent(self, address: str) -> deque:
        recent = self.misses.get(address) or deque()
        cutoff = time.monotonic() - self.window
        while recent and recent[0] < cutoff:
            recent.popleft()
        return recent


# Per worker: rendered bodies by ETag and host; a feed's (ETag, Last-Modified) by change marker.
rendered_feeds = LockedLru(size=256)
feed_validators = LockedLru(size=4096)
unknown_token_limiter = MissLimiter(limit=20, window_seconds=300)
