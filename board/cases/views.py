"""Case intake, the case list and the case page with its records, notice and status.

Other domains add their part of the case page (placement, outcomes) through the
`page_context` signal, so this package imports none of them.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from board.accounts.permissions import EVERYONE, STAFF, can_see_patient_data, require_roles
from board.cases import models, services
from board.cases.models import Case, CaseStatus, InsurerNotice, RecordKind
from board.cases.schemas import case_in, case_patch, record_in, record_patch
from board.common.enums import label_of
from board.common.errors import field_error
from board.common.forms import (
    STALE_MESSAGE,
    Refusal,
    form_data,
    load_form,
    perform,
    typed_values,
)
from board.common.models import get_or_404
from board.common.signals import contributed_context
from board.common.time import today
from board.extensions import db
from board.specialists.services import list_specialists
from board.vocabulary.models import DiseaseSite, Specialty
from board.vocabulary.services import list_by_name

blueprint = Blueprint("cases", __name__)

LIST_FIELDS = ("extra_specialties", "record_kind")
PAGE_SIZE = 50


def choices() -> dict:
    """Everything the case form offers to choose from."""
    return {
        "sexes": list(models.Sex),
        "sources": list(models.FirstOpinionSource),
        "kinds": list(models.OpinionKind),
        "priorities": list(models.Priority),
        "categories": list(models.QuestionCategory),
        "notices": list(InsurerNotice),
        "record_kinds": list(RecordKind),
        "sites": list_by_name(DiseaseSite, active_only=True),
        "specialties": list_by_name(Specialty, active_only=True),
        "specialists": [
            (person.id, specialist_label(person)) for person in list_specialists(active=True)
        ],
    }


def specialist_label(person) -> str:
    """A picker entry that tells two namesakes apart: name, specialty and boards."""
    boards = ", ".join(board.name for board in person.boards) or "no board"
    return f"{person.name} — {person.specialty.name} · {boards}"


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
        status=CaseStatus(status) if status else None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
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
    if request.method == "GET":
        return render_form(None, {})

    def submit():
        data = form_data(case_in, request.form, skip=("records",))
        data["records"] = records_from_form()
        return services.intake_case(load_form(case_in, data))

    done = perform(submit)
    if done.refusal:
        return render_form(None, typed_values(request.form, LIST_FIELDS), done.refusal)
    case = done.result
    flash(
        f"Case {case.reference} submitted"
        + (
            f" and triaged: {case.status.label}."
            if case.status != models.CaseStatus.SUBMITTED
            else "; it needs your triage: " + "; ".join(services.list_triage_problems(case)) + "."
        )
    )
    return redirect(url_for("cases.case_page", case_id=done.result.id))


@blueprint.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@require_roles(*STAFF)
def case_edit(case_id: int):
    """Change a case's fields; a form built from an older version saves nothing."""
    case = get_or_404(Case, case_id)
    if request.method == "GET":
        return render_form(case, form_values(case))
    done = perform(
        lambda: services.update_case(
            case, load_form(case_patch, form_data(case_patch, request.form))
        ),
        versioned=case,
    )
    if done.refusal:
        fresh = db.session.get(Case, case_id)
        return render_form(fresh, typed_values(request.form, LIST_FIELDS), done.refusal)
    flash(f"Case {case.reference} saved.")
    return redirect(url_for("cases.case_page", case_id=case.id))


def render_form(case: Case | None, form: dict, refusal: Refusal | None = None):
    """The intake or edit form, with what was typed and why it was refused."""
    stale = bool(refusal and refusal.stale)
    return render_template(
        "cases/form.html",
        case=case,
        form=form,
        errors=refusal.errors if refusal else {},
        stale=stale,
        stale_message=STALE_MESSAGE,
        current=form_values(case) if stale else None,
        **choices(),
    ), (refusal.status if refusal else 200)


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
    return render_case(get_or_404(Case, case_id))


def render_case(case: Case, refusal: Refusal | None = None, **extra):
    """The case page; a refused change shows its message and field messages at the top."""
    context = contributed_context("cases/page", case=case) | extra
    return render_template(
        "cases/page.html",
        case=case,
        show_patient=can_see_patient_data(),
        targets=[t for t in services.MANUAL_TARGETS if services.can_transition(case.status, t)],
        problems=services.readiness_problems(case),
        notices=list(InsurerNotice),
        record_kinds=list(RecordKind),
        message=refusal.message if refusal else "",
        errors=refusal.errors if refusal and refusal.status == 422 else {},
        today=today(),
        **context,
    ), (refusal.status if refusal else 200)


def on_case_page(case: Case, action, done: str, anchor: str = "", versioned=None):
    """Run one change from the case page: back to the page with `done`, or the refusal.

    The page's version of `versioned` (the case itself unless given) guards the change.
    """
    performed = perform(action, versioned=versioned or case)
    if performed.refusal:
        return render_case(db.session.get(Case, case.id), performed.refusal)
    flash(done)
    return redirect(url_for("cases.case_page", case_id=case.id) + anchor)


@blueprint.route("/cases/<int:case_id>/records/<int:record_id>/received", methods=["POST"])
@require_roles(*STAFF)
def record_received(case_id: int, record_id: int):
    """Tick one record off the checklist."""
    case = get_or_404(Case, case_id)
    record = next((item for item in case.records if item.id == record_id), None)
    if record is None:
        abort(404)
    received = request.form.get("received_on", "").strip() or today().isoformat()
    return on_case_page(
        case,
        lambda: services.update_record(
            case, record_id, load_form(record_patch, {"received_on": received})
        ),
        f"{record.kind.label.capitalize()} marked received.",
        "#records",
        versioned=record,
    )


@blueprint.route("/cases/<int:case_id>/records", methods=["POST"])
@require_roles(*STAFF)
def record_add(case_id: int):
    """Add an item to the records checklist."""
    case = get_or_404(Case, case_id)

    def add():
        item = load_form(
            record_in,
            {
                "kind": request.form.get("kind", ""),
                "requested_on": today().isoformat(),
                "note": request.form.get("note", ""),
            },
        )
        services.add_records(case, [item])

    return on_case_page(case, add, "Record added to the checklist.", "#records")


@blueprint.route("/cases/<int:case_id>/insurer-notice", methods=["POST"])
@require_roles(*STAFF)
def insurer_notice(case_id: int):
    """Update the insurer's advance-notice status."""
    case = get_or_404(Case, case_id)

    def save():
        data = form_data(case_patch, request.form)
        data = {k: v for k, v in data.items() if k.startswith("insurer_notice")}
        services.update_case(case, load_form(case_patch, data))

    return on_case_page(case, save, "Insurer notice saved.", "#insurer")


@blueprint.route("/cases/<int:case_id>/transition", methods=["POST"])
@require_roles(*STAFF)
def case_transition(case_id: int):
    """Move a case to another status with a reason (the API's rules, the same answers)."""
    case = get_or_404(Case, case_id)
    target = request.form.get("to", "")

    def change():
        if target not in {t.value for t in services.MANUAL_TARGETS}:
            raise field_error("to", "Choose a status.")
        reason = request.form.get("reason", "")[:2000]
        services.change_case_status(case, CaseStatus(target), reason)

    return on_case_page(case, change, f"Case {case.reference} is now {label_of(target)}.")
