"""Crash recovery: a run whose process died is marked failed by the leader on a stale
heartbeat; a job that raises is recorded, tells the admins, and the next firing runs."""

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from board.agendas.models import AgendaItem
from board.extensions import db
from board.jobs import process
from board.jobs.heartbeat import HEARTBEAT
from board.jobs.models import JobFiring
from board.notifications.models import Notification
from board.planning.models import RunOutcome, ScheduleRun, this_process
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]
LEADER = "leader-host:1"

# A run that hangs before the engine reads anything: its process is about to be killed.
HANGING_RUN = textwrap.dedent(
    """
    import time
    from board import create_app
    from board.planning import services
    services.build_engine_input = lambda now: time.sleep(600)
    app = create_app()
    with app.app_context():
        services.run_assignment("scheduled")
    """
)


def add_run(app, owner: str, heartbeat_age_seconds: float) -> int:
    with app.app_context():
        beat = datetime.now(UTC) - timedelta(seconds=heartbeat_age_seconds)
        run = ScheduleRun(trigger="scheduled", owner=owner, started_at=beat)
        db.session.add(run)
        db.session.flush()
        run.heartbeat_at = beat
        db.session.commit()
        return run.id


def get_run(app, run_id: int) -> ScheduleRun:
    with app.app_context():
        run = db.session.get(ScheduleRun, run_id)
        db.session.expunge(run)
        return run


def admin_messages(app) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(Notification).where(Notification.kind == "job_failed")
        ).all()
        db.session.expunge_all()
        return rows


def test_a_run_killed_with_sigkill_is_marked_failed_by_the_leader(
    app, migrated_database, center, ready_case, make_user, api, tmp_path
):
    ready_case()
    admin_id, _email = make_user("admin")
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database,
        "FLASK_SECRET_KEY": "crash-test",
        "FLASK_SCHEDULE_RUN_HEARTBEAT_SECONDS": "0.2",
    }
    log = (tmp_path / "run.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-c", HANGING_RUN], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        run_id = wait_until(
            lambda: next((run["id"] for run in api.get("/api/v1/schedule/runs").json), None),
            timeout=30,
            message="the run never started",
        )
        first_beat = get_run(app, run_id).heartbeat_at
        wait_until(
            lambda: get_run(app, run_id).heartbeat_at > first_beat,
            timeout=10,
            message="the run's heartbeat never moved",
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        log.close()

    app.config["SCHEDULE_RUN_STALE_SECONDS"] = 60
    process.run_firing(app, "recover_runs", LEADER)
    assert get_run(app, run_id).outcome == RunOutcome.RUNNING, "a fresh heartbeat is trusted"

    app.config["SCHEDULE_RUN_STALE_SECONDS"] = 0.5
    wait_until(
        lambda: datetime.now(UTC) - get_run(app, run_id).heartbeat_at > timedelta(seconds=1),
        timeout=5,
    )
    with app.app_context():
        db.session.execute(db.delete(JobFiring))  # a new slot for the recovery job
        db.session.commit()
    process.run_firing(app, "recover_runs", LEADER)

    [listed] = [run for run in api.get("/api/v1/schedule/runs").json if run["id"] == run_id]
    assert listed["outcome"] == "failed"
    run = get_run(app, run_id)
    assert "stopped" in run.error and run.finished_at is not None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AgendaItem.id))) == 0
    [message] = admin_messages(app)
    assert message.user_id == admin_id and f"run {run_id}" in message.subject


def test_only_runs_with_a_stale_heartbeat_of_another_process_are_failed(app):
    app.config["SCHEDULE_RUN_STALE_SECONDS"] = 60
    dead = add_run(app, "gone-host:99", heartbeat_age_seconds=120)
    alive = add_run(app, "busy-host:7", heartbeat_age_seconds=5)
    mine = add_run(app, this_process(), heartbeat_age_seconds=120)
    process.run_firing(app, "recover_runs", LEADER)
    assert get_run(app, dead).outcome == RunOutcome.FAILED
    assert get_run(app, alive).outcome == RunOutcome.RUNNING
    assert get_run(app, mine).outcome == RunOutcome.RUNNING


def test_a_run_in_progress_here_gets_heartbeats_until_it_finishes(app):
    app.config["SCHEDULE_RUN_HEARTBEAT_SECONDS"] = 0.05
    with app.app_context():
        run = ScheduleRun(trigger="scheduled")
        db.session.add(run)
        db.session.commit()
        run_id, first_beat = run.id, run.heartbeat_at
    wait_until(lambda: get_run(app, run_id).heartbeat_at > first_beat, timeout=5)
    with app.app_context():
        db.session.get(ScheduleRun, run_id).outcome = RunOutcome.APPLIED
        db.session.commit()
    wait_until(lambda: HEARTBEAT.thread is None, timeout=5, message="the heartbeat kept going")


def test_a_failing_job_tells_the_admins_and_the_next_firing_still_runs(app, make_user, monkeypatch):
    from board.jobs import definitions

    admin_id, _ = make_user("admin")
    make_user("coordinator")
    outcomes = iter([ValueError("the mail relay is down"), None])

    def flaky() -> str:
        if error := next(outcomes):
            raise error
        return "sent"

    monkeypatch.setitem(definitions.JOBS, "deliver_email", flaky)
    first_slot = datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC)
    monkeypatch.setattr(process, "utcnow", lambda: first_slot)
    process.run_firing(app, "deliver_email", LEADER)
    monkeypatch.setattr(process, "utcnow", lambda: first_slot + timedelta(minutes=1))
    process.run_firing(app, "deliver_email", LEADER)

    with app.app_context():
        rows = db.session.scalars(db.select(JobFiring).order_by(JobFiring.slot)).all()
        assert [(row.outcome, row.summary) for row in rows] == [
            ("failed", "ValueError: the mail relay is down"),
            ("succeeded", "sent"),
        ]
    [message] = admin_messages(app)
    assert message.user_id == admin_id
    assert "deliver_email" in message.subject and "mail relay is down" in message.body
