"""Two gunicorn servers (separate processes, separate caches) on one database answer every
validator path alike: ETag, If-None-Match, Last-Modified, If-Modified-Since, gzip."""

import gzip
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def serving(url: str):
    try:
        return get(url)[0] == 200
    except (ConnectionError, urllib.error.URLError):
        return False


@pytest.fixture
def two_workers(migrated_database, feed_center):
    """The base URLs of two servers, one worker each, sharing the test database."""
    servers, bases = [], []
    gunicorn = Path(sys.executable).parent / "gunicorn"
    environment = {
        **os.environ,
        "DATABASE_URL": migrated_database,
        "FLASK_SECRET_KEY": "two",
        # As behind one load balancer: both build links to the same public address.
        "FLASK_PUBLIC_BASE_URL": "https://boards.example.org",
    }
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}"]
                    + ["--log-level", "warning", "wsgi:app"],
                    cwd=ROOT,
                    env=environment,
                    stdin=subprocess.DEVNULL,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until(
                lambda base=base: serving(base + "/healthz"), timeout=30, message="no gunicorn"
            )
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=15)


def test_every_validator_path_agrees_across_two_workers(api, feed_center, two_workers):
    first, second = (base + feed_center["specialist_url"] for base in two_workers)
    status_a, headers_a, body_a = get(first)
    status_b, headers_b, body_b = get(second)
    assert status_a == status_b == 200
    assert body_a == body_b and headers_a["ETag"] == headers_b["ETag"]
    etag = headers_a["ETag"]

    # ETag from one worker revalidates on the other, in both encodings.
    assert get(second, **{"If-None-Match": etag})[0] == 304
    _, zipped_headers_a, zipped_a = get(first, **{"Accept-Encoding": "gzip"})
    _, zipped_headers_b, zipped_b = get(second, **{"Accept-Encoding": "gzip"})
    assert zipped_headers_a["Content-Encoding"] == zipped_headers_b["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped_a) == gzip.decompress(zipped_b) == body_a
    assert zipped_headers_a["ETag"] == zipped_headers_b["ETag"] != etag
    revalidated = get(
        first, **{"Accept-Encoding": "gzip", "If-None-Match": zipped_headers_b["ETag"]}
    )
    assert revalidated[0] == 304 and revalidated[1]["ETag"] == zipped_headers_b["ETag"]

    # Last-Modified from one worker revalidates on the other (once its second is over).
    def by_date_on_the_other_worker():
        since = get(first)[1]["Last-Modified"]
        return get(second, **{"If-Modified-Since": since})[0] == 304 and since

    since = wait_until(by_date_on_the_other_worker, timeout=5)
    assert get(first)[1]["Last-Modified"] == get(second)[1]["Last-Modified"] == since

    # A change reaches both workers: new bytes, one new ETag, a later Last-Modified.
    session = api.get(f"/api/v1/sessions/{feed_center['second']}")
    moved = api.patch(
        f"/api/v1/sessions/{feed_center['second']}",
        json={"location": "Room 12"},
        headers={"If-Match": session.headers["ETag"]},
    )
    assert moved.status_code == 200
    after_a = get(first, **{"If-None-Match": etag})
    after_b = get(second, **{"If-Modified-Since": since})
    assert after_a[0] == after_b[0] == 200
    assert after_a[2] == after_b[2] != body_a and b"Room 12" in after_a[2]
    assert after_a[1]["ETag"] == after_b[1]["ETag"] != etag
    assert get(second, **{"If-None-Match": after_a[1]["ETag"]})[0] == 304
