"""The scheduler process (`flask board scheduler`): elect a leader, then run the jobs.

Each firing is claimed in the `job_firings` table under its time slot, so a slot never runs
twice even across a leadership change, and a new leader runs the current slot at once if the
previous leader did not finish it.
"""

import logging
import os
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import IntegrityError

from board.common.time import utcnow
from board.extensions import db
from board.jobs import heartbeat  # noqa: F401 - its listeners beat for runs in every process
from board.jobs.definitions import JOBS
from board.jobs.leadership import leadership_for
from board.jobs.models import JobFiring
from board.jobs.services import notify_admins_of_failure
from board.planning.models import this_process

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday: weekly slots start on Mondays


def slot_for(instant: datetime, period_seconds: int) -> str:
    """The time slot an instant falls in, e.g. '2026-11-24T10:15:00Z' for 15-minute jobs."""
    elapsed = int((instant - EPOCH).total_seconds())
    start = EPOCH + timedelta(seconds=elapsed - elapsed % period_seconds)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def claim_firing(job: str, slot: str, owner: str) -> JobFiring | None:
    """Claim one slot of a job; None when it already ran (or is running under a live leader).

    Only the leader calls this, so a claim still 'running' under another owner belongs to a
    leader that died mid-run: it is taken over and run again.
    """
    firing = JobFiring(job=job, slot=slot, owner=owner)
    db.session.add(firing)
    try:
        db.session.commit()
        return firing
    except IntegrityError:
        db.session.rollback()
    existing = db.session.scalar(
        db.select(JobFiring).where(JobFiring.job == job, JobFiring.slot == slot)
    )
    if existing is None or existing.outcome != "running" or existing.owner == owner:
        return None
    log.warning("taking over job %s slot %s left running by %s", job, slot, existing.owner)
    existing.owner = owner
    existing.attempts += 1
    existing.started_at = utcnow()
    db.session.commit()
    return existing


def run_firing(app: Flask, job: str, owner: str) -> None:
    """Run one job for the current slot, recording the outcome; never raises."""
    period = app.config["SCHEDULER_JOB_PERIODS"][job]
    with app.app_context():
        firing = claim_firing(job, slot_for(utcnow(), period), owner)
        if firing is None:
            return
        try:
            summary = JOBS[job]()
            db.session.commit()
            firing.outcome, firing.summary = "succeeded", summary or ""
        except Exception as error:  # noqa: BLE001 - recorded, and the next slot runs again
            db.session.rollback()
            log.exception("job %s failed", job)
            firing = db.session.merge(firing)
            firing.outcome, firing.summary = "failed", f"{type(error).__name__}: {error}"[:2000]
        firing.finished_at = utcnow()
        db.session.commit()
        if firing.outcome == "failed":
            tell_admins(firing)


def tell_admins(firing: JobFiring) -> None:
    """Notify the admins of a failed firing; a failure to notify is only logged."""
    try:
        notify_admins_of_failure(
            f"Background job {firing.job} failed",
            f"The {firing.job} job failed in its {firing.slot} slot: {firing.summary}\n"
            "Its next firing runs as usual.",
            dedup_key=f"job-failed:{firing.job}:{firing.slot}",
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the firing itself is recorded; do not stop the scheduler
        db.session.rollback()
        log.exception("could not notify the admins of failed job %s", firing.job)


def build_scheduler(app: Flask, owner: str) -> BackgroundScheduler:
    """APScheduler with every job on an interval aligned to its slots, due at once."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
        },
    )
    now = datetime.now(UTC)
    for job, period in app.config["SCHEDULER_JOB_PERIODS"].items():
        # Fire on the slot boundaries (e.g. :00, :15, :30, :45 for a 15-minute job) ...
        scheduler.add_job(
            run_firing,
            IntervalTrigger(seconds=period, start_date=EPOCH, timezone=UTC),
            args=(app, job, owner),
            id=job,
            name=job,
        )
        # ... and once now, to catch up the current slot if the previous leader missed it.
        scheduler.add_job(
            run_firing,
            DateTrigger(run_date=now, timezone=UTC),
            args=(app, job, owner),
            id=f"{job}-catch-up",
            name=f"{job} (catch-up)",
        )
    return scheduler


def run_scheduler_process(app: Flask, stop: threading.Event | None = None) -> None:
    """Follow until elected, lead until the lock is lost or `stop` is set."""
    stop = stop or threading.Event()
    owner = this_process()
    poll = app.config["SCHEDULER_POLL_SECONDS"]
    lock_file = app.config["SCHEDULER_LOCK_FILE"] or os.path.join(
        app.instance_path, "scheduler.lock"
    )
    leadership = leadership_for(app.config["SQLALCHEMY_DATABASE_URI"], lock_file)
    log.info("scheduler %s started; waiting to lead", owner)
    try:
        while not stop.is_set():
            if not leadership.try_acquire():
                stop.wait(poll)
                continue
            log.info("scheduler %s is now the leader", owner)
            scheduler = build_scheduler(app, owner)
            scheduler.start()
            try:
                while not stop.is_set() and leadership.still_held():
                    stop.wait(poll)
            finally:
                scheduler.shutdown(wait=True)
                log.info("scheduler %s stopped leading", owner)
    finally:
        leadership.release()
