"""What the dashboard shows: sessions with capacity and quorum, the queue, records to chase."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import selectinload

from board.agendas.deadlines import cutoff_for
from board.agendas.models import AgendaItem
from board.agendas.services import OPEN_SESSION_STATUSES, is_unplaced, quorum_status
from board.boards.services import list_boards
from board.cases.models import Case, CaseStatus, InsurerNotice, RecordItem
from board.cases.services import OPEN_STATUSES
from board.common.enums import label_of
from board.common.time import local_date, utcnow
from board.extensions import db
from board.planning.models import CasePlacementNote
from board.planning.services import last_status_reason
from board.sessions.models import BoardSession, SessionAttendance
from board.sessions.services import configured_holidays
from board.specialists.services import list_specialists
from scheduling import records_cutoff

SESSIONS_PER_BOARD = 3
# On an agenda, a record needs chasing from this many business days before the cutoff.
CUTOFF_WARNING_BUSINESS_DAYS = 2


def session_summary(
    session: BoardSession,
    items: list[AgendaItem] | None = None,
    members: list | None = None,
    answers: dict | None = None,
) -> dict:
    """Minutes used and free, quorum and agenda status of one session."""
    if items is None:
        items = list(
            db.session.scalars(db.select(AgendaItem).where(AgendaItem.session_id == session.id))
        )
    used = sum(item.minutes for item in items)
    quorum = quorum_status(session, items, members, answers)
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
    """Each active board with its next few open sessions, read in a handful of queries."""
    now = utcnow()
    boards = list_boards(active_only=True)
    upcoming: dict[int, list[BoardSession]] = {board.id: [] for board in boards}
    for session in db.session.scalars(
        db.select(BoardSession)
        .where(
            BoardSession.starts_at >= now,
            BoardSession.status.in_(OPEN_SESSION_STATUSES),
            BoardSession.board_id.in_(list(upcoming)),
        )
        .order_by(BoardSession.starts_at, BoardSession.id)
    ):
        if len(upcoming[session.board_id]) < SESSIONS_PER_BOARD:
            upcoming[session.board_id].append(session)
    shown = [session.id for sessions in upcoming.values() for session in sessions]
    items: dict[int, list[AgendaItem]] = {session_id: [] for session_id in shown}
    for item in db.session.scalars(
        db.select(AgendaItem)
        .where(AgendaItem.session_id.in_(shown))
        .order_by(AgendaItem.position)
        .options(selectinload(AgendaItem.case).selectinload(Case.extra_specialties))
    ):
        items[item.session_id].append(item)
    answers: dict[int, dict] = {session_id: {} for session_id in shown}
    for session_id, specialist_id, answer in db.session.execute(
        db.select(
            SessionAttendance.session_id, SessionAttendance.specialist_id, SessionAttendance.answer
        ).where(SessionAttendance.session_id.in_(shown))
    ):
        answers[session_id][specialist_id] = answer
    members: dict[int, list] = {board.id: [] for board in boards}
    for person in list_specialists(active=True):
        for board_id in person.board_ids:
            members.setdefault(board_id, []).append(person)
    return [
        (
            board,
            [
                session_summary(session, items[session.id], members[board.id], answers[session.id])
                for session in upcoming[board.id]
            ],
        )
        for board in boards
    ]


def unplaced_queue() -> list[tuple]:
    """Unplaced cases (the app's one definition), each with why it is not on an agenda."""
    rows = db.session.execute(
        db.select(Case, CasePlacementNote.reason, CasePlacementNote.noted_at)
        .outerjoin(CasePlacementNote, CasePlacementNote.case_id == Case.id)
        .where(is_unplaced())
        .order_by(Case.decision_due_on, Case.id)
        .options(selectinload(Case.status_changes))
    ).all()
    return [
        # A step since the scheduler's last word (taken off an agenda) says more than its note.
        (case, last_status_reason(case, newer_than=noted_at) or reason or why_unplaced(case))
        for case, reason, noted_at in rows
    ]


def why_unplaced(case: Case) -> str:
    """A reason for an unplaced case the scheduler has not explained yet."""
    if case.status == CaseStatus.AWAITING_RECORDS:
        missing = ", ".join(label_of(kind) for kind in case.missing_record_kinds)
        return f"Waiting for records: {missing}." if missing else "Waiting for the insurer notice."
    return last_status_reason(case) or "The scheduler has not considered this case yet."


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


def overdue_records() -> list[OverdueRecord]:
    """Records that will miss the cutoff of the session their case is on (passed or near)."""
    now = utcnow()
    on_agenda = db.session.execute(
        db.select(RecordItem, BoardSession)
        .join(Case, RecordItem.case_id == Case.id)
        .join(AgendaItem, AgendaItem.case_id == Case.id)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(
            RecordItem.received_on.is_(None),
            Case.status.in_(OPEN_STATUSES),
            BoardSession.status.in_(OPEN_SESSION_STATUSES),
        )
        .order_by(BoardSession.starts_at, RecordItem.id)
    ).all()
    cutoffs: dict[int, tuple[date, bool]] = {}
    seen: set[int] = set()
    rows = []
    for record, session in on_agenda:
        if record.id in seen:
            continue  # a case on two agendas: its earlier session's cutoff is what counts
        seen.add(record.id)
        if session.id not in cutoffs:
            cutoff = cutoff_for(session)
            cutoffs[session.id] = (cutoff, cutoff_is_near(session, cutoff, now))
        cutoff, near = cutoffs[session.id]
        if near:
            rows.append(OverdueRecord(record, cutoff, session))
    return rows


def pending_notices() -> list[Case]:
    """Open cases whose insurer notice is required but not approved yet."""
    return list(
        db.session.scalars(
            db.select(Case)
            .where(
                Case.status.in_(OPEN_STATUSES),
                Case.insurer_notice.in_((InsurerNotice.REQUIRED_NOT_SENT, InsurerNotice.SENT)),
            )
            .order_by(Case.decision_due_on, Case.id)
        )
    )
