"""Meeting mode: attendance by specialty, each case's outcome, and finishing the meeting."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import STAFF, can_see_patient_data, require_roles
from board.agendas.services import list_agenda
from board.common.errors import DomainError, StaleVersion, ValidationFailed
from board.extensions import db
from board.meetings import services
from board.meetings.forms import OutcomeForm
from board.sessions.models import BoardSession
from board.ui.forms import STALE_MESSAGE, seen_version

blueprint = Blueprint("meetings", __name__)


def outcome_form(case_id: int, outcome=None, formdata=None) -> OutcomeForm:
    form = OutcomeForm(formdata=formdata, prefix=f"case-{case_id}", obj=outcome)
    if formdata is None and outcome is not None and outcome.concordance is not None:
        form.concordance.data = outcome.concordance.value
    return form


def render_meeting(
    session, message="", status=200, failed_case=None, failed_form=None, errors=None
):
    outcomes = services.list_outcomes(session)
    items = list_agenda(session)
    forms = {
        item.case_id: failed_form
        if item.case_id == failed_case
        else outcome_form(item.case_id, outcomes.get(item.case_id))
        for item in items
    }
    members = services.list_members(session)
    by_specialty: dict = {}
    for member in members:
        by_specialty.setdefault(member.specialty.name, []).append(member)
    return render_template(
        "meetings/meeting.html",
        session=session,
        items=items,
        outcomes=outcomes,
        forms=forms,
        by_specialty=sorted(by_specialty.items()),
        attendance=services.list_attendance(session),
        show_patient=can_see_patient_data(),
        message=message,
        failed_case=failed_case,
        errors=errors or {},
    ), status


@blueprint.route("/sessions/<int:session_id>/meeting")
@require_roles(*STAFF)
def meeting(session_id: int):
    """Run the meeting: attendance, then each case in agenda order."""
    return render_meeting(db.get_or_404(BoardSession, session_id))


@blueprint.route("/sessions/<int:session_id>/meeting/attendance", methods=["POST"])
@require_roles(*STAFF)
def attendance(session_id: int):
    """Record who is present."""
    session = db.get_or_404(BoardSession, session_id)
    present = {int(value) for value in request.form.getlist("present") if value.isdigit()}
    try:
        services.record_attendance(session, present)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_meeting(db.session.get(BoardSession, session_id), error.message, error.status)
    flash(f"Attendance recorded: {len(present)} present.")
    return redirect(url_for("meetings.meeting", session_id=session_id) + "#attendance")


@blueprint.route("/sessions/<int:session_id>/meeting/cases/<int:case_id>", methods=["POST"])
@require_roles(*STAFF)
def outcome(session_id: int, case_id: int):
    """Save the board's outcome for one case."""
    session = db.get_or_404(BoardSession, session_id)
    form = outcome_form(case_id, formdata=request.form)
    if not form.validate():
        errors = {name: list(messages) for name, messages in form.errors.items()}
        return render_meeting(
            session, "Nothing was saved: check the marked fields.", 422, case_id, form, errors
        )
    try:
        services.record_outcome(
            session, case_id, form.outcome_data(), seen_version(), current_user.id
        )
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        fresh = db.session.get(BoardSession, session_id)
        return render_meeting(fresh, STALE_MESSAGE, 412, case_id, form, {"version": ["stale"]})
    except ValidationFailed as error:
        db.session.rollback()
        fresh = db.session.get(BoardSession, session_id)
        return render_meeting(
            fresh, "Nothing was saved: " + error.message, 422, case_id, form, error.details
        )
    except DomainError as error:
        db.session.rollback()
        return render_meeting(db.session.get(BoardSession, session_id), error.message, error.status)
    flash("Outcome saved.")
    return redirect(url_for("meetings.meeting", session_id=session_id) + f"#case-{case_id}")


@blueprint.route("/sessions/<int:session_id>/meeting/finish", methods=["POST"])
@require_roles(*STAFF)
def finish(session_id: int):
    """Mark the session held; move the cases not discussed to their next suitable session."""
    session = db.get_or_404(BoardSession, session_id)
    try:
        if seen_version() != session.version:
            raise StaleVersion(current_version=session.version)
        postponed = services.finish_meeting(session, current_user.id)
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        fresh = db.session.get(BoardSession, session_id)
        return render_meeting(fresh, STALE_MESSAGE, 412)
    except DomainError as error:
        db.session.rollback()
        return render_meeting(db.session.get(BoardSession, session_id), error.message, error.status)
    message = "Meeting finished and recorded."
    if postponed:
        from board.schedule.services import run_assignment

        try:
            run = run_assignment("meeting_finished", user_id=current_user.id)
            message += (
                f" {len(postponed)} case(s) not discussed went back to the queue; the scheduler "
                f"placed {run.placed_count} on a later session."
            )
        except Exception:  # the run row records the failure; the cases wait in the queue
            message += f" {len(postponed)} case(s) not discussed are back in the queue."
    flash(message)
    return redirect(url_for("agendas.session_agenda", session_id=session_id))
