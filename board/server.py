"""The gunicorn worker: gthread with a bounded queue, stamping how long each request waited.

gunicorn's threaded worker queues every accepted request for its thread pool without bound,
so an overloaded worker goes on serving requests whose clients gave up long ago. This worker
keeps at most `MAX_QUEUED_REQUESTS` waiting for a thread and answers any more with a canned
503 straight from its main loop, without a thread or the app; and it notes when each request
joined the queue, so that `board.limits` answers 503 at once to one that waited longer than
`QUEUE_TIMEOUT_SECONDS`.
"""

import contextlib
import json
import threading
import time

from gunicorn.workers.gthread import ThreadWorker

_waits = threading.local()

OVERLOADED_BODY = json.dumps(
    {
        "error": {
            "code": "overloaded",
            "message": "The service is busy; try again in a few seconds.",
            "details": {},
        }
    }
).encode()
OVERLOADED = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json\r\n"
    b"Retry-After: 5\r\n"
    b"Connection: close\r\n"
    b"Content-Length: " + str(len(OVERLOADED_BODY)).encode() + b"\r\n\r\n" + OVERLOADED_BODY
)
DEFAULT_MAX_QUEUED = 16


def seconds_queued() -> float | None:
    """How long the current request waited for a thread; None outside this worker."""
    return getattr(_waits, "seconds", None)


class QueueTimedWorker(ThreadWorker):
    """`worker_class = "board.server.QueueTimedWorker"` in gunicorn.conf.py."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queued = 0  # requests handed to the thread pool and not yet picked up
        self.queued_lock = threading.Lock()

    def max_queued(self) -> int:
        config = getattr(self.wsgi, "config", None) or {}
        return int(config.get("MAX_QUEUED_REQUESTS", DEFAULT_MAX_QUEUED))

    def enqueue_req(self, conn):
        with self.queued_lock:
            full = self.queued >= self.max_queued()
            if not full:
                self.queued += 1
        if full:
            self.refuse(conn)
            return
        conn.queued_at = time.monotonic()
        super().enqueue_req(conn)

    def refuse(self, conn) -> None:
        """Answer 503 and close, from the main loop; the request is not read beyond what
        has arrived (read so that closing does not reset the connection)."""
        self.nr_conns -= 1
        with contextlib.suppress(OSError):
            conn.sock.setblocking(False)
            with contextlib.suppress(OSError):
                conn.sock.recv(65536)
            conn.sock.send(OVERLOADED)
        conn.close()

    def handle(self, conn):
        with self.queued_lock:
            self.queued -= 1
        _waits.seconds = time.monotonic() - conn.queued_at
        try:
            return super().handle(conn)
        finally:
            _waits.seconds = None
