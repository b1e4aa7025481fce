"""Exactly one scheduler leads: three real processes, every firing once, a killed leader
replaced within seconds without a lost firing."""

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from board.extensions import db
from board.jobs.models import JobFiring
from board.jobs.process import claim_firing, slot_for
from tests.helpers import wait_until

PERIOD = 2  # seconds between firings of the test job
ROOT = Path(__file__).resolve().parents[3]


def start_scheduler(database_url: str, lock_file: Path, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLASK_SECRET_KEY": "scheduler-test",
        "FLASK_SCHEDULER_JOB_PERIODS": json.dumps({"deliver_email": PERIOD}),
        "FLASK_SCHEDULER_POLL_SECONDS": "0.25",
        "FLASK_SCHEDULER_LOCK_FILE": str(lock_file),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "board", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def firings(app) -> list[JobFiring]:
    with app.app_context():
        rows = db.session.scalars(db.select(JobFiring).order_by(JobFiring.slot)).all()
        db.session.expunge_all()
        return rows


def assert_contiguous(rows: list[JobFiring]) -> None:
    slots = [datetime.strptime(row.slot, "%Y-%m-%dT%H:%M:%SZ") for row in rows]
    assert len(slots) == len(set(slots)), "a slot ran twice"
    gaps = [
        b - a for a, b in zip(slots, slots[1:], strict=False) if b - a != timedelta(seconds=PERIOD)
    ]
    assert gaps == [], f"lost firings: {[row.slot for row in rows]}"


def finished_firings(app, at_least: int, other_than: str | None = None) -> list[JobFiring] | None:
    """Every firing so far, once none is still running and at least `at_least` of them
    (of owners other than `other_than`, if given) have run; None until then."""
    rows = firings(app)
    counted = [row for row in rows if row.owner != other_than]
    if len(counted) >= at_least and all(row.finished_at is not None for row in rows):
        return rows
    return None


def test_three_schedulers_one_leader_and_a_killed_leader_is_replaced(
    app, migrated_database, tmp_path
):
    lock = tmp_path / "scheduler.lock"
    logs = [(tmp_path / f"scheduler-{n}.log").open("w") for n in range(3)]
    processes = [start_scheduler(migrated_database, lock, log) for log in logs]
    leader_pid = None
    try:
        first = wait_until(
            lambda: finished_firings(app, at_least=3), timeout=30, message="no leader emerged"
        )
        owners = {row.owner for row in first}
        assert len(owners) == 1, f"more than one leader: {owners}"
        assert all(row.outcome == "succeeded" and row.attempts == 1 for row in first)
        assert_contiguous(first)

        leader_pid = int(owners.pop().rsplit(":", 1)[1])
        leader = next(p for p in processes if p.pid == leader_pid)
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        killed_at = datetime.now(UTC)

        wait_until(
            lambda: len({row.owner for row in firings(app)}) == 2,
            timeout=15,
            message="no new leader took over",
        )

        # The new leader keeps firing: two more slots after its first, none lost between.
        after = wait_until(
            lambda: finished_firings(app, at_least=3, other_than=first[0].owner), timeout=PERIOD * 5
        )
        new_owner_rows = [row for row in after if row.owner != first[0].owner]
        assert len({row.owner for row in new_owner_rows}) == 1
        taken_over_at = min(row.started_at for row in new_owner_rows)
        assert taken_over_at - killed_at < timedelta(seconds=PERIOD + 3)
        assert_contiguous(after)
        # The new leader's newest firing may still be running when the rows are read.
        newest = after[-1]
        settled = (
            after[:-1] if newest.outcome == "running" and newest.owner != first[0].owner else after
        )
        assert all(row.outcome == "succeeded" for row in settled)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
    for process in processes:
        if process.pid != leader_pid:
            assert process.returncode == 0, (tmp_path / "scheduler-0.log").read_text()


def test_slots_align_to_the_period():
    instant = datetime(2026, 11, 24, 10, 17, 42, tzinfo=UTC)
    assert slot_for(instant, 900) == "2026-11-24T10:15:00Z"
    assert slot_for(instant, 3600) == "2026-11-24T10:00:00Z"
    assert slot_for(instant, 86400) == "2026-11-24T00:00:00Z"


def test_a_slot_is_claimed_once_and_a_dead_leaders_claim_is_taken_over(app):
    with app.app_context():
        assert claim_firing("assign", "2026-11-24T10:15:00Z", "host:1") is not None
        assert claim_firing("assign", "2026-11-24T10:15:00Z", "host:1") is None
        taken = claim_firing("assign", "2026-11-24T10:15:00Z", "host:2")
        assert taken is not None and taken.owner == "host:2" and taken.attempts == 2
        taken.outcome = "succeeded"
        db.session.commit()
        assert claim_firing("assign", "2026-11-24T10:15:00Z", "host:3") is None
