"""Placing cases on agendas, moving and removing them, and publishing an agenda."""

from board.agendas.models import AgendaItem
from board.cases.models import Case, CaseStatus
from board.cases.services import transition_case
from board.common.errors import Conflict
from board.common.models import utcnow
from board.extensions import db
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import mark_session_changed

# Sessions whose agenda can still change (held sessions are history).
OPEN_SESSION_STATUSES = (SessionStatus.PLANNED, SessionStatus.PUBLISHED)


def list_agenda(session: BoardSession) -> list[AgendaItem]:
    """A session's agenda in order."""
    return list(
        db.session.scalars(
            db.select(AgendaItem)
            .where(AgendaItem.session_id == session.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def get_open_item_for_case(case_id: int) -> AgendaItem | None:
    """The case's place on an agenda that has not been held yet, if any."""
    return db.session.scalar(
        db.select(AgendaItem)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(
            AgendaItem.case_id == case_id,
            BoardSession.status.in_((*OPEN_SESSION_STATUSES, SessionStatus.CANCELLED)),
        )
        .order_by(BoardSession.starts_at.desc())
    )


def minutes_for(case: Case, session: BoardSession) -> int:
    """How long a case takes at a session: its own estimate, else the board's default."""
    return case.discussion_minutes or session.board.default_case_minutes


def place_case(
    case: Case,
    session: BoardSession,
    placed_by_user_id: int | None,
    reason: str = "",
    pinned: bool = False,
) -> AgendaItem:
    """Put a case at the end of a session's agenda and mark it scheduled."""
    if session.status not in OPEN_SESSION_STATUSES:
        raise Conflict(f"A {session.status.value} session's agenda cannot change.")
    if get_open_item_for_case(case.id) is not None:
        raise Conflict("The case is already on an agenda; move it instead.")
    last = db.session.scalar(
        db.select(db.func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id)
    )
    item = AgendaItem(
        session=session,
        case=case,
        position=(last or 0) + 1,
        minutes=minutes_for(case, session),
        pinned=pinned,
        placed_by_user_id=placed_by_user_id,
        placed_at=utcnow(),
    )
    db.session.add(item)
    if case.status == CaseStatus.READY:
        transition_case(case, CaseStatus.SCHEDULED, reason or f"Placed on {describe(session)}")
    mark_session_changed(session)
    db.session.flush()
    return item


def move_item(item: AgendaItem, session: BoardSession, placed_by_user_id: int | None) -> AgendaItem:
    """Move an agenda item to the end of another session's agenda."""
    if session.status not in OPEN_SESSION_STATUSES:
        raise Conflict(f"A {session.status.value} session's agenda cannot change.")
    old_session = item.session
    last = db.session.scalar(
        db.select(db.func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id)
    )
    item.session = session
    item.position = (last or 0) + 1
    item.minutes = minutes_for(item.case, session)
    item.placed_by_user_id = placed_by_user_id
    item.placed_at = utcnow()
    mark_session_changed(old_session)
    mark_session_changed(session)
    db.session.flush()
    renumber(old_session)
    return item


def remove_item(item: AgendaItem, reason: str) -> None:
    """Take a case off an agenda; a scheduled case goes back to ready (or awaiting records)."""
    session, case = item.session, item.case
    db.session.delete(item)
    mark_session_changed(session)
    db.session.flush()
    renumber(session)
    if case.status == CaseStatus.SCHEDULED:
        ready = case.records_complete and case.insurer_notice_satisfied
        transition_case(case, CaseStatus.READY if ready else CaseStatus.AWAITING_RECORDS, reason)


def renumber(session: BoardSession) -> None:
    """Close gaps in agenda positions after a removal."""
    for position, item in enumerate(list_agenda(session), start=1):
        if item.position != position:
            item.position = position
    db.session.flush()


def publish_agenda(session: BoardSession) -> BoardSession:
    """Freeze a session's agenda and tell its expected attendees; feeds show the change."""
    if session.status != SessionStatus.PLANNED:
        raise Conflict(f"A {session.status.value} session cannot be published.")
    session.status = SessionStatus.PUBLISHED
    mark_session_changed(session)
    db.session.flush()
    notify_attendees_of_publication(session)
    return session


def notify_attendees_of_publication(session: BoardSession) -> int:
    """Email every expected attendee the published agenda (references only, no patient data)."""
    from board.notifications.services import notify
    from board.sessions.services import expected_attendees

    lines = [
        f"{item.position}. {item.case.reference} · {item.case.site.name} · "
        f"{item.case.opinion_kind.value.replace('_', ' ')} · {item.case.priority.value} · "
        f"{item.minutes} min"
        for item in list_agenda(session)
    ]
    body = "\n".join(
        [
            f"The agenda of {describe(session)} is published.",
            f"Location: {session.location or 'see the calendar'}",
            f"Video: {session.video_link or 'none'}",
            "",
            *(lines or ["No cases are on this agenda."]),
        ]
    )
    sent = 0
    for person in expected_attendees(session):
        queued = notify(
            "agenda_published",
            f"Agenda published: {describe(session)}",
            body,
            email=person.email,
            dedup_key=f"agenda-published:session-{session.id}:seq-{session.sequence}:{person.id}",
        )
        sent += queued is not None
    return sent


def describe(session: BoardSession) -> str:
    """'Breast Tumor Board on Tue 1 Dec' in the board's own time zone."""
    from zoneinfo import ZoneInfo

    local = session.starts_at.astimezone(ZoneInfo(session.board.time_zone))
    return f"{session.board.name} on {local:%a} {local.day} {local:%b}"
