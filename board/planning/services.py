"""Engine runs: plan every schedulable case, apply the plan as agenda changes, explain it."""

import json
import logging
from datetime import datetime

from board.agendas.deadlines import warn_lost_quorums
from board.agendas.models import AgendaItem
from board.agendas.services import (
    describe,
    get_open_item_for_case,
    move_item,
    place_case,
    remove_item,
)
from board.cases.models import Case, CaseStatus
from board.cases.services import list_triage_problems
from board.common.time import utcnow
from board.extensions import db
from board.notifications.services import notify_coordinators
from board.planning.engine_input import SCHEDULABLE, Snapshot, build_engine_input, engine_policy
from board.planning.lateness import (
    CAUSE_LABELS,
    assess_case_lateness,
    fix_actions,
    lateness_fields,
    read_lateness_context,
)
from board.planning.models import CasePlacementNote, RunOutcome, ScheduleRun
from board.sessions.models import BoardSession
from board.sessions.services import configured_holidays
from scheduling import CaseDemand, Plan, Policy, SessionSlot, plan_schedule
from scheduling.lateness import assess_lateness, used_minutes_by_session
from scheduling.problem import session_local_date

log = logging.getLogger(__name__)


PERIODIC_TRIGGER = "scheduled"


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
        # Only the periodic job spends its whole time limit polishing with a MIP; a run a
        # person or an event asked for answers as soon as its plan is good.
        policy = engine_policy(polish=trigger == PERIODIC_TRIGGER)
        plan = plan_schedule(sessions, cases, policy, now=now)
        changes = apply_plan(plan, snapshot, run, dry_run)
        add_timeliness(changes, plan, sessions, cases, policy, now)
        if not dry_run:
            notify_late_changes(changes)
            warn_lost_quorums(now)
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


def add_timeliness(
    changes: list[dict],
    plan: Plan,
    sessions: list[SessionSlot],
    cases: list[CaseDemand],
    policy: Policy,
    now: datetime,
) -> None:
    """Give every change its on_time verdict and, when late, by how many days and why."""
    slots = {slot.id: slot for slot in sessions}
    demands = {demand.id: demand for demand in cases}
    used = used_minutes_by_session(plan.placements, {d.id: d.minutes for d in cases})
    holidays = configured_holidays(now.year - 1, now.year, now.year + 1)
    for change in changes:
        demand = demands[change["case_id"]]
        target = slots.get(change["to_session_id"]) if change["to_session_id"] else None
        own = dict(used)
        if target is not None:
            own[target.id] -= demand.minutes
        verdict = assess_lateness(demand, target, sessions, own, policy, now.date(), holidays)
        change["on_time"] = verdict.on_time
        change["days_late"] = verdict.days_late if not verdict.on_time else 0
        change["late_causes"] = [CAUSE_LABELS[cause] for cause in verdict.causes]
        change["timeliness"] = verdict.reason
        if target is not None and change["action"] in ("placed", "moved"):
            day = session_local_date(target)
            where = f"{target.board_name} on {day:%a} {day.day} {day:%b}"
            verb = "Placed on" if change["action"] == "placed" else "Moved to"
            change["reason"] = f"{verb} {where}. {verdict.reason}"
        elif not change["reason"]:
            change["reason"] = verdict.reason


def notify_late_changes(changes: list[dict]) -> None:
    """Tell the coordinators about every case a run left late, with the reason."""
    for change in changes:
        if change.get("on_time", True) or change["action"] == "skipped":
            continue
        target = change["to_session_id"]
        notify_coordinators(
            "case_late",
            f"{change['reference']} will miss its decision date",
            f"{change['reference']}: {change['timeliness']} Open the case page for the actions "
            "that could fix it (another board's session, more capacity, an ad-hoc session).",
            dedup_key=f"late:{change['case_id']}:session-{target or 'none'}",
        )


def replan(trigger: str, user_id: int | None = None) -> ScheduleRun | None:
    """Run and apply the engine after an event; None when it failed.

    The change that triggered it is already committed and the failed run is recorded, so a
    failure here must not undo or hide it: the next periodic run replans anyway.
    """
    try:
        return run_assignment(trigger, user_id=user_id)
    except Exception:  # noqa: BLE001 - recorded on the run row and in the log
        return None


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
    change_reasons = {change["case_id"]: change["reason"] for change in changes}
    for case_id, session_id in plan.placements.items():
        note = db.session.get(CasePlacementNote, case_id) or CasePlacementNote(case_id=case_id)
        note.run_id = run.id
        note.session_id = session_id
        note.reason = plan.reasons.get(case_id) or change_reasons.get(case_id, "")
        note.noted_at = utcnow()
        db.session.add(note)


def list_runs(limit: int = 50) -> list[ScheduleRun]:
    """Recent engine runs, newest first."""
    return list(
        db.session.scalars(db.select(ScheduleRun).order_by(ScheduleRun.id.desc()).limit(limit))
    )


def get_case_placement(case: Case) -> dict:
    """Where the case is and why, or why it is nowhere yet."""
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
            "time_zone": session.board.time_zone,
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
        problems = list_triage_problems(case)
        placement["reason"] = "Needs a coordinator's triage" + (
            ": " + "; ".join(problems) + "."
            if problems
            else ": move it to awaiting records or ready."
        )
    elif case.status not in SCHEDULABLE:
        placement["reason"] = f"The case is {case.status.value}; it needs no session."
    elif last_status_reason(case, newer_than=note.noted_at if note else None):
        # Taken off an agenda (records cutoff, a coordinator) since the scheduler's last word.
        placement["reason"] = last_status_reason(case)
    elif note is not None and note.reason:
        placement["reason"] = note.reason
    else:
        placement["reason"] = "The scheduler has not considered this case yet."
    context = read_lateness_context()
    lateness = assess_case_lateness(case, context)
    placement |= lateness_fields(lateness)
    placement["actions"] = fix_actions(case, lateness, context)
    return placement


def last_status_reason(case: Case, newer_than: datetime | None = None) -> str:
    """Why the case last changed status, when that says why it is off every agenda."""
    if not case.status_changes:
        return ""
    change = max(case.status_changes, key=lambda row: (row.changed_at, row.id or 0))
    if newer_than is not None and change.changed_at <= newer_than:
        return ""
    if change.from_status == CaseStatus.SCHEDULED and change.reason:
        return f"{change.reason}. The scheduler places it on the next suitable session."
    return ""
