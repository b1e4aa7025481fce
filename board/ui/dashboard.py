"""The coordinator's dashboard, a specialist's home, and the scheduler button."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func

from board.accounts.permissions import STAFF, is_staff, require_roles
from board.agendas.models import AgendaItem
from board.agendas.services import OPEN_SESSION_STATUSES, quorum_status
from board.boards.services import list_boards
from board.cases.models import Case, CaseStatus, InsurerNotice, RecordItem
from board.cases.services import OPEN_STATUSES
from board.common.models import utcnow
from board.common.validation import today
from board.extensions import db
from board.schedule.housekeeping import cutoff_for
from board.schedule.models import CasePlacementNote
from board.schedule.services import list_runs, run_assignment
from board.sessions.models import BoardSession
from board.sessions.services import configured_holidays, list_sessions, local_date
from board.ui.views import blueprint
from scheduling import records_cutoff

SESSIONS_PER_BOARD = 3
# A record still missing this long after it was asked for needs chasing (case on no agenda).
OVERDUE_AFTER = timedelta(days=5)
# On an agenda, a record needs chasing from this many business days before the cutoff.
CUTOFF_WARNING_BUSINESS_DAYS = 2


def session_summary(session: BoardSession) -> dict:
    """Minutes used and free, quorum and agenda status of one session."""
    items = list(
        db.session.scalars(db.select(AgendaItem).where(AgendaItem.session_id == session.id))
    )
    used = sum(item.minutes for item in items)
    quorum = quorum_status(session, items)
    return {
        "session": session,
        "count": len(items),
        "used": used,
        "free": session.capacity_minutes - used,
        "percent": min(100, round(100 * used / session.capacity_minutes))
        if session.capacity_minutes
        else 100,
        "quorum": quorum,
        "quorum_met": all(row["met"] for row in quorum),
    }


def upcoming_by_board() -> list[tuple]:
    """Each active board with its next few open sessions."""
    rows = []
    now = utcnow()
    for board in list_boards(active_only=True):
        sessions = [
            session
            for session in list_sessions(starts_from=now, board_id=board.id)
            if session.status in OPEN_SESSION_STATUSES
        ][:SESSIONS_PER_BOARD]
        rows.append((board, [session_summary(session) for session in sessions]))
    return rows


def unplaced_queue(limit: int = 50) -> list[tuple]:
    """Ready cases on no open agenda, with the engine's latest word on each."""
    placed = (
        db.select(AgendaItem.case_id)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(BoardSession.status.in_(OPEN_SESSION_STATUSES))
    )
    rows = db.session.execute(
        db.select(Case, CasePlacementNote.reason)
        .outerjoin(CasePlacementNote, CasePlacementNote.case_id == Case.id)
        .where(Case.status == CaseStatus.READY, Case.id.not_in(placed))
        .order_by(Case.decision_due_on, Case.id)
        .limit(limit)
    ).all()
    return [
        (case, reason or "The scheduler has not considered this case yet.") for case, reason in rows
    ]


@dataclass(frozen=True)
class OverdueRecord:
    """A missing record to chase, with the records cutoff of the agenda its case is on."""

    record: RecordItem
    cutoff: date | None = None
    session: BoardSession | None = None


def cutoff_is_near(session: BoardSession, cutoff: date, now: datetime) -> bool:
    """Whether the session's records cutoff has passed or is a few business days away."""
    local_today = local_date(now, session.board.time_zone)
    days_off = configured_holidays(cutoff.year - 1, cutoff.year)
    return local_today >= records_cutoff(cutoff, CUTOFF_WARNING_BUSINESS_DAYS, days_off)


def overdue_records(limit: int = 50) -> list[OverdueRecord]:
    """Missing records of open cases: by the real cutoff on an agenda, else asked for long ago."""
    now = utcnow()
    missing = (RecordItem.received_on.is_(None), Case.status.in_(OPEN_STATUSES))
    on_agenda = db.session.execute(
        db.select(RecordItem, BoardSession)
        .join(Case, RecordItem.case_id == Case.id)
        .join(AgendaItem, AgendaItem.case_id == Case.id)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(*missing, BoardSession.status.in_(OPEN_SESSION_STATUSES))
        .order_by(BoardSession.starts_at, RecordItem.id)
    ).all()
    cutoffs: dict[int, tuple[date, bool]] = {}
    rows = []
    for record, session in on_agenda:
        if any(row.record.id == record.id for row in rows):
            continue  # a case on two agendas: its earlier session's cutoff is what counts
        if session.id not in cutoffs:
            cutoff = cutoff_for(session)
            cutoffs[session.id] = (cutoff, cutoff_is_near(session, cutoff, now))
        cutoff, near = cutoffs[session.id]
        if near:
            rows.append(OverdueRecord(record, cutoff, session))
    placed = (
        db.select(AgendaItem.case_id)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(BoardSession.status.in_(OPEN_SESSION_STATUSES))
    )
    asked_before = today() - OVERDUE_AFTER
    rows += [
        OverdueRecord(record)
        for record in db.session.scalars(
            db.select(RecordItem)
            .join(Case, RecordItem.case_id == Case.id)
            .where(
                *missing,
                Case.id.not_in(placed),
                (RecordItem.requested_on <= asked_before)
                | (Case.decision_due_on <= today() + OVERDUE_AFTER),
            )
            .order_by(Case.decision_due_on, RecordItem.id)
            .limit(limit)
        )
    ]
    rows.sort(key=lambda row: (row.cutoff or row.record.case.decision_due_on, row.record.id))
    return rows[:limit]


def pending_notices(limit: int = 50) -> list[Case]:
    """Open cases whose insurer notice is required but not approved yet."""
    return list(
        db.session.scalars(
            db.select(Case)
            .where(
                Case.status.in_(OPEN_STATUSES),
                Case.insurer_notice.in_((InsurerNotice.REQUIRED_NOT_SENT, InsurerNotice.SENT)),
            )
            .order_by(Case.decision_due_on, Case.id)
            .limit(limit)
        )
    )


def render_home():
    """Coordinators get the dashboard; specialists their own upcoming sessions."""
    if not is_staff():
        return specialist_home()
    counts = dict(
        db.session.execute(db.select(Case.status, func.count()).group_by(Case.status)).all()
    )
    runs = list_runs(limit=1)
    return render_template(
        "dashboard.html",
        counts=counts,
        boards=upcoming_by_board(),
        queue=unplaced_queue(),
        overdue=overdue_records(),
        notices=pending_notices(),
        last_run=runs[0] if runs else None,
    )


def specialist_home():
    from board.sessions.services import expected_attendees

    specialist_id = current_user.specialist_id
    board_ids = set()
    if specialist_id is not None:
        from board.specialists.models import Specialist

        person = db.session.get(Specialist, specialist_id)
        board_ids = set(person.board_ids) if person else set()
    sessions = [
        session
        for session in list_sessions(starts_from=utcnow())
        if session.board_id in board_ids and session.status in OPEN_SESSION_STATUSES
    ][:20]
    expected = {
        session.id: any(person.id == specialist_id for person in expected_attendees(session))
        for session in sessions
    }
    return render_template("specialist_home.html", sessions=sessions, expected=expected)


@blueprint.route("/schedule/run", methods=["POST"])
@require_roles(*STAFF)
def run_scheduler():
    """Run the engine now and apply its plan."""
    try:
        run = run_assignment("coordinator", user_id=current_user.id)
    except Exception:  # the run row records the failure; the page must not show a traceback
        flash("The scheduler failed; the run is recorded and nothing was changed.")
        return redirect(url_for("pages.home"))
    flash(
        f"Scheduler run {run.id}: {run.placed_count} placed, {run.moved_count} moved, "
        f"{run.removed_count} removed, {run.unplaced_count} left unplaced."
    )
    return redirect(url_for("pages.home"))
