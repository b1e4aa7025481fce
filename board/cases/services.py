"""Submitting cases, changing them, moving them through their statuses, and their records."""

import secrets

from flask_login import current_user

from board.boards.models import Board
from board.cases.models import (
    Case,
    CaseStatus,
    InsurerNotice,
    OpinionKind,
    RecordItem,
    RecordKind,
    StatusChange,
)
from board.common.enums import label_of
from board.common.errors import Conflict, NotFound, ValidationFailed, field_error
from board.common.signals import case_leaving_agendas, case_shown_fields_changed
from board.common.time import utcnow
from board.extensions import db
from board.specialists.models import Specialist
from board.vocabulary.models import DiseaseSite
from board.vocabulary.services import resolve_codes, resolve_specialties

OPEN_STATUSES = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.AWAITING_RECORDS,
        CaseStatus.READY,
        CaseStatus.SCHEDULED,
        CaseStatus.DISCUSSED,
    }
)

ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.SUBMITTED: frozenset({CaseStatus.AWAITING_RECORDS, CaseStatus.READY}),
    CaseStatus.AWAITING_RECORDS: frozenset({CaseStatus.READY}),
    CaseStatus.READY: frozenset({CaseStatus.SCHEDULED, CaseStatus.AWAITING_RECORDS}),
    # Back to ready when taken off an agenda; to awaiting records when records go missing.
    CaseStatus.SCHEDULED: frozenset(
        {CaseStatus.DISCUSSED, CaseStatus.READY, CaseStatus.AWAITING_RECORDS}
    ),
    # A case can need a second discussion (42% of patients in one UK series).
    CaseStatus.DISCUSSED: frozenset({CaseStatus.CLOSED, CaseStatus.READY}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}

# A case moving to one of these keeps its agenda place (taken off one, it becomes ready).
STAYS_ON_AGENDA = frozenset({CaseStatus.READY, CaseStatus.DISCUSSED})
# Moves a coordinator makes by hand; scheduled and discussed follow the agenda and meeting.
MANUAL_TARGETS = (
    CaseStatus.AWAITING_RECORDS,
    CaseStatus.READY,
    CaseStatus.CLOSED,
    CaseStatus.WITHDRAWN,
)

# Unambiguous characters for spoken and printed references (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RELATION_FIELDS = ("site", "extra_specialties", "records")


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether the status machine allows `current` → `target`."""
    if target == CaseStatus.WITHDRAWN:
        return current in OPEN_STATUSES
    return target in ALLOWED_TRANSITIONS[current]


def list_cases(
    status: CaseStatus | None = None,
    site: str | None = None,
    board_id: int | None = None,
    priority: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Case], int]:
    """One page of cases, most urgent decision first, and the total count."""
    query = db.select(Case)
    if status is not None:
        query = query.where(Case.status == status)
    if site is not None:
        query = query.where(Case.site_code == site)
    if board_id is not None:
        board = db.session.get(Board, board_id)
        query = query.where(Case.site_code.in_(board.site_codes if board else []))
    if priority is not None:
        query = query.where(Case.priority == priority)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    page = db.session.scalars(
        query.order_by(Case.decision_due_on, Case.submitted_at, Case.id).offset(offset).limit(limit)
    )
    return list(page), total or 0


def submit_case(data: dict) -> Case:
    """Register a new case with its records checklist, in status submitted."""
    case = Case(reference=new_reference(), status=CaseStatus.SUBMITTED, submitted_at=utcnow())
    apply_case_changes(case, data)
    for item in data.get("records", []):
        case.records.append(RecordItem(**item))
    db.session.add(case)
    record_status_change(case, None, CaseStatus.SUBMITTED, "Submitted")
    db.session.flush()
    return case


def intake_case(data: dict) -> Case:
    """Register a new case and, when its required data is complete, triage it at once."""
    case = submit_case(data)
    triage_automatically(case)
    return case


def list_triage_problems(case: Case) -> list[str]:
    """What a coordinator must settle before the case can leave `submitted`."""
    problems = []
    kinds = {record.kind for record in case.records}
    if not kinds:
        problems.append("no records are listed: say which the reviewers need")
    elif case.opinion_kind == OpinionKind.PATHOLOGY_REVIEW and (
        RecordKind.SLIDES_BLOCKS not in kinds
    ):
        problems.append("a pathology review needs the slides or blocks on the checklist")
    if not site_has_active_board(case.site_code):
        problems.append("no active board covers this site")
    if case.insurer_notice == InsurerNotice.DENIED:
        problems.append("the insurer denied the notice")
    return problems


def site_has_active_board(site: str) -> bool:
    """Whether an active board covers the site: one query, not every board with its sites."""
    covered = db.select(Board.id).where(
        Board.active.is_(True), Board.sites.any(DiseaseSite.code == site)
    )
    return db.session.scalar(db.select(covered.exists()))


def triage_automatically(case: Case) -> bool:
    """Move a submitted case whose required data is complete on, as done by the service."""
    if case.status != CaseStatus.SUBMITTED or list_triage_problems(case):
        return False
    target = CaseStatus.READY if case.is_ready else CaseStatus.AWAITING_RECORDS
    transition_case(case, target, "Triaged automatically: the required data is complete", True)
    return True


def update_case(case: Case, data: dict) -> Case:
    """Change a case's fields (its status changes only through transitions)."""
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"A {case.status.value} case can no longer be edited.")
    apply_case_changes(case, data)
    case.updated_at = utcnow()
    db.session.flush()
    if CALENDAR_FIELDS & data.keys():
        case_shown_fields_changed.send(case)
    follow_readiness(case)
    return case


# Case fields an agenda in a calendar shows; changing one changes that calendar event.
CALENDAR_FIELDS = frozenset(
    {
        "site",
        "opinion_kind",
        "priority",
        "discussion_minutes",
        "presenting_physician",
        "question_category",
        "requested_specialist_id",
    }
)


def specialist_site_problem(specialist: Specialist, site: str) -> str:
    """Why a requested specialist cannot give this site's opinion: on no board covering it."""
    covering = [b for b in specialist.boards if b.active and site in b.site_codes]
    if covering:
        return ""
    boards = ", ".join(board.name for board in specialist.boards) or "no board"
    site_row = db.session.get(DiseaseSite, site)
    site_name = site_row.name if site_row else site
    return (
        f"{specialist.name} sits on no board covering {site_name} (their boards: {boards}); "
        "the scheduler could never place the case. Choose a specialist of a board that does."
    )


def apply_case_changes(case: Case, data: dict) -> None:
    """Copy validated fields onto the case after checking every reference and rule."""
    errors: dict[str, list[str]] = {}
    if "site" in data:
        resolve_codes(DiseaseSite, [data["site"]], "site", "disease site", errors)
    specialties = (
        resolve_specialties(data["extra_specialties"], "extra_specialties", errors)
        if "extra_specialties" in data
        else None
    )
    specialist_id = data.get("requested_specialist_id", case.requested_specialist_id)
    if data.get("requested_specialist_id") is not None:
        specialist = db.session.get(Specialist, data["requested_specialist_id"])
        if specialist is None or not specialist.active:
            errors["requested_specialist_id"] = [
                f"Unknown specialist: {data['requested_specialist_id']}."
            ]
        elif (site := data.get("site", case.site_code)) is not None:
            problem = specialist_site_problem(specialist, site)
            if problem:
                errors["requested_specialist_id"] = [problem]
    kind = data.get("opinion_kind", case.opinion_kind)
    if kind == OpinionKind.INDIVIDUAL and specialist_id is None:
        errors.setdefault("requested_specialist_id", []).append(
            "An individual opinion needs the requested specialist."
        )
    notice = data.get("insurer_notice", case.insurer_notice)
    sent_on = data.get("insurer_notice_sent_on", case.insurer_notice_sent_on)
    if notice in (InsurerNotice.SENT, InsurerNotice.APPROVED, InsurerNotice.DENIED) and not sent_on:
        errors.setdefault("insurer_notice_sent_on", []).append("Give the date the notice was sent.")
    birth = data.get("patient_birth_date", case.patient_birth_date)
    first_treatment = data.get("first_treatment_on", case.first_treatment_on)
    if birth and first_treatment and first_treatment < birth:
        errors.setdefault("first_treatment_on", []).append("This date is before the birth date.")
    if errors:
        raise ValidationFailed(errors)
    for name, value in data.items():
        if name not in RELATION_FIELDS:
            setattr(case, name, value)
    if "site" in data:
        case.site_code = data["site"]
    if specialties is not None:
        case.extra_specialties = specialties


def transition_case(case: Case, target: CaseStatus, reason: str, by_service: bool = False) -> Case:
    """Move a case to another status, recording who (or the service), when and why; 409 if
    not allowed."""
    if target == case.status:
        raise Conflict(f"The case is already {case.status.value}.")
    if not can_transition(case.status, target):
        raise Conflict(
            f"A {case.status.value} case cannot become {target.value}.",
            {"allowed": sorted(s.value for s in allowed_targets(case.status))},
        )
    if target == CaseStatus.READY and not case.is_ready:
        raise Conflict(
            "The case is not ready: "
            + "; ".join(readiness_problems(case))
            + ". Mark the records received or update the insurer notice first."
        )
    previous = case.status
    case.status = target
    case.updated_at = utcnow()
    record_status_change(case, previous, target, reason, by_service)
    db.session.flush()
    return case


def revert_case_status(case: Case, target: CaseStatus, reason: str) -> Case:
    """Put a case back in the status an undone step moved it from, recorded like any change.

    Undoing a finished meeting returns discussed and postponed cases to scheduled, a move
    the forward status machine has no edge for.
    """
    previous = case.status
    if previous != target:
        case.status = target
        case.updated_at = utcnow()
        record_status_change(case, previous, target, reason)
        db.session.flush()
    return case


def change_case_status(case: Case, target: CaseStatus, reason: str) -> Case:
    """A status change a coordinator or an integration asks for (the page and the API alike).

    The same status again is a conflict, a withdrawal needs its reason, and a case leaving
    the agendas is first taken off the session it is on.
    """
    reason = reason.strip()
    if target == CaseStatus.WITHDRAWN and not reason:
        raise field_error("reason", "Say why the case is withdrawn.")
    if target == case.status:
        raise Conflict(f"The case is already {case.status.label}.")
    if target not in STAYS_ON_AGENDA and can_transition(case.status, target):
        case_leaving_agendas.send(case, target=target, reason=reason)
        if case.status == target:  # taking it off the agenda already moved it there
            return case
    return transition_case(case, target, reason or "Changed by a coordinator")


def allowed_targets(current: CaseStatus) -> set[CaseStatus]:
    """Every status a case in `current` may move to."""
    return {target for target in CaseStatus if can_transition(current, target)}


def readiness_problems(case: Case) -> list[str]:
    """What keeps a case from being ready, in a coordinator's words."""
    problems = []
    if not case.records_complete:
        missing = ", ".join(label_of(kind) for kind in case.missing_record_kinds)
        problems.append(f"records missing: {missing}")
    if case.insurer_notice == InsurerNotice.DENIED:
        problems.append("the insurer denied the advance notice")
    elif not case.insurer_notice_satisfied:
        problems.append("insurer notice pending")
    return problems


def add_records(case: Case, items: list[dict]) -> list[RecordItem]:
    """Add items to the records checklist; a ready case goes back to awaiting records."""
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"A {case.status.value} case can no longer change.")
    added = [RecordItem(**item) for item in items]
    case.records.extend(added)
    case.updated_at = utcnow()
    db.session.flush()
    case_shown_fields_changed.send(case)  # calendars show each case's records status
    follow_readiness(case)
    return added


def get_record(case: Case, record_id: int) -> RecordItem:
    """One item of the case's records checklist."""
    record = db.session.get(RecordItem, record_id)
    if record is None or record.case_id != case.id:
        raise NotFound(f"No record item {record_id} on this case.")
    return record


def update_record(case: Case, record_id: int, data: dict) -> RecordItem:
    """Mark a record received (or correct it); completing the checklist makes the case ready."""
    record = get_record(case, record_id)
    if case.status not in OPEN_STATUSES:
        raise Conflict(f"A {case.status.value} case can no longer change.")
    for name, value in data.items():
        setattr(record, name, value)
    case.updated_at = utcnow()
    db.session.flush()
    case_shown_fields_changed.send(case)  # calendars show each case's records status
    follow_readiness(case)
    return record


def follow_readiness(case: Case) -> None:
    """Move a case between awaiting records and ready as its checklist fills or empties."""
    if case.is_ready and case.status == CaseStatus.AWAITING_RECORDS:
        transition_case(case, CaseStatus.READY, "Records complete and insurer notice satisfied")
    elif not case.is_ready and case.status == CaseStatus.READY:
        transition_case(case, CaseStatus.AWAITING_RECORDS, "; ".join(readiness_problems(case)))


def record_status_change(
    case: Case,
    previous: CaseStatus | None,
    target: CaseStatus,
    reason: str,
    by_service: bool = False,
) -> None:
    """Append one line to the case's status history (`by_service`: the service's own step)."""
    signed_in = current_user and current_user.is_authenticated
    user = current_user if signed_in and not by_service else None
    case.status_changes.append(
        StatusChange(
            from_status=previous,
            to_status=target,
            changed_at=utcnow(),
            changed_by_user_id=user.id if user else None,
            changed_by_label=user.display_name if user else "Tumor board service",
            reason=reason,
        )
    )


def new_reference() -> str:
    """A random, non-identifying case reference such as C-7K3QXM."""
    while True:
        reference = "C-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if db.session.scalar(db.select(Case.id).where(Case.reference == reference)) is None:
            return reference
