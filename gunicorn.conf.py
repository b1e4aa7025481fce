"""gunicorn defaults for a node with 2 cores; any setting can be overridden on the command line.

`gunicorn wsgi:app` in the repository root reads this file. Threads overlap the database and
network waits of a request; processes use the cores. See docs/deployment.md.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "board.server.QueueTimedWorker"  # gthread, answering 503 to requests queued too long
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30
keepalive = 5  # behind a proxy that reuses connections
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# Connections a worker takes on at once; more wait in the listen backlog.
worker_connections = 200

# gunicorn's runtime control socket is one path per user by default: several servers on one
# host (or a test run beside a dev server) would fight over it. Nothing here uses it.
control_socket_disable = True
