"""The gunicorn worker: gthread, stamping how long each request waited for a thread.

gunicorn's threaded worker queues every accepted request for its thread pool without bound,
so an overloaded worker goes on serving requests whose clients gave up long ago. This worker
notes when a request joined the queue; `board.limits` answers 503 at once to one that
waited longer than `QUEUE_TIMEOUT_SECONDS`, so the queue drains in milliseconds.
"""

import threading
import time

from gunicorn.workers.gthread import ThreadWorker

_waits = threading.local()


def seconds_queued() -> float | None:
    """How long the current request waited for a thread; None outside this worker."""
    return getattr(_waits, "seconds", None)


class QueueTimedWorker(ThreadWorker):
    """`worker_class = "board.server.QueueTimedWorker"` in gunicorn.conf.py."""

    def enqueue_req(self, conn):
        conn.queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        _waits.seconds = time.monotonic() - conn.queued_at
        try:
            return super().handle(conn)
        finally:
            _waits.seconds = None
