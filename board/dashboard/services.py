"""What the dashboard shows: sessions with capacity and quorum, the queue, records to chase."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from board.agendas.deadlines import cutoff_for
from board.agendas.models import AgendaItem
from board.agendas.services import OPEN_SESSION_STATUSES, quorum_status
from board.boards.services import list_boards
from board.cases.models import Case, CaseStatus, InsurerNotice, RecordItem
from board.cases.services import OPEN_STATUSES
from board.common.time import local_date, today, utcnow
from board.extensions import db
from board.planning.models import CasePlacementNote
from board.sessions.models import BoardSession
from board.sessions.services import configured_holidays, list_sessions
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
