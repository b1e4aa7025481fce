"""Case intake, the case list and the case page with its records, notice and placement."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import EVERYONE, STAFF, can_see_patient_data, require_roles
from board.agendas.services import get_open_item_for_case
from board.cases import services
from board.cases.models import (
    Case,
    CaseStatus,
    FirstOpinionSource,
    InsurerNotice,
    OpinionKind,
    Priority,
    QuestionCategory,
    RecordKind,
    Sex,
)
from board.cases.schemas import case_in, case_patch
from board.common.errors import DomainError, StaleVersion, ValidationFailed
from board.common.validation import today
from board.extensions import db
from board.meetings.models import MeetingOutcome
from board.schedule.services import get_case_placement, run_assignment
from board.sessions.models import BoardSession
from board.specialists.services import list_specialists
from board.ui.forms import (
    STALE_MESSAGE,
    SaveResult,
    check_version,
    form_data,
    load_form,
    save_form,
    typed_values,
)
from board.ui.views import blueprint
from board.vocabulary.models import DiseaseSite, Specialty

LIST_FIELDS = ("extra_specialties", "record_kind")
# Moves a coordinator makes by hand; scheduled and discussed follow the agenda and meeting.
MANUAL_TARGETS = (
    CaseStatus.AWAITING_RECORDS,
    CaseStatus.READY,
    CaseStatus.CLOSED,
    CaseStatus.WITHDRAWN,
)


def choices() -> dict:
    """Everything the case form offers to choose from."""
    return {
        "sexes": list(Sex),
        "sources": list(FirstOpinionSource),
        "kinds": list(OpinionKind),
        "priorities": list(Priority),
        "categories": list(QuestionCategory),
        "notices": list(InsurerNotice),
        "record_kinds": list(RecordKind),
        "sites": db.session.scalars(
            db.select(DiseaseSite).where(DiseaseSite.active.is_(True)).order_by(DiseaseSite.name)
        ).all(),
        "specialties": db.session.scalars(
            db.select(Specialty).where(Specialty.active.is_(True)).order_by(Specialty.name)
        ).all(),
        "specialists": list_specialists(active=True),
    }


def records_from_form() -> list[dict]:
    """The intake checklist: one row per ticked record kind, received or still requested."""
    records = []
    for kind in request.form.getlist("record_kind"):
        received = request.form.get(f"received_{kind}", "").strip() or None
        records.append({"kind": kind, "requested_on": today().isoformat(), "received_on": received})
    return records


@blueprint.route("/cases")
@require_roles(*EVERYONE)
def case_list():
    """Cases by status, most urgent decision first."""
    status = request.args.get("status") or None
    if status is not None and status not in CaseStatus.__members__.values():
        status = None
    page = max(request.args.get("page", 1, type=int), 1)
    found, total = services.list_cases(
        status=CaseStatus(status) if status else None, offset=(page - 1) * 50, limit=50
    )
    return render_template(
        "cases/list.html",
        cases=found,
        total=total,
        page=page,
        status=status,
        statuses=list(CaseStatus),
        show_patient=can_see_patient_data(),
    )


@blueprint.route("/cases/new", methods=["GET", "POST"])
@require_roles(*STAFF)
def case_new():
    """The intake form: every field of the API, checked by the same rules."""
    errors: dict = {}
    if request.method == "POST":
        data = form_data(case_in, request.form, skip=("records",))
        data["records"] = records_from_form()
        try:
            case = services.submit_case(load_form(case_in, data))
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            errors = error.details
        else:
            flash(f"Case {case.reference} submitted.")
            return redirect(url_for("ui.case_page", case_id=case.id))
    form = typed_values(request.form, LIST_FIELDS) if request.method == "POST" else {}
    return render_template("cases/form.html", case=None, form=form, errors=errors, **choices()), (
        422 if errors else 200
    )


@blueprint.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@require_roles(*STAFF)
def case_edit(case_id: int):
    """Change a case's fields; a form built from an older version saves nothing."""
    case = db.get_or_404(Case, case_id)
    result, form = SaveResult(), form_values(case)
    if request.method == "POST":
        result = save_form(
            case,
            lambda: services.update_case(
                case, load_form(case_patch, form_data(case_patch, request.form))
            ),
        )
        if result.saved:
            flash(f"Case {case.reference} saved.")
            return redirect(url_for("ui.case_page", case_id=case.id))
        case = db.session.get(Case, case_id)
        form = typed_values(request.form, LIST_FIELDS)
    return render_template(
        "cases/form.html",
        case=case,
        form=form,
        errors=result.errors,
        stale=result.stale,
        stale_message=STALE_MESSAGE,
        current=form_values(case) if result.stale else None,
        **choices(),
    ), result.status


def form_values(case: Case) -> dict:
    """A case's stored fields in the form's own shape."""
    values = {}
    for name in case_patch.fields:
        value = getattr(case, name, None)
        if name == "site":
            value = case.site_code
        elif name == "extra_specialties":
            value = case.extra_specialty_codes
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        values[name] = "" if value is None else value
    values["version"] = case.version
    return values


@blueprint.route("/cases/<int:case_id>")
@require_roles(*EVERYONE)
def case_page(case_id: int):
    """One case: checklist, insurer notice, placement and its reason, history."""
    case = db.get_or_404(Case, case_id)
    return render_case(case)


def render_case(case: Case, message: str = "", status: int = 200, proposal=None, errors=None):
    outcomes = db.session.scalars(
        db.select(MeetingOutcome)
        .where(MeetingOutcome.case_id == case.id)
        .order_by(MeetingOutcome.recorded_at)
    ).all()
    sessions = {
        row.id: row
        for row in db.session.scalars(
            db.select(BoardSession).where(BoardSession.id.in_([o.session_id for o in outcomes]))
        )
    }
    return render_template(
        "cases/page.html",
        case=case,
        show_patient=can_see_patient_data(),
        placement=get_case_placement(case),
        targets=[t for t in MANUAL_TARGETS if services.can_transition(case.status, t)],
        problems=services.readiness_problems(case),
        notices=list(InsurerNotice),
        record_kinds=list(RecordKind),
        outcomes=[(outcome, sessions.get(outcome.session_id)) for outcome in outcomes],
        message=message,
        proposal=proposal,
        errors=errors or {},
        today=today(),
    ), status


def act_on_case(case: Case, action) -> tuple:
    """Run one change from the case page; answer with the page and a clear message."""
    try:
        action()
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        fresh = db.session.get(Case, case.id)
        return render_case(fresh, STALE_MESSAGE, 412)
    except ValidationFailed as error:
        db.session.rollback()
        fresh = db.session.get(Case, case.id)
        return render_case(fresh, "Nothing was saved: " + error.message, 422, errors=error.details)
    except DomainError as error:
        db.session.rollback()
        return render_case(db.session.get(Case, case.id), error.message, error.status)
    return None


@blueprint.route("/cases/<int:case_id>/records/<int:record_id>/received", methods=["POST"])
@require_roles(*STAFF)
def record_received(case_id: int, record_id: int):
    """Tick one record off the checklist."""
    case = db.get_or_404(Case, case_id)
    record = next((item for item in case.records if item.id == record_id), None)
    if record is None:
        abort(404)

    def action():
        check_version(record)
        received = request.form.get("received_on", "").strip() or today().isoformat()
        data = load_form(record_patch_schema(), {"received_on": received})
        services.update_record(case, record_id, data)

    failed = act_on_case(case, action)
    if failed:
        return failed
    flash(f"{record.kind.value.replace('_', ' ').capitalize()} marked received.")
    return redirect(url_for("ui.case_page", case_id=case_id) + "#records")


def record_patch_schema():
    from board.cases.schemas import RecordPatch

    return RecordPatch()


@blueprint.route("/cases/<int:case_id>/records", methods=["POST"])
@require_roles(*STAFF)
def record_add(case_id: int):
    """Add an item to the records checklist."""
    case = db.get_or_404(Case, case_id)

    def action():
        check_version(case)
        from board.cases.schemas import RecordIn

        item = load_form(
            RecordIn(),
            {
                "kind": request.form.get("kind", ""),
                "requested_on": today().isoformat(),
                "note": request.form.get("note", ""),
            },
        )
        services.add_records(case, [item])

    failed = act_on_case(case, action)
    if failed:
        return failed
    flash("Record added to the checklist.")
    return redirect(url_for("ui.case_page", case_id=case_id) + "#records")


@blueprint.route("/cases/<int:case_id>/insurer-notice", methods=["POST"])
@require_roles(*STAFF)
def insurer_notice(case_id: int):
    """Update the insurer's advance-notice status."""
    case = db.get_or_404(Case, case_id)

    def action():
        check_version(case)
        data = form_data(case_patch, request.form)
        data = {k: v for k, v in data.items() if k.startswith("insurer_notice")}
        services.update_case(case, load_form(case_patch, data))

    failed = act_on_case(case, action)
    if failed:
        return failed
    flash("Insurer notice saved.")
    return redirect(url_for("ui.case_page", case_id=case_id) + "#insurer")


@blueprint.route("/cases/<int:case_id>/transition", methods=["POST"])
@require_roles(*STAFF)
def case_transition(case_id: int):
    """Move a case to another status with a reason."""
    case = db.get_or_404(Case, case_id)
    target = request.form.get("to", "")

    def action():
        check_version(case)
        if target not in {t.value for t in MANUAL_TARGETS}:
            raise ValidationFailed({"to": ["Choose a status."]})
        reason = request.form.get("reason", "").strip()[:2000]
        if CaseStatus(target) == CaseStatus.WITHDRAWN and not reason:
            raise ValidationFailed({"reason": ["Say why the case is withdrawn."]})
        item = get_open_item_for_case(case.id)
        if item is not None and CaseStatus(target) != CaseStatus.READY:
            from board.agendas.services import remove_item

            remove_item(item, reason or f"Case {target.replace('_', ' ')}")
        if case.status != CaseStatus(target):
            services.transition_case(case, CaseStatus(target), reason or "Changed by a coordinator")

    failed = act_on_case(case, action)
    if failed:
        return failed
    flash(f"Case {case.reference} is now {case.status.value.replace('_', ' ')}.")
    return redirect(url_for("ui.case_page", case_id=case_id))


@blueprint.route("/cases/<int:case_id>/find-session", methods=["POST"])
@require_roles(*STAFF)
def find_session(case_id: int):
    """Ask the engine, without changing anything, where this case would go."""
    db.get_or_404(Case, case_id)
    run = run_assignment("find_session", dry_run=True, user_id=current_user.id)
    change = next((row for row in run.changes if row["case_id"] == case_id), None)
    proposal = {"run_id": run.id, "change": change, "session": None}
    if change and change.get("to_session_id"):
        proposal["session"] = db.session.get(BoardSession, change["to_session_id"])
    return render_case(db.session.get(Case, case_id), proposal=proposal)
