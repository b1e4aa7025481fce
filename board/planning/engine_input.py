"""Translate rows into the engine's frozen inputs: sessions, cases, rules and a snapshot.

The engine (`scheduling/`) is pure; the snapshot keeps the versions it saw, so applying the
plan never overwrites a coordinator's newer edit.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from board.agendas.models import AgendaItem
from board.boards.models import Board
from board.cases.models import Case, CaseStatus, InsurerNotice
from board.extensions import db
from board.sessions.models import (
    AttendanceAnswer,
    BoardSession,
    SessionAttendance,
    SessionStatus,
)
from board.sessions.services import attending_members
from board.specialists.models import Specialist, board_memberships
from scheduling import Blocker, CaseDemand, Policy, SessionSlot

# Cases the engine places: triaged and not yet discussed.
SCHEDULABLE = (CaseStatus.AWAITING_RECORDS, CaseStatus.READY, CaseStatus.SCHEDULED)
NOTICE_FOR_ENGINE = {
    InsurerNotice.NOT_REQUIRED: "not_required",
    InsurerNotice.REQUIRED_NOT_SENT: "required",
    InsurerNotice.SENT: "sent",
    InsurerNotice.APPROVED: "approved",
    InsurerNotice.DENIED: "denied",
}


@dataclass
class Snapshot:
    """What the engine saw: rows' versions, so a newer edit is never overwritten."""

    case_versions: dict[int, int] = field(default_factory=dict)
    item_versions: dict[int, tuple[int, int]] = field(default_factory=dict)  # case -> item
    session_ids: set[int] = field(default_factory=set)


def build_engine_input(now: datetime) -> tuple[list[SessionSlot], list[CaseDemand], Snapshot]:
    """Translate upcoming sessions and schedulable cases into the engine's frozen inputs."""
    snapshot = Snapshot()
    sessions = list_upcoming_sessions(now)
    slots = session_slots(sessions)
    snapshot.session_ids = {s.id for s in sessions}

    cases = db.session.scalars(
        db.select(Case).where(Case.status.in_(SCHEDULABLE)).order_by(Case.id)
    ).all()
    items = {
        item.case_id: item
        for item in db.session.scalars(
            db.select(AgendaItem).where(AgendaItem.session_id.in_(snapshot.session_ids))
        )
    }
    minutes = default_minutes_by_site()
    demands = []
    for case in cases:
        item = items.get(case.id)
        snapshot.case_versions[case.id] = case.version
        if item is not None:
            snapshot.item_versions[case.id] = (item.id, item.version)
        demands.append(case_demand(case, item, minutes))
    return slots, demands, snapshot


def list_upcoming_sessions(now: datetime) -> list[BoardSession]:
    """Sessions the engine may use: from now to just past the generation horizon."""
    horizon = now + timedelta(weeks=current_app.config["SESSION_HORIZON_WEEKS"] + 1)
    return list(
        db.session.scalars(
            db.select(BoardSession)
            .where(
                BoardSession.starts_at > now,
                BoardSession.starts_at < horizon,
                BoardSession.status.in_(
                    (SessionStatus.PLANNED, SessionStatus.PUBLISHED, SessionStatus.CANCELLED)
                ),
            )
            .order_by(BoardSession.starts_at, BoardSession.id)
        )
    )


def session_slots(
    sessions: list[BoardSession], members: dict[int, list[Specialist]] | None = None
) -> list[SessionSlot]:
    """The engine's view of sessions: capacity and who can attend, by specialty."""
    members = members if members is not None else members_by_board()
    declined = declined_by_session([s.id for s in sessions])
    return [session_slot(s, members, declined) for s in sessions]


def members_by_board() -> dict[int, list[Specialist]]:
    """Active specialists of every board."""
    rows = db.session.execute(
        db.select(board_memberships.c.board_id, Specialist)
        .join(Specialist, Specialist.id == board_memberships.c.specialist_id)
        .where(Specialist.active.is_(True))
    ).all()
    result: dict[int, list[Specialist]] = {}
    for board_id, specialist in rows:
        result.setdefault(board_id, []).append(specialist)
    return result


def declined_by_session(session_ids: list[int]) -> dict[int, set[int]]:
    """Specialists who declined each session."""
    rows = db.session.execute(
        db.select(SessionAttendance.session_id, SessionAttendance.specialist_id).where(
            SessionAttendance.session_id.in_(session_ids),
            SessionAttendance.answer == AttendanceAnswer.DECLINED,
        )
    ).all()
    result: dict[int, set[int]] = {}
    for session_id, specialist_id in rows:
        result.setdefault(session_id, set()).add(specialist_id)
    return result


def available_specialists(
    session: BoardSession, members: list[Specialist], declined: set[int]
) -> dict[str, frozenset[int]]:
    """Specialty → members who can attend: not away that day and not declined."""
    by_specialty: dict[str, set[int]] = {}
    for person in attending_members(session, members, declined):
        by_specialty.setdefault(person.specialty_code, set()).add(person.id)
    return {code: frozenset(ids) for code, ids in by_specialty.items()}


def session_slot(session: BoardSession, members, declined) -> SessionSlot:
    board = session.board
    return SessionSlot(
        id=session.id,
        board_id=board.id,
        sites=frozenset(board.site_codes),
        starts_at=session.starts_at,
        capacity_minutes=session.capacity_minutes,
        available=available_specialists(
            session, members.get(board.id, []), declined.get(session.id, set())
        ),
        required_specialties=frozenset(board.required_specialty_codes),
        published=session.status == SessionStatus.PUBLISHED,
        cancelled=session.status == SessionStatus.CANCELLED or not board.active,
        board_name=board.name,
        time_zone=board.time_zone,
    )


def default_minutes_by_site() -> dict[str, int]:
    """A site's default minutes per case, from the boards that cover it."""
    result: dict[str, int] = {}
    for board in db.session.scalars(db.select(Board).where(Board.active.is_(True))):
        for site in board.site_codes:
            result.setdefault(site, board.default_case_minutes)
    return result


def ready_on(case: Case) -> date | None:
    """The day the case became ready: last record in and the insurer notice satisfied."""
    if not case.is_ready:
        return None
    days = [item.received_on for item in case.records if item.received_on]
    if case.insurer_notice == InsurerNotice.APPROVED and case.insurer_notice_sent_on:
        days.append(case.insurer_notice_sent_on)
    return max(days) if days else case.submitted_at.date()


def case_demand(case: Case, item: AgendaItem | None, minutes: dict[str, int]) -> CaseDemand:
    return CaseDemand(
        id=case.id,
        site=case.site_code,
        kind=case.opinion_kind.value,
        priority=case.priority.value,
        submitted_at=case.submitted_at,
        decision_due_on=case.decision_due_on,
        minutes=case.discussion_minutes or minutes.get(case.site_code, 5),
        ready_on=ready_on(case),
        blocker=Blocker(
            missing_records=tuple(case.missing_record_kinds),
            insurer_notice=NOTICE_FOR_ENGINE[case.insurer_notice],
        ),
        extra_specialties=frozenset(case.extra_specialty_codes),
        requested_specialist_id=case.requested_specialist_id,
        current_session_id=item.session_id if item else None,
        pinned=bool(item and item.pinned),
    )


def engine_policy(polish: bool = False) -> Policy:
    """The engine's rules from the boards' settings and the app's configuration."""
    config = current_app.config
    leads = dict(db.session.execute(db.select(Board.id, Board.records_lead_business_days)).all())
    return Policy(
        lead_business_days=leads,
        holiday_country=config["HOLIDAY_COUNTRY"],
        holiday_subdivision=config["HOLIDAY_SUBDIVISION"],
        time_limit_seconds=config["SCHEDULER_TIME_LIMIT_SECONDS"],
        polish=polish,
    )
