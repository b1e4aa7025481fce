"""The background jobs: thin wrappers that call one service each and return a summary."""

from flask import current_app

from board.agendas.deadlines import (
    enforce_records_cutoffs,
    publish_due_agendas,
    send_records_reminders,
)
from board.audit.services import record_system_event
from board.boards.services import list_boards
from board.common.time import today
from board.extensions import db
from board.jobs.services import fail_abandoned_runs, notify_admins_of_failure
from board.notifications.services import deliver_pending_email
from board.planning.services import PERIODIC_TRIGGER, run_assignment
from board.sessions.services import generate_sessions


def generate_upcoming_sessions() -> str:
    """Create missing sessions from every active board's recurrence."""
    weeks = current_app.config["SESSION_HORIZON_WEEKS"]
    created = sum(
        len(generate_sessions(board, today(), weeks)) for board in list_boards(active_only=True)
    )
    return f"{created} sessions created"


def assign_cases() -> str:
    """Run the engine and apply its plan."""
    run = run_assignment(PERIODIC_TRIGGER)
    if run.placed_count or run.moved_count or run.removed_count:
        record_system_event("update", "agenda", target=f"run:{run.id}")
    return (
        f"run {run.id}: {run.placed_count} placed, {run.moved_count} moved, "
        f"{run.removed_count} removed, {run.unplaced_count} unplaced"
    )


def move_late_cases() -> str:
    """Move cases that missed their records cutoff, then replan so they find a new session."""
    counts = enforce_records_cutoffs()
    if counts["removed"]:
        record_system_event("update", "agenda", target="job:records_cutoff")
        db.session.commit()
        run_assignment("records cutoff")
    return f"{counts['removed']} removed, {counts['pinned_warned']} pinned kept"


def publish_agendas() -> str:
    """Publish agendas whose freeze time has come."""
    published = publish_due_agendas()
    if published:
        record_system_event("print", "agenda", target="job:publish_agendas")
    return f"{published} agendas published"


def send_reminders() -> str:
    """Queue records reminders to referring offices."""
    queued = send_records_reminders()
    if queued:
        record_system_event("export", "case_records", target="job:reminders")
    return f"{queued} reminders queued"


def deliver_email() -> str:
    """Send queued emails."""
    counts = deliver_pending_email()
    return ", ".join(f"{count} {name}" for name, count in counts.items())


def recover_runs() -> str:
    """Mark failed the engine runs whose process died mid-run, and tell the admins."""
    runs = fail_abandoned_runs(current_app.config["SCHEDULE_RUN_STALE_SECONDS"])
    if runs:
        ids = ", ".join(str(run.id) for run in runs)
        notify_admins_of_failure(
            f"Scheduling run {ids} was abandoned",
            f"The process running scheduling run {ids} stopped before it finished. Nothing "
            "of it was applied; the next scheduled run plans the cases again.",
            dedup_key=f"runs-abandoned:{ids}",
        )
    return f"{len(runs)} abandoned runs marked failed"


JOBS = {
    "generate_sessions": generate_upcoming_sessions,
    "assign": assign_cases,
    "records_cutoff": move_late_cases,
    "publish_agendas": publish_agendas,
    "reminders": send_reminders,
    "deliver_email": deliver_email,
    "recover_runs": recover_runs,
}
