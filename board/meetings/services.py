"""Running a meeting: attendance, one outcome per case, and finishing the meeting."""

import json

from board.agendas.models import AgendaItem
from board.agendas.services import describe, list_agenda, remove_item, restore_item
from board.cases.models import Case, CaseStatus
from board.cases.services import revert_case_status, transition_case
from board.common.errors import Conflict, ValidationFailed, require_version
from board.common.time import board_time, utcnow
from board.extensions import db
from board.meetings.models import Concordance, MeetingFinish, MeetingOutcome
from board.planning.models import ScheduleRun
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.sessions.services import expected_attendees, reopen_held_session, update_session
from board.specialists.models import Specialist
from board.specialists.services import list_specialists

OUTCOME_FIELDS = (
    "discussed",
    "recommendation",
    "concordance",
    "differed_in_diagnosis",
    "differed_in_stage",
    "differed_in_treatment",
    "stage_discussed",
    "guidelines_discussed",
    "trials_discussed",
    "follow_up_by",
)


def require_meeting_open(session: BoardSession) -> None:
    """Only a published agenda is run as a meeting; a held one is history."""
    if session.status == SessionStatus.HELD:
        raise Conflict("This meeting is finished; its record can no longer change.")
    if session.status != SessionStatus.PUBLISHED:
        raise Conflict(f"Publish the agenda first: the session is {session.status.value}.")


def list_outcomes(session: BoardSession) -> dict[int, MeetingOutcome]:
    """The session's outcomes by case id."""
    rows = db.session.scalars(
        db.select(MeetingOutcome).where(MeetingOutcome.session_id == session.id)
    )
    return {row.case_id: row for row in rows}


def list_case_outcomes(case) -> list[tuple[MeetingOutcome, BoardSession]]:
    """Every outcome recorded for a case, oldest first, each with its session."""
    return list(
        db.session.execute(
            db.select(MeetingOutcome, BoardSession)
            .join(BoardSession, MeetingOutcome.session_id == BoardSession.id)
            .where(MeetingOutcome.case_id == case.id)
            .order_by(MeetingOutcome.recorded_at, MeetingOutcome.id)
        ).all()
    )


def list_members(session: BoardSession) -> list[Specialist]:
    """The board's active members, by specialty then name."""
    members = list_specialists(board_id=session.board_id, active=True)
    return sorted(members, key=lambda member: (member.specialty_code, member.name))


def list_attendance(session: BoardSession) -> dict[int, SessionAttendance]:
    """Attendance answers and records of the session, by specialist id."""
    rows = db.session.scalars(
        db.select(SessionAttendance).where(SessionAttendance.session_id == session.id)
    )
    return {row.specialist_id: row for row in rows}


def record_attendance(session: BoardSession, present_ids: set[int]) -> None:
    """Record who attended (CoC asks for attendance to be recorded)."""
    require_meeting_open(session)
    members = {member.id for member in list_members(session)}
    unknown = present_ids - members
    if unknown:
        raise ValidationFailed({"present": ["Only the board's members can be marked present."]})
    existing = list_attendance(session)
    for specialist_id in members:
        row = existing.get(specialist_id)
        present = specialist_id in present_ids
        if row is None:
            if not present:
                continue
            row = SessionAttendance(
                session_id=session.id,
                specialist_id=specialist_id,
                answer=AttendanceAnswer.CONFIRMED,
                answered_at=utcnow(),
            )
            db.session.add(row)
        if row.attended != present:
            row.attended = present
    db.session.flush()


def complete_attendance(session: BoardSession) -> tuple[list[int], list[int]]:
    """Give every expected attendee an attendance record: unmarked ones were absent.

    The cancer committee report counts attendance against who was expected, so a finished
    meeting must not leave anyone expected without a yes or no. Returns the ids of the rows
    added and of the rows marked absent, so finishing can be undone.
    """
    existing = list_attendance(session)
    added, marked = [], []
    for specialist in expected_attendees(session):
        row = existing.get(specialist.id)
        if row is None:
            # Expected means they did not decline; the model has no "no answer" value.
            row = SessionAttendance(
                session_id=session.id,
                specialist_id=specialist.id,
                answer=AttendanceAnswer.CONFIRMED,
                answered_at=utcnow(),
                attended=False,
            )
            db.session.add(row)
            added.append(row)
        elif row.attended is None:
            row.attended = False
            marked.append(row)
    db.session.flush()
    return [row.id for row in added], [row.id for row in marked]


def check_outcome(data: dict) -> None:
    """A discussed case needs a recommendation and a concordance that says what differed."""
    errors: dict[str, list[str]] = {}
    if data["discussed"]:
        if not data["recommendation"].strip():
            errors["recommendation"] = ["Write the board's recommendation."]
        differed = [data["differed_in_" + part] for part in ("diagnosis", "stage", "treatment")]
        if data["concordance"] is None:
            errors["concordance"] = ["Choose how the outcome compares with the first opinion."]
        elif data["concordance"] == Concordance.IDENTICAL and any(differed):
            errors["concordance"] = ["An identical opinion differs in nothing; clear the boxes."]
        elif data["concordance"] != Concordance.IDENTICAL and not any(differed):
            errors["differed"] = ["Say what differed: diagnosis, stage or treatment."]
    if len(data["follow_up_by"]) > 200:
        errors["follow_up_by"] = ["At most 200 characters."]
    if errors:
        raise ValidationFailed(errors)


def record_outcome(
    session: BoardSession,
    case_id: int,
    data: dict,
    seen_version: int | None,
    user_id: int | None,
) -> MeetingOutcome:
    """Save the board's outcome for one listed case; `seen_version` guards a concurrent edit."""
    require_meeting_open(session)
    item = db.session.scalar(
        db.select(AgendaItem).where(
            AgendaItem.session_id == session.id, AgendaItem.case_id == case_id
        )
    )
    if item is None:
        raise Conflict("This case is no longer on this agenda.")
    outcome = list_outcomes(session).get(case_id)
    require_version(outcome, seen_version)
    check_outcome(data)
    if outcome is None:
        outcome = MeetingOutcome(session_id=session.id, case_id=case_id)
        db.session.add(outcome)
    for name in OUTCOME_FIELDS:
        setattr(outcome, name, data[name])
    outcome.recorded_by_user_id = user_id
    outcome.recorded_at = utcnow()
    db.session.flush()
    return outcome


def require_meeting_started(session: BoardSession) -> None:
    """A meeting can be finished only once it has started."""
    if session.starts_at > utcnow():
        when = board_time(session.starts_at, session.board.time_zone)
        raise Conflict(
            f"This meeting starts on {when} ({session.board.time_zone}): it can be finished "
            "once it has started."
        )


def finish_meeting(session: BoardSession, user_id: int | None, confirmed: bool) -> MeetingFinish:
    """Mark the session held: discussed cases become discussed, the rest leave the agenda.

    Every expected attendee not marked present is recorded as absent. What changed is kept
    on the returned `MeetingFinish`, so a coordinator can undo it until the scheduler next
    runs and places the cases that went back to the queue.
    """
    require_meeting_open(session)
    require_meeting_started(session)
    if not confirmed:
        raise ValidationFailed(
            {"confirm": ["Tick the box to confirm the meeting is over."]},
            "Confirm that the meeting is over.",
        )
    outcomes = list_outcomes(session)
    changes: dict[str, list] = {
        "discussed": [],
        "removed": [],
        "outcomes_added": [],
    }
    items = list_agenda(session)
    # Removing an item renumbers the rest: keep the positions the agenda had.
    positions = {item.id: item.position for item in items}
    for item in items:
        outcome = outcomes.get(item.case_id)
        if outcome is not None and outcome.discussed:
            if item.case.status == CaseStatus.SCHEDULED:
                reason = f"Discussed at {describe(session)}"
                transition_case(item.case, CaseStatus.DISCUSSED, reason)
                changes["discussed"].append(item.case_id)
            continue
        if outcome is None:
            outcome = MeetingOutcome(
                session_id=session.id, case_id=item.case_id, recorded_by_user_id=user_id
            )
            db.session.add(outcome)
            db.session.flush()
            changes["outcomes_added"].append(outcome.id)
        outcome.discussed = False
        changes["removed"].append(
            {
                "case_id": item.case_id,
                "position": positions[item.id],
                "minutes": item.minutes,
                "pinned": item.pinned,
                "placed_by_user_id": item.placed_by_user_id,
            }
        )
        remove_item(item, f"Not discussed at {describe(session)}; back in the queue")
    changes["attendance_added"], changes["attendance_marked"] = complete_attendance(session)
    update_session(session, {"status": SessionStatus.HELD})
    finish = MeetingFinish(
        session_id=session.id,
        finished_at=utcnow(),
        finished_by_user_id=user_id,
        changes_json=json.dumps(changes),
    )
    db.session.add(finish)
    db.session.flush()
    return finish


def get_last_finish(session: BoardSession) -> MeetingFinish | None:
    """The session's latest finishing not undone yet."""
    return db.session.scalar(
        db.select(MeetingFinish)
        .where(MeetingFinish.session_id == session.id, MeetingFinish.undone_at.is_(None))
        .order_by(MeetingFinish.finished_at.desc(), MeetingFinish.id.desc())
        .limit(1)
    )


def get_undoable_finish(session: BoardSession) -> MeetingFinish | None:
    """The session's finishing a coordinator can still undo: no scheduler run since."""
    if session.status != SessionStatus.HELD:
        return None
    finish = get_last_finish(session)
    if finish is None or scheduler_ran_since(finish.finished_at) is not None:
        return None
    return finish


def scheduler_ran_since(moment) -> ScheduleRun | None:
    """The first run that could have placed cases (not a dry run) started after `moment`."""
    return db.session.scalar(
        db.select(ScheduleRun)
        .where(ScheduleRun.started_at > moment, ScheduleRun.dry_run.is_(False))
        .order_by(ScheduleRun.started_at)
        .limit(1)
    )


def undo_finish_meeting(session: BoardSession, user_id: int | None) -> MeetingFinish:
    """Reopen a finished meeting as it was, if the scheduler has not run since."""
    finish = get_last_finish(session)
    if session.status != SessionStatus.HELD or finish is None:
        raise Conflict("This meeting has no finishing to undo.")
    run = scheduler_ran_since(finish.finished_at)
    if run is not None:
        when = board_time(run.started_at, session.board.time_zone, "%H:%M")
        raise Conflict(
            f"The scheduler ran at {when} ({session.board.time_zone}) after the meeting was "
            "finished and may have placed its postponed cases elsewhere: finishing can no "
            "longer be undone."
        )
    changes = finish.changes
    reason = f"Finishing {describe(session)} undone"
    removed = [(db.session.get(Case, entry["case_id"]), entry) for entry in changes["removed"]]
    discussed = [db.session.get(Case, case_id) for case_id in changes["discussed"]]
    moved_on = [case.reference for case in discussed if case.status != CaseStatus.DISCUSSED] + [
        case.reference
        for case, _entry in removed
        if case.status not in (CaseStatus.READY, CaseStatus.AWAITING_RECORDS)
    ]
    if moved_on:
        raise Conflict(
            "Finishing can no longer be undone: these cases changed since: "
            + ", ".join(moved_on)
            + "."
        )
    reopen_held_session(session)
    for case in discussed:
        revert_case_status(case, CaseStatus.SCHEDULED, reason)
    for case, entry in sorted(removed, key=lambda pair: pair[1]["position"]):
        restore_item(session, case, entry, reason)
    for outcome_id in changes["outcomes_added"]:
        db.session.delete(db.session.get(MeetingOutcome, outcome_id))
    for row_id in changes["attendance_added"]:
        db.session.delete(db.session.get(SessionAttendance, row_id))
    for row_id in changes["attendance_marked"]:
        db.session.get(SessionAttendance, row_id).attended = None
    finish.undone_at = utcnow()
    finish.undone_by_user_id = user_id
    db.session.flush()
    return finish
