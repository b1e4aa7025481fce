"""The multi-node shape on a real PostgreSQL: two web processes, three scheduler processes,
a bounded mixed load with concurrent edits of one session, and the scheduler leader killed.

Checks: no 5xx, every accepted edit is in the final row (none lost), every job slot ran once
with none skipped, and a new leader fired within seconds of the old one's death.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.http import quote_etag

from board.common.http import etag_of
from board.extensions import db
from board.jobs.models import JobFiring
from board.sessions.models import BoardSession
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]
PERIOD = 2  # seconds between firings of the test job
WRITERS, READERS = 4, 2


@pytest.fixture
def postgres(migrated_database):
    if not migrated_database.startswith("postgresql"):
        pytest.skip("the multi-node shape runs on PostgreSQL (TEST_DATABASE=postgresql)")
    return migrated_database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_env(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": "multi-node"}


def start_web(database_url: str, port: int, log) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py"]
    command += [f"--bind=127.0.0.1:{port}", "--workers=1", "--threads=4", "wsgi:app"]
    # Shedding is tested elsewhere; on a busy CI machine it must not refuse these few clients.
    env = {**base_env(database_url), "FLASK_QUEUE_TIMEOUT_SECONDS": "30"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_scheduler(database_url: str, log) -> subprocess.Popen:
    env = {
        **base_env(database_url),
        "FLASK_SCHEDULER_JOB_PERIODS": json.dumps({"deliver_email": PERIOD}),
        "FLASK_SCHEDULER_POLL_SECONDS": "0.25",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "board", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def call(port: int, method: str, path: str, headers: dict, body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        data = json.dumps(body) if body is not None else None
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("ETag"), response.read()
    finally:
        connection.close()


def firings(app) -> list[JobFiring]:
    with app.app_context():
        rows = db.session.scalars(db.select(JobFiring).order_by(JobFiring.slot)).all()
        db.session.expunge_all()
        return rows


def test_two_web_nodes_three_schedulers_and_a_killed_leader(
    app, postgres, center, token_for, tmp_path
):
    session_id = center["sessions"][0]
    token = token_for("coordinator")
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with app.app_context():
        first_version = db.session.get(BoardSession, session_id).version

    logs = [(tmp_path / f"process-{n}.log").open("w") for n in range(5)]
    ports = [free_port(), free_port()]
    webs = [start_web(postgres, port, logs[n]) for n, port in enumerate(ports)]
    schedulers = [start_scheduler(postgres, logs[2 + n]) for n in range(3)]
    stop = threading.Event()
    accepted: list[tuple[str, str]] = []  # (location written, ETag answered)
    statuses: list[int] = []
    lock = threading.Lock()

    def edit(writer: int) -> None:
        number = 0
        while not stop.is_set():
            port = ports[number % 2]
            number += 1
            path = f"/api/v1/sessions/{session_id}"
            status, etag, _ = call(port, "GET", path, auth)
            location = f"room {writer}-{number}"
            status, new_etag, _ = call(
                ports[number % 2], "PATCH", path, {**auth, "If-Match": etag}, {"location": location}
            )
            with lock:
                statuses.append(status)
                if status == 200:
                    accepted.append((location, new_etag))

    def read(reader: int) -> None:
        paths = ["/api/v1/cases", "/api/v1/sessions", f"/api/v1/sessions/{session_id}"]
        number = 0
        while not stop.is_set():
            status, _, _ = call(ports[(number + reader) % 2], "GET", paths[number % 3], auth)
            number += 1
            with lock:
                statuses.append(status)
            time.sleep(0.02)

    threads: list[threading.Thread] = []
    try:
        for port, web in zip(ports, webs, strict=True):
            wait_until(lambda p=port, w=web: ready(p, w), timeout=60, message="web node down")
        wait_until(lambda: len(firings(app)) >= 2, timeout=30, message="no leader emerged")
        threads += [threading.Thread(target=edit, args=(n,)) for n in range(WRITERS)]
        threads += [threading.Thread(target=read, args=(n,)) for n in range(READERS)]
        for thread in threads:
            thread.start()
        time.sleep(3)

        leader_owner = firings(app)[-1].owner
        leader = next(p for p in schedulers if p.pid == int(leader_owner.rsplit(":", 1)[1]))
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        killed_at = datetime.now(UTC)
        wait_until(
            lambda: sum(row.owner != leader_owner for row in firings(app)) >= 3,
            timeout=30,
            message="no new leader took over",
        )
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        for process in [*webs, *schedulers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*webs, *schedulers]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()

    assert statuses and all(status < 500 for status in statuses), sorted(set(statuses))
    assert set(statuses) <= {200, 412}, f"only successes and stale refusals: {set(statuses)}"
    assert len(accepted) >= 10, "the edits ran"
    with app.app_context():
        final = db.session.get(BoardSession, session_id)
        assert final.version == first_version + len(accepted), "an accepted edit was lost"
        written_last = dict((etag, location) for location, etag in accepted)
        assert final.location == written_last[quote_etag(etag_of(final))]

    rows = firings(app)
    slots = [datetime.strptime(row.slot, "%Y-%m-%dT%H:%M:%SZ") for row in rows]
    assert len(slots) == len(set(slots)), "a slot ran twice"
    assert all(
        b - a == timedelta(seconds=PERIOD) for a, b in zip(slots, slots[1:], strict=False)
    ), f"a slot was skipped: {[row.slot for row in rows]}"
    assert all(row.outcome == "succeeded" for row in rows)
    assert len({row.owner for row in rows}) == 2, "one leader before the kill, one after"
    taken_over_at = min(row.started_at for row in rows if row.owner != leader_owner)
    assert taken_over_at - killed_at < timedelta(seconds=PERIOD + 4)


def ready(port: int, process: subprocess.Popen) -> bool:
    assert process.poll() is None, "a web process exited"
    try:
        return call(port, "GET", "/readyz", {})[0] == 200
    except OSError:
        return False
