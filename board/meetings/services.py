"""Running a meeting: attendance, one outcome per case, and finishing the meeting."""

from board.agendas.models import AgendaItem
from board.agendas.services import describe, list_agenda, remove_item
from board.cases.models import CaseStatus
from board.cases.services import transition_case
from board.common.errors import Conflict, ValidationFailed, require_version
from board.common.time import utcnow
from board.extensions import db
from board.meetings.models import Concordance, MeetingOutcome
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.sessions.services import expected_attendees, update_session
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


def complete_attendance(session: BoardSession) -> None:
    """Give every expected attendee an attendance record: unmarked ones were absent.

    The cancer committee report counts attendance against who was expected, so a finished
    meeting must not leave anyone expected without a yes or no.
    """
    existing = list_attendance(session)
    for specialist in expected_attendees(session):
        row = existing.get(specialist.id)
        if row is None:
            # Expected means they did not decline; the model has no "no answer" value.
            row = SessionAttendance(
                session_id=session.id,
                specialist_id=specialist.id,
                answer=AttendanceAnswer.CONFIRMED,
                answered_at=utcnow(),
            )
            db.session.add(row)
        if row.attended is None:
            row.attended = False
    db.session.flush()


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


def finish_meeting(session: BoardSession, user_id: int | None) -> list[int]:
    """Mark the session held: discussed cases become discussed, the rest leave the agenda.

    Every expected attendee not marked present is recorded as absent.

    Returns the ids of the cases that were not discussed; the caller asks the scheduler to
    place them on their next suitable session once this is committed.
    """
    require_meeting_open(session)
    outcomes = list_outcomes(session)
    postponed = []
    for item in list_agenda(session):
        outcome = outcomes.get(item.case_id)
        if outcome is not None and outcome.discussed:
            if item.case.status == CaseStatus.SCHEDULED:
                reason = f"Discussed at {describe(session)}"
                transition_case(item.case, CaseStatus.DISCUSSED, reason)
            continue
        if outcome is None:
            outcome = MeetingOutcome(
                session_id=session.id, case_id=item.case_id, recorded_by_user_id=user_id
            )
            db.session.add(outcome)
        outcome.discussed = False
        postponed.append(item.case_id)
        remove_item(item, f"Not discussed at {describe(session)}; back in the queue")
    complete_attendance(session)
    update_session(session, {"status": SessionStatus.HELD})
    return postponed
