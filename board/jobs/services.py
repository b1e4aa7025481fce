"""What the scheduler does about failures: runs left behind by a dead process, failed jobs."""

from datetime import timedelta

from board.accounts.models import Role, User
from board.common.time import utcnow
from board.extensions import db
from board.notifications.services import notify
from board.planning.models import RunOutcome, ScheduleRun, this_process


def fail_abandoned_runs(stale_seconds: float) -> list[ScheduleRun]:
    """Mark failed every run whose heartbeat stopped `stale_seconds` ago (its process died).

    This process's own runs are alive by definition, whatever their heartbeat says.
    """
    now = utcnow()
    cutoff = now - timedelta(seconds=stale_seconds)
    runs = db.session.scalars(
        db.select(ScheduleRun).where(
            ScheduleRun.outcome == RunOutcome.RUNNING,
            ScheduleRun.owner != this_process(),
            db.func.coalesce(ScheduleRun.heartbeat_at, ScheduleRun.started_at) < cutoff,
        )
    ).all()
    for run in runs:
        last_sign = run.heartbeat_at or run.started_at
        run.outcome = RunOutcome.FAILED
        run.finished_at = now
        run.error = (
            f"Abandoned: the process running it ({run.owner or 'unknown'}) stopped; "
            f"last heartbeat {last_sign:%Y-%m-%d %H:%M:%S} UTC. Nothing of it was applied."
        )
    db.session.flush()
    return list(runs)


def notify_admins_of_failure(subject: str, body: str, dedup_key: str) -> int:
    """Tell every active admin, in the app and by email; returns how many were told."""
    admins = db.session.scalars(
        db.select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    ).all()
    told = 0
    for admin in admins:
        message = notify(
            "job_failed",
            subject,
            body,
            email=admin.email,
            user_id=admin.id,
            dedup_key=f"{dedup_key}:user-{admin.id}",
        )
        told += message is not None
    return told
