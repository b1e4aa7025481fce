"""Placing cases on agendas, moving and removing them, and publishing an agenda."""

from datetime import timedelta

from board.agendas.models import AgendaItem
from board.cases.models import Case, CaseStatus
from board.cases.services import revert_case_status, transition_case
from board.common.errors import Conflict, NotFound, field_error
from board.common.signals import (
    case_leaving_agendas,
    case_shown_fields_changed,
    session_changed,
    site_renamed,
)
from board.common.time import utcnow
from board.extensions import db
from board.notifications.services import notify
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.sessions.services import expected_attendees, session_local_date
from board.specialists.services import list_specialists

# Sessions whose agenda can still change (held sessions are history).
OPEN_SESSION_STATUSES = (SessionStatus.PLANNED, SessionStatus.PUBLISHED)


# The one definition of "unplaced": triaged, still to be discussed, on no open agenda.
UNPLACED_STATUSES = (CaseStatus.AWAITING_RECORDS, CaseStatus.READY)


def is_unplaced():
    """The SQL condition for an unplaced case (dashboard counts and lists alike)."""
    placed = (
        db.select(AgendaItem.case_id)
        .join(BoardSession, AgendaItem.session_id == BoardSession.id)
        .where(BoardSession.status.in_(OPEN_SESSION_STATUSES))
    )
    return Case.status.in_(UNPLACED_STATUSES) & Case.id.not_in(placed)


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
    position: int | None = None,
) -> AgendaItem:
    """Put a ready case on a session's agenda (at the end, or at `position`) and schedule it."""
    require_open(session)
    if case.status != CaseStatus.READY:
        # Anything else would skip the status machine (records, insurer, a closed case).
        raise Conflict(
            f"Case {case.reference} is {case.status.label}: only ready cases can be placed."
        )
    if get_open_item_for_case(case.id) is not None:
        raise Conflict("The case is already on an agenda; move it instead.")
    item = AgendaItem(
        session=session,
        case=case,
        position=next_position(session),
        minutes=minutes_for(case, session),
        pinned=pinned,
        placed_by_user_id=placed_by_user_id,
        placed_at=utcnow(),
    )
    db.session.add(item)
    transition_case(case, CaseStatus.SCHEDULED, reason or f"Placed on {describe(session)}")
    session_changed.send(session)
    db.session.flush()
    if position:
        ids = [other.id for other in list_agenda(session) if other.id != item.id]
        ids.insert(max(position - 1, 0), item.id)
        reorder_agenda(session, ids)
    return item


def next_position(session: BoardSession) -> int:
    """The position after the last item of the session's agenda."""
    last = db.session.scalar(
        db.select(db.func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id)
    )
    return (last or 0) + 1


def move_item(item: AgendaItem, session: BoardSession, placed_by_user_id: int | None) -> AgendaItem:
    """Move an agenda item to the end of another session's agenda."""
    require_open(session)
    old_session = item.session
    last = db.session.scalar(
        db.select(db.func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id)
    )
    item.session = session
    item.position = (last or 0) + 1
    item.minutes = minutes_for(item.case, session)
    item.placed_by_user_id = placed_by_user_id
    item.placed_at = utcnow()
    session_changed.send(old_session)
    session_changed.send(session)
    db.session.flush()
    renumber(old_session)
    return item


def remove_item(item: AgendaItem, reason: str) -> None:
    """Take a case off an agenda; a scheduled case goes back to ready (or awaiting records)."""
    session, case = item.session, item.case
    db.session.delete(item)
    session_changed.send(session)
    db.session.flush()
    renumber(session)
    if case.status == CaseStatus.SCHEDULED:
        target = CaseStatus.READY if case.is_ready else CaseStatus.AWAITING_RECORDS
        transition_case(case, target, reason)


def restore_item(session: BoardSession, case: Case, place: dict, reason: str) -> AgendaItem:
    """Put a case back where an undone step took it from (`place`: position, minutes, pinned)."""
    require_open(session)
    if get_open_item_for_case(case.id) is not None:
        raise Conflict(f"Case {case.reference} is already on another agenda.")
    for other in list_agenda(session):
        if other.position >= place["position"]:
            other.position += 1
    item = AgendaItem(
        session=session,
        case=case,
        position=place["position"],
        minutes=place["minutes"],
        pinned=place["pinned"],
        placed_by_user_id=place.get("placed_by_user_id"),
        placed_at=utcnow(),
    )
    db.session.add(item)
    revert_case_status(case, CaseStatus.SCHEDULED, reason)
    session_changed.send(session)
    db.session.flush()
    renumber(session)
    return item


def renumber(session: BoardSession) -> None:
    """Close gaps in agenda positions after a removal."""
    for position, item in enumerate(list_agenda(session), start=1):
        if item.position != position:
            item.position = position
    db.session.flush()


class PublishNeedsConfirmation(Conflict):
    """The agenda is over capacity or lacks its quorum: publish only once confirmed."""

    code = "confirmation_required"


def list_publish_problems(session: BoardSession) -> list[str]:
    """What is wrong with an agenda about to be published: overbooking, a missing quorum."""
    items = list_agenda(session)
    problems = []
    used = sum(item.minutes for item in items)
    if used > session.capacity_minutes:
        problems.append(
            f"{used} of {session.capacity_minutes} minutes are booked "
            f"({used - session.capacity_minutes} over capacity)"
        )
    missing = [row["name"] for row in quorum_status(session, items) if not row["met"]]
    if missing:
        problems.append("no quorum: nobody expected for " + ", ".join(missing))
    return problems


def publish_agenda(session: BoardSession, confirmed: bool = True) -> BoardSession:
    """Freeze a session's agenda and tell its expected attendees; feeds show the change.

    A coordinator publishing by hand passes `confirmed=False` first: an over-capacity or
    quorum-less agenda is then refused with what is wrong, until they confirm.
    """
    if session.status != SessionStatus.PLANNED:
        raise Conflict(f"A {session.status.value} session cannot be published.")
    problems = [] if confirmed else list_publish_problems(session)
    if problems:
        raise PublishNeedsConfirmation(
            "Check before publishing: " + "; ".join(problems) + ". Publish anyway?",
            {"problems": problems},
        )
    session.status = SessionStatus.PUBLISHED
    session_changed.send(session)
    db.session.flush()
    notify_attendees_of_publication(session)
    return session


def notify_attendees_of_publication(session: BoardSession) -> int:
    """Email every expected attendee the published agenda (references only, no patient data)."""
    lines = [
        f"{item.position}. {item.case.reference} · {item.case.site.name} · "
        f"{item.case.opinion_kind.label} · {item.case.priority.value} · "
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
    day = session_local_date(session)
    return f"{session.board.name} on {day:%a} {day.day} {day:%b}"


def require_open(session: BoardSession) -> None:
    """Held and cancelled sessions are history."""
    if session.status not in OPEN_SESSION_STATUSES:
        raise Conflict(f"A {session.status.value} session's agenda cannot change.")


def get_item(session: BoardSession, item_id: int) -> AgendaItem:
    """One item of this session's agenda."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.session_id != session.id:
        raise NotFound("This case is no longer on this agenda.")
    return item


def reorder_agenda(session: BoardSession, item_ids: list[int]) -> list[AgendaItem]:
    """Put the agenda in the given order; the list must name every item exactly once."""
    require_open(session)
    items = {item.id: item for item in list_agenda(session)}
    if sorted(item_ids) != sorted(items):
        raise Conflict("The agenda changed while you were reordering it.")
    for position, item_id in enumerate(item_ids, start=1):
        items[item_id].position = position
    session_changed.send(session)
    db.session.flush()
    return list_agenda(session)


def step_item(item: AgendaItem, offset: int) -> list[AgendaItem]:
    """Move an item one place up (-1) or down (+1): the keyboard's way to reorder."""
    ids = [other.id for other in list_agenda(item.session)]
    index = ids.index(item.id)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    return reorder_agenda(item.session, ids)


def set_item_pinned(item: AgendaItem, pinned: bool) -> AgendaItem:
    """Pin an item so the scheduler never moves it, or release it."""
    require_open(item.session)
    item.pinned = pinned
    session_changed.send(item.session)
    db.session.flush()
    return item


def set_item_minutes(item: AgendaItem, minutes: int) -> AgendaItem:
    """Change how long a case takes on this agenda."""
    require_open(item.session)
    if not 1 <= minutes <= 240:
        raise field_error("minutes", "Must be between 1 and 240 minutes.")
    item.minutes = minutes
    session_changed.send(item.session)
    db.session.flush()
    return item


def list_queue(session: BoardSession) -> list[Case]:
    """Ready cases on no agenda whose site this session's board covers, most urgent first."""
    placed = db.select(AgendaItem.case_id).join(
        BoardSession, AgendaItem.session_id == BoardSession.id
    )
    placed = placed.where(BoardSession.status.in_((*OPEN_SESSION_STATUSES,)))
    return list(
        db.session.scalars(
            db.select(Case)
            .where(
                Case.status == CaseStatus.READY,
                Case.site_code.in_(session.board.site_codes),
                Case.id.not_in(placed),
            )
            .order_by(Case.decision_due_on, Case.submitted_at, Case.id)
        )
    )


def quorum_status(
    session: BoardSession,
    items: list[AgendaItem] | None = None,
    members: list | None = None,
    answers: dict | None = None,
) -> list[dict]:
    """For each specialty the board (or a listed case) needs: who is expected, away, declined.

    A page showing many sessions passes the board's `members` and the session's `answers`
    (specialist id → answer) it read once for all of them.
    """
    needed = {specialty.code: specialty.name for specialty in session.board.required_specialties}
    for item in items if items is not None else list_agenda(session):
        for specialty in item.case.extra_specialties:
            needed.setdefault(specialty.code, specialty.name)
    if answers is None:
        answers = dict(
            db.session.execute(
                db.select(SessionAttendance.specialist_id, SessionAttendance.answer).where(
                    SessionAttendance.session_id == session.id
                )
            ).all()
        )
    if members is None:
        members = list_specialists(board_id=session.board_id, active=True)
    if session.status == SessionStatus.HELD:
        return held_quorum(session, needed, members)
    day = session_local_date(session)
    rows = []
    for code, name in sorted(needed.items(), key=lambda pair: pair[1]):
        row = {"code": code, "name": name, "expected": [], "away": [], "declined": []}
        for person in (m for m in members if m.specialty_code == code):
            if answers.get(person.id) == AttendanceAnswer.DECLINED:
                row["declined"].append(person.name)
            elif person.is_away_on(day):
                row["away"].append(person.name)
            else:
                row["expected"].append(person.name)
        row["met"] = bool(row["expected"])
        rows.append(row)
    return rows


def held_quorum(session: BoardSession, needed: dict[str, str], members: list) -> list[dict]:
    """After the meeting: who was present (and absent) by specialty, from the attendance."""
    attended = dict(
        db.session.execute(
            db.select(SessionAttendance.specialist_id, SessionAttendance.attended).where(
                SessionAttendance.session_id == session.id
            )
        ).all()
    )
    rows = []
    for code, name in sorted(needed.items(), key=lambda pair: pair[1]):
        people = [m for m in members if m.specialty_code == code]
        present = [m.name for m in people if attended.get(m.id) is True]
        absent = [m.name for m in people if attended.get(m.id) is False]
        rows.append(
            {
                "code": code,
                "name": name,
                "held": True,
                "present": present,
                "absent": absent,
                "expected": present,
                "away": [],
                "declined": [],
                "met": bool(present),
            }
        )
    return rows


@case_shown_fields_changed.connect
def follow_case_change(case: Case, **_) -> None:
    """Every session whose agenda shows this case (held ones too: calendars still show
    their agendas) shows the change."""
    shown_on = db.select(AgendaItem.session_id).where(AgendaItem.case_id == case.id)
    sessions = db.session.scalars(
        db.select(BoardSession).where(BoardSession.id.in_(shown_on))
    ).all()
    for session in sessions:
        session_changed.send(session)


@site_renamed.connect
def follow_site_rename(site_code: str, **_) -> None:
    """Calendar events list each case's site by name: bump every session that shows one."""
    sessions = db.session.scalars(
        db.select(BoardSession)
        .join(AgendaItem, AgendaItem.session_id == BoardSession.id)
        .join(Case, AgendaItem.case_id == Case.id)
        .where(Case.site_code == site_code, BoardSession.starts_at > utcnow() - timedelta(days=31))
        .distinct()
    ).all()
    for session in sessions:
        session_changed.send(session)
    db.session.flush()


@case_leaving_agendas.connect
def take_off_agenda(case: Case, target: CaseStatus, reason: str, **_) -> None:
    """A case moving to a status without a place on an agenda leaves the one it is on."""
    item = get_open_item_for_case(case.id)
    if item is not None:
        remove_item(item, reason or f"Case {target.label}")
