"""Per-worker memory for feeds: rendered bodies, their compressed forms, and validators.

Each web worker keeps its own; none of it is needed for correctness (the database is the
truth, and every ETag is a hash of the bytes it names), only to answer the many repeated
polls of calendar clients cheaply. The unknown-token limit lives in the database
(`FeedTokenMiss`) so that it holds across workers.
"""

import threading
from collections.abc import Hashable

from cachetools import LRUCache
from flask import g


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

    set = put  # the name Flask-Compress's cache backend protocol uses


# Per worker: rendered bodies by ETag; each encoding of a body by "<encoding>;<ETag>";
# a feed's (ETag, Last-Modified) by change marker and public base URL.
rendered_feeds = LockedLru(size=256)
compressed_feeds = LockedLru(size=512)
feed_validators = LockedLru(size=4096)


def compressed_cache_key(_request) -> str:
    """Flask-Compress's cache key: the ETag of the body being compressed."""
    return g.compressed_cache_key
