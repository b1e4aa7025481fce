"""Meeting mode: attendance by specialty, each case's outcome, and finishing the meeting."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import STAFF, can_see_patient_data, require_roles
from board.agendas.services import list_agenda
from board.cases.models import Case
from board.common.forms import Refusal, perform, seen_version
from board.common.models import get_or_404
from board.common.signals import page_context
from board.common.time import utcnow
from board.extensions import db
from board.meetings import services
from board.meetings.forms import OutcomeForm
from board.sessions.models import BoardSession

blueprint = Blueprint("meetings", __name__)


@page_context.connect_via("cases/page")
def outcomes_on_case_page(_page, case: Case, **_) -> dict:
    """Every board outcome recorded for the case, with its session, for the case page."""
    return {"outcomes": services.list_case_outcomes(case)}


def outcome_form(case_id: int, outcome=None, formdata=None) -> OutcomeForm:
    form = OutcomeForm(formdata=formdata, prefix=f"case-{case_id}", obj=outcome)
    if formdata is None and outcome is not None and outcome.concordance is not None:
        form.concordance.data = outcome.concordance.value
    return form


def render_meeting(session, refusal: Refusal | None = None, failed_case=None, failed_form=None):
    """Meeting mode, one case at a time; a refused outcome keeps what was typed in its form."""
    outcomes = services.list_outcomes(session)
    items = list_agenda(session)
    current = current_position(items, failed_case)
    forms = {
        item.case_id: failed_form
        if item.case_id == failed_case
        else outcome_form(item.case_id, outcomes.get(item.case_id))
        for item in items
    }
    by_specialty: dict = {}
    for member in services.list_members(session):
        by_specialty.setdefault(member.specialty.name, []).append(member)
    errors = dict(refusal.errors) if refusal else {}
    finish_errors = errors if refusal and "confirm" in errors else {}
    if refusal and refusal.stale:
        errors["version"] = ["stale"]
    return render_template(
        "meetings/meeting.html",
        session=session,
        items=items,
        outcomes=outcomes,
        forms=forms,
        by_specialty=sorted(by_specialty.items()),
        attendance=services.list_attendance(session),
        show_patient=can_see_patient_data(),
        message=refusal.message if refusal else "",
        failed_case=failed_case,
        current=current,
        errors=errors if failed_case is not None else {},
        finish_errors=finish_errors,
        started=session.starts_at <= utcnow(),
        undoable=services.get_undoable_finish(session),
    ), (refusal.status if refusal else 200)


def current_position(items, failed_case=None) -> int:
    """Which case (1-based) the page shows: the refused one, else `?case=`, else the first."""
    if failed_case is not None:
        for index, item in enumerate(items, start=1):
            if item.case_id == failed_case:
                return index
    position = request.args.get("case", type=int) or 1
    return min(max(position, 1), max(len(items), 1))


def position_of(session_id: int, case_id: int) -> int:
    """The 1-based place of a case on the session's agenda (1 when it is gone)."""
    items = list_agenda(db.session.get(BoardSession, session_id))
    return next((i for i, item in enumerate(items, start=1) if item.case_id == case_id), 1)


def fresh(session_id: int) -> BoardSession:
    return db.session.get(BoardSession, session_id)


@blueprint.route("/sessions/<int:session_id>/meeting")
@require_roles(*STAFF)
def meeting(session_id: int):
    """Run the meeting: attendance, then each case in agenda order."""
    return render_meeting(get_or_404(BoardSession, session_id))


@blueprint.route("/sessions/<int:session_id>/meeting/attendance", methods=["POST"])
@require_roles(*STAFF)
def attendance(session_id: int):
    """Record who is present."""
    session = get_or_404(BoardSession, session_id)
    present = {int(value) for value in request.form.getlist("present") if value.isdigit()}
    done = perform(lambda: services.record_attendance(session, present))
    if done.refusal:
        return render_meeting(fresh(session_id), done.refusal)
    flash(f"Attendance recorded: {len(present)} present.")
    return redirect(url_for("meetings.meeting", session_id=session_id) + "#attendance")


@blueprint.route("/sessions/<int:session_id>/meeting/cases/<int:case_id>", methods=["POST"])
@require_roles(*STAFF)
def outcome(session_id: int, case_id: int):
    """Save the board's outcome for one case."""
    session = get_or_404(BoardSession, session_id)
    form = outcome_form(case_id, formdata=request.form)
    if not form.validate():
        errors = {name: list(messages) for name, messages in form.errors.items()}
        refusal = Refusal(422, "Nothing was saved: check the marked fields.", errors)
        return render_meeting(session, refusal, case_id, form)
    done = perform(
        lambda: services.record_outcome(
            session, case_id, form.outcome_data(), seen_version(), current_user.id
        )
    )
    if done.refusal:
        failed = case_id if done.refusal.status in (412, 422) else None
        return render_meeting(fresh(session_id), done.refusal, failed, form)
    flash("Outcome saved.")
    position = position_of(session_id, case_id)
    return redirect(
        url_for("meetings.meeting", session_id=session_id, case=position) + f"#case-{case_id}"
    )


@blueprint.route("/sessions/<int:session_id>/meeting/finish", methods=["POST"])
@require_roles(*STAFF)
def finish(session_id: int):
    """Mark the session held once it has started and the coordinator confirmed it."""
    session = get_or_404(BoardSession, session_id)
    done = perform(
        lambda: services.finish_meeting(session, current_user.id, "confirm" in request.form),
        versioned=session,
    )
    if done.refusal:
        return render_meeting(fresh(session_id), done.refusal)
    postponed = len(done.result.changes["removed"])
    message = "Meeting finished and recorded."
    if postponed:
        # No replan here: the scheduler's next run places them, and until then finishing
        # can be undone.
        message += (
            f" {postponed} case(s) not discussed are back in the queue; the scheduler places "
            "them at its next run."
        )
    flash(message + " Until the scheduler's next run you can undo this in meeting mode.")
    return redirect(url_for("agendas.session_agenda", session_id=session_id))


@blueprint.route("/sessions/<int:session_id>/meeting/undo-finish", methods=["POST"])
@require_roles(*STAFF)
def undo_finish(session_id: int):
    """Reopen a finished meeting, until the scheduler next runs."""
    session = get_or_404(BoardSession, session_id)
    done = perform(
        lambda: services.undo_finish_meeting(session, current_user.id), versioned=session
    )
    if done.refusal:
        return render_meeting(fresh(session_id), done.refusal)
    flash("Finishing undone: the meeting is open again, with its agenda as it was.")
    return redirect(url_for("meetings.meeting", session_id=session_id))
