"""Load shedding: a request that queued too long for a worker thread gets a quick 503."""

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from board import limits
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("queued", "status"), [(None, 200), (0.2, 200), (1.5, 503)])
def test_a_request_queued_past_the_limit_is_shed(client, monkeypatch, queued, status):
    monkeypatch.setattr(limits, "seconds_queued", lambda: queued)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == status
    if status == 503:
        assert response.headers["Retry-After"] == "5"
        error = response.get_json()["error"]
        assert error["code"] == "overloaded" and error["details"]["queued_seconds"] == 1.5


def test_the_proxy_start_stamp_counts_only_when_configured(app, client):
    stamp = {"X-Request-Start": f"t={int((time.time() - 3) * 1000)}"}  # milliseconds
    assert client.get("/api/v1/openapi.json", headers=stamp).status_code == 200
    app.config["REQUEST_START_HEADER"] = "X-Request-Start"
    assert client.get("/api/v1/openapi.json", headers=stamp).status_code == 503
    fresh = {"X-Request-Start": f"t={time.time():.3f}"}  # seconds
    assert client.get("/api/v1/openapi.json", headers=fresh).status_code == 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, float]:
    """(status, seconds) of one GET on a new connection."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1]), time.monotonic() - started


def test_gunicorn_sheds_past_a_full_queue_and_a_request_stuck_behind_a_slow_one(
    migrated_database, tmp_path
):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database,
        "FLASK_SECRET_KEY": "shed-test",
        "FLASK_MAX_QUEUED_REQUESTS": "1",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--threads=1",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_until(lambda: can_connect(port), timeout=30, message="gunicorn did not start")
        assert get(port, "/healthz")[0] == 200
        # The one thread reads a body that takes 2.5 s to arrive; a request meanwhile queues.
        slow = socket.create_connection(("127.0.0.1", port), timeout=20)
        slow.sendall(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: 8\r\nConnection: close\r\n\r\nemail"
        )
        time.sleep(0.3)
        started = time.monotonic()
        queued = get_in_background(port)
        time.sleep(0.3)
        # The queue (one place here) is full: the next request is refused at once.
        assert get(port, "/healthz")[0] == 503
        assert time.monotonic() - started < 1.5
        time.sleep(1.6)
        slow.sendall(b"=x\n")
        slow.recv(100)
        slow.close()
        status, _ = queued.result(timeout=20)
        assert status == 503
        assert time.monotonic() - started < 4, "the shed request was answered quickly"
        assert get(port, "/healthz")[0] == 200, "the next request is served as usual"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    # The app's lines are JSON; gunicorn's own (plain text, "[INFO] Booting worker") are not.
    text = (tmp_path / "gunicorn.log").read_text().splitlines()
    lines = [json.loads(line) for line in text if line.startswith("{")]
    assert "board.access" in {line["logger"] for line in lines}
    shed = [line for line in lines if line.get("status") == 503]
    assert shed and all(line["request_id"] != "-" for line in shed)


def can_connect(port: int) -> bool:
    try:
        return get(port, "/healthz")[0] == 200
    except OSError:
        return False


def get_in_background(port: int):
    """Start a GET in a thread; its future gives (status, seconds)."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(get, port, "/healthz")
    pool.shutdown(wait=False)
    return future
