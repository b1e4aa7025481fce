"""Run the engine on the database: rows in, a plan out, the plan applied as agenda changes.

The engine (`scheduling/`) is pure; this module translates rows into its frozen inputs and
its plan back into agenda items, never overwriting a coordinator's newer edit.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from board.agendas.models import AgendaItem
from board.agendas.services import describe, move_item, place_case, remove_item
from board.boards.models import Board
from board.cases.models import Case, CaseStatus, InsurerNotice
from board.common.models import utcnow
from board.extensions import db
from board.schedule.models import (
    AttendanceAnswer,
    CasePlacementNote,
    RunOutcome,
    ScheduleRun,
    SessionAttendance,
)
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import attending_members
from board.specialists.models import Specialist, board_memberships
from scheduling import Blocker, CaseDemand, Plan, Policy, SessionSlot, plan_schedule

log = logging.getLogger(__name__)

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
    horizon = now + timedelta(weeks=current_app.config["SESSION_HORIZON_WEEKS"] + 1)
    sessions = db.session.scalars(
        db.select(BoardSession)
        .where(
            BoardSession.starts_at > now,
            BoardSession.starts_at < horizon,
            BoardSession.status.in_(
                (SessionStatus.PLANNED, SessionStatus.PUBLISHED, SessionStatus.CANCELLED)
            ),
        )
        .order_by(BoardSession.starts_at, BoardSession.id)
    ).all()
    members = members_by_board()
    declined = declined_by_session([s.id for s in sessions])
    slots = [session_slot(s, members, declined) for s in sessions]
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
    if not (case.records_complete and case.insurer_notice_satisfied):
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


def engine_policy() -> Policy:
    """The engine's rules from the boards' settings and the app's configuration."""
    config = current_app.config
    leads = dict(db.session.execute(db.select(Board.id, Board.records_lead_business_days)).all())
    return Policy(
        lead_business_days=leads,
        holiday_country=config["HOLIDAY_COUNTRY"],
        holiday_subdivision=config["HOLIDAY_SUBDIVISION"],
        time_limit_seconds=config["SCHEDULER_TIME_LIMIT_SECONDS"],
    )


def run_assignment(
    trigger: str, dry_run: bool = False, user_id: int | None = None, now: datetime | None = None
) -> ScheduleRun:
    """Plan every schedulable case and apply (or, for a dry run, only propose) the changes.

    The run row is committed first so a crash still leaves a record; the changes are applied
    in one transaction, so a failure leaves no partial plan.
    """
    now = now or utcnow()
    run = ScheduleRun(trigger=trigger, dry_run=dry_run, requested_by_user_id=user_id)
    db.session.add(run)
    db.session.commit()
    try:
        sessions, cases, snapshot = build_engine_input(now)
        plan = plan_schedule(sessions, cases, engine_policy(), now=now)
        changes = apply_plan(plan, snapshot, run, dry_run)
    except Exception as error:
        db.session.rollback()
        run = db.session.get(ScheduleRun, run.id)
        run.outcome = RunOutcome.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = utcnow()
        db.session.commit()
        log.exception("schedule run %s failed", run.id)
        raise
    record_plan(run, plan, cases, changes, dry_run)
    db.session.commit()
    return run


def apply_plan(plan: Plan, snapshot: Snapshot, run: ScheduleRun, dry_run: bool) -> list[dict]:
    """Turn the plan into agenda changes; skip any case a coordinator changed meanwhile."""
    changes = []
    sessions = {
        s.id: s
        for s in db.session.scalars(
            db.select(BoardSession).where(BoardSession.id.in_(snapshot.session_ids))
        )
    }
    # Re-read the rows in two queries: on PostgreSQL a coordinator may have committed since the
    # engine read them. A commit after this read still fails the flush (version check).
    items = {
        item.case_id: item
        for item in db.session.scalars(
            db.select(AgendaItem)
            .where(AgendaItem.session_id.in_(snapshot.session_ids))
            .execution_options(populate_existing=True)
        )
    }
    moves = {
        case_id: target_id
        for case_id, target_id in plan.placements.items()
        if target_id != (items[case_id].session_id if case_id in items else None)
    }
    cases = {
        case.id: case
        for case in db.session.scalars(
            db.select(Case)
            .where(Case.id.in_(list(moves)))
            .execution_options(populate_existing=True)
        )
    }
    for case_id, target_id in sorted(moves.items()):
        case, item = cases[case_id], items.get(case_id)
        current_id = item.session_id if item else None
        change = {
            "case_id": case_id,
            "reference": case.reference,
            "from_session_id": current_id,
            "to_session_id": target_id,
            "action": "placed"
            if current_id is None
            else "removed"
            if target_id is None
            else "moved",
            "reason": plan.reasons.get(case_id, ""),
        }
        if changed_since_snapshot(case, item, snapshot) or (item and item.pinned):
            change["action"] = "skipped"
            change["reason"] = "A coordinator changed this case while the plan was computed."
            changes.append(change)
            continue
        changes.append(change)
        if dry_run:
            continue
        touched = {target_id, current_id} - {None}
        if target_id is None:
            remove_item(item, f"Scheduler: {change['reason'] or 'no longer fits this session'}")
        elif item is None:
            place_case(
                case, sessions[target_id], None, f"Scheduler: {describe(sessions[target_id])}"
            )
        else:
            move_item(item, sessions[target_id], None)
        remember_own_changes(snapshot, case, touched)
    return changes


def remember_own_changes(snapshot: Snapshot, case: Case, session_ids: set[int]) -> None:
    """Our own edits (moves, renumbering) must not look like a coordinator's."""
    snapshot.case_versions[case.id] = case.version
    snapshot.item_versions.pop(case.id, None)
    items = db.session.scalars(db.select(AgendaItem).where(AgendaItem.session_id.in_(session_ids)))
    for item in items:
        snapshot.item_versions[item.case_id] = (item.id, item.version)


def changed_since_snapshot(case: Case, item: AgendaItem | None, snapshot: Snapshot) -> bool:
    """Whether the case or its agenda item changed after the engine read them."""
    if snapshot.case_versions.get(case.id) != case.version:
        return True
    seen = snapshot.item_versions.get(case.id)
    if item is None:
        return seen is not None
    return seen != (item.id, item.version)


def record_plan(run, plan: Plan, cases, changes: list[dict], dry_run: bool) -> None:
    """Store the run's figures and, for applied runs, each case's placement note."""
    counts = {"placed": 0, "moved": 0, "removed": 0, "skipped": 0}
    for change in changes:
        counts[change["action"]] += 1
    run.outcome = RunOutcome.PROPOSED if dry_run else RunOutcome.APPLIED
    run.cases_considered = len(cases)
    run.placed_count = counts["placed"]
    run.moved_count = counts["moved"]
    run.removed_count = counts["removed"]
    run.skipped_count = counts["skipped"]
    run.unplaced_count = len(plan.unplaced())
    run.objective = plan.objective
    run.upper_bound = plan.upper_bound
    run.proven_optimal = plan.proven_optimal
    run.method = plan.method
    run.solve_seconds = plan.total_seconds
    run.changes_json = json.dumps(changes)
    run.finished_at = utcnow()
    if dry_run:
        return
    for case_id, session_id in plan.placements.items():
        note = db.session.get(CasePlacementNote, case_id) or CasePlacementNote(case_id=case_id)
        note.run_id = run.id
        note.session_id = session_id
        note.reason = plan.reasons.get(case_id, "")
        note.noted_at = utcnow()
        db.session.add(note)


def list_runs(limit: int = 50) -> list[ScheduleRun]:
    """Recent engine runs, newest first."""
    return list(
        db.session.scalars(db.select(ScheduleRun).order_by(ScheduleRun.id.desc()).limit(limit))
    )


def get_case_placement(case: Case) -> dict:
    """Where the case is and why, or why it is nowhere yet."""
    from board.agendas.services import get_open_item_for_case

    item = get_open_item_for_case(case.id)
    note = db.session.get(CasePlacementNote, case.id)
    placement = {
        "case_id": case.id,
        "reference": case.reference,
        "status": case.status.value,
        "session": None,
        "reason": "",
        "decided_at": note.noted_at if note else None,
        "run_id": note.run_id if note else None,
    }
    if item is not None:
        session = item.session
        placement["session"] = {
            "id": session.id,
            "board_id": session.board_id,
            "board_name": session.board.name,
            "starts_at": session.starts_at,
            "status": session.status.value,
            "position": item.position,
            "minutes": item.minutes,
            "pinned": item.pinned,
            "placed_by": "scheduler" if item.placed_by_engine else "coordinator",
        }
        if item.pinned:
            placement["reason"] = "Pinned by a coordinator; the scheduler never moves it."
        elif item.placed_by_engine:
            placement["reason"] = f"Placed by the scheduler on {describe(session)}."
        else:
            placement["reason"] = f"Placed by a coordinator on {describe(session)}."
    elif case.status == CaseStatus.SUBMITTED:
        placement["reason"] = "Not triaged yet: move the case to awaiting records or ready."
    elif case.status not in SCHEDULABLE:
        placement["reason"] = f"The case is {case.status.value}; it needs no session."
    elif note is not None and note.reason:
        placement["reason"] = note.reason
    else:
        placement["reason"] = "The scheduler has not considered this case yet."
    return placement
