"""The background jobs: thin wrappers that call one service each and return a summary."""

from flask import current_app

from board.boards.services import list_boards
from board.common.validation import today
from board.notifications.services import deliver_pending_email
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
    from board.schedule.services import run_assignment

    run = run_assignment("scheduled")
    return (
        f"run {run.id}: {run.placed_count} placed, {run.moved_count} moved, "
        f"{run.removed_count} removed, {run.unplaced_count} unplaced"
    )


def deliver_email() -> str:
    """Send queued emails."""
    counts = deliver_pending_email()
    return ", ".join(f"{count} {name}" for name, count in counts.items())


JOBS = {
    "generate_sessions": generate_upcoming_sessions,
    "assign": assign_cases,
    "deliver_email": deliver_email,
}
