"""Under a real gunicorn, feed tokens never reach the access or error logs."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> bytes | None:
    """The body of a 200 answer, or None while the server is not listening yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            return response.read()
    except (ConnectionError, urllib.error.URLError):
        return None


def test_gunicorn_logs_never_contain_the_feed_token(migrated_database, feed_center, tmp_path):
    port = free_port()
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
            "--error-logfile",
            str(error_log),
            "wsgi:app",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": migrated_database, "FLASK_SECRET_KEY": "log-test"},
    )
    try:
        url = f"http://127.0.0.1:{port}{feed_center['specialist_url']}"
        body = wait_until(lambda: fetch(url), timeout=30, message="gunicorn did not start")
        assert b"BEGIN:VCALENDAR" in body
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/guessed-secret-123.ics")
        except urllib.error.HTTPError as error:
            assert error.code == 404
    finally:
        server.terminate()
        server.wait(timeout=20)
    logged = access_log.read_text() + error_log.read_text()
    assert "/feeds/[redacted]" in logged
    assert feed_center["specialist_secret"] not in logged
    assert "guessed-secret-123" not in logged
