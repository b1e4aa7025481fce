"""The agenda builder for coordinators (read-only agenda for specialists) and its print view.

Every change carries the session version the page was built from: a change made on an
outdated view (another coordinator, or the scheduler, got there first) saves nothing and
answers with the current agenda and a clear message. The page's script sends the same
forms with fetch and swaps in the returned fragment; without script they post normally.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import (
    EVERYONE,
    STAFF,
    can_see_patient_data,
    is_staff,
    require_roles,
)
from board.agendas import services
from board.cases.models import Case
from board.common.errors import NotFound, field_error
from board.common.forms import is_fetch, perform
from board.common.models import get_or_404
from board.extensions import db
from board.sessions.models import BoardSession
from board.sessions.services import expected_attendees

blueprint = Blueprint("agendas", __name__)

RACE_MESSAGE = (
    "The agenda changed while you were working on it (another coordinator or the scheduler). "
    "Nothing was saved; the current agenda is shown. Please check it and try again."
)


def builder_context(session: BoardSession) -> dict:
    items = services.list_agenda(session)
    used = sum(item.minutes for item in items)
    return {
        "session": session,
        "items": items,
        "used": used,
        "free": session.capacity_minutes - used,
        "percent": min(100, round(100 * used / session.capacity_minutes))
        if session.capacity_minutes
        else 100,
        "quorum": services.quorum_status(session, items),
        "queue": services.list_queue(session) if is_staff() else [],
        "editable": is_staff() and session.status in services.OPEN_SESSION_STATUSES,
        "show_patient": can_see_patient_data(),
    }


def render_builder(
    session: BoardSession,
    message: str = "",
    status: int = 200,
    error: bool = False,
    confirm_publish: bool = False,
):
    context = builder_context(session)
    template = "agendas/_builder.html" if is_fetch() else "agendas/session.html"
    return render_template(
        template,
        message=message,
        error=error,
        confirm_publish=confirm_publish,
        attendees=expected_attendees(session),
        **context,
    ), status


@blueprint.route("/sessions/<int:session_id>/agenda")
@require_roles(*EVERYONE)
def session_agenda(session_id: int):
    """One session's agenda: the builder for coordinators, read-only for specialists."""
    return render_builder(get_or_404(BoardSession, session_id))


@blueprint.route("/sessions/<int:session_id>/agenda/print")
@require_roles(*EVERYONE)
def print_agenda(session_id: int):
    """A clean agenda for printing or saving as PDF."""
    session = get_or_404(BoardSession, session_id)
    return render_template(
        "agendas/print.html", attendees=expected_attendees(session), **builder_context(session)
    )


def agenda_change(session_id: int, change, done: str, confirm_publish: bool = False):
    """Check the version the page saw, apply one change, commit, answer with the agenda.

    With `confirm_publish`, a refused publication offers "Publish anyway" when the agenda
    has problems (over capacity, no quorum) a coordinator may accept.
    """
    session = get_or_404(BoardSession, session_id)
    performed = perform(lambda: change(session), versioned=session)
    if performed.refusal:
        refusal = performed.refusal
        message = RACE_MESSAGE if refusal.stale else refusal.message
        if refusal.status == 422 and not refusal.stale:
            message = " ".join((message, refusal.field_text))
        fresh = db.session.get(BoardSession, session_id)
        confirm = (
            confirm_publish
            and refusal.status == 409
            and bool(services.list_publish_problems(fresh))
        )
        return render_builder(fresh, message, refusal.status, error=True, confirm_publish=confirm)
    warning = capacity_warning(session)
    done = f"{done} {warning}" if warning else done
    if is_fetch():
        return render_builder(session, done, error=bool(warning))
    flash(done)
    return redirect(url_for("agendas.session_agenda", session_id=session_id))


def capacity_warning(session: BoardSession) -> str:
    """Say so when the agenda now holds more minutes than the session has."""
    if session.status not in services.OPEN_SESSION_STATUSES:
        return ""
    used = sum(item.minutes for item in services.list_agenda(session))
    if used <= session.capacity_minutes:
        return ""
    return (
        f"Warning: the agenda is over capacity, {used} of {session.capacity_minutes} minutes "
        f"booked ({used - session.capacity_minutes} over)."
    )


def item_of(session: BoardSession):
    return services.get_item(session, request.form.get("item_id", type=int) or 0)


@blueprint.route("/sessions/<int:session_id>/agenda/place", methods=["POST"])
@require_roles(*STAFF)
def place(session_id: int):
    """Put a case from the queue on this agenda (at a position, when dropped there)."""

    def change(session):
        case = db.session.get(Case, request.form.get("case_id", type=int) or 0)
        if case is None:
            raise NotFound("This case no longer exists.")
        services.place_case(
            case,
            session,
            current_user.id,
            f"Placed by {current_user.display_name}",
            position=request.form.get("position", type=int),
        )

    return agenda_change(session_id, change, "Case placed on the agenda.")


@blueprint.route("/sessions/<int:session_id>/agenda/reorder", methods=["POST"])
@require_roles(*STAFF)
def reorder(session_id: int):
    """Put the agenda in a new order (a drag, or the keyboard's move up and down)."""

    def change(session):
        direction = request.form.get("direction")
        if direction in ("up", "down"):
            services.step_item(item_of(session), -1 if direction == "up" else 1)
            return
        try:
            ids = [int(part) for part in request.form.get("order", "").split(",") if part]
        except ValueError:
            ids = []
        services.reorder_agenda(session, ids)

    return agenda_change(session_id, change, "Agenda reordered.")


@blueprint.route("/sessions/<int:session_id>/agenda/remove", methods=["POST"])
@require_roles(*STAFF)
def remove(session_id: int):
    """Take a case off the agenda, back to the queue."""

    def change(session):
        services.require_open(session)
        services.remove_item(
            item_of(session), f"Taken off the agenda by {current_user.display_name}"
        )

    return agenda_change(session_id, change, "Case taken off the agenda.")


@blueprint.route("/sessions/<int:session_id>/agenda/pin", methods=["POST"])
@require_roles(*STAFF)
def pin(session_id: int):
    """Pin a case so the scheduler never moves it, or unpin it."""
    pinned = request.form.get("pinned") == "1"

    def change(session):
        services.set_item_pinned(item_of(session), pinned)

    return agenda_change(session_id, change, "Case pinned." if pinned else "Case unpinned.")


@blueprint.route("/sessions/<int:session_id>/agenda/minutes", methods=["POST"])
@require_roles(*STAFF)
def minutes(session_id: int):
    """Set how long a case takes."""

    def change(session):
        value = request.form.get("minutes", type=int)
        if value is None:
            raise field_error("minutes", "Enter a whole number of minutes.")
        services.set_item_minutes(item_of(session), value)

    return agenda_change(session_id, change, "Minutes saved.")


@blueprint.route("/sessions/<int:session_id>/agenda/publish", methods=["POST"])
@require_roles(*STAFF)
def publish(session_id: int):
    """Freeze the agenda and tell the expected attendees; their calendars update."""
    confirmed = request.form.get("confirm") == "1"
    return agenda_change(
        session_id,
        lambda session: services.publish_agenda(session, confirmed=confirmed),
        "Agenda published: attendees are told and calendars update.",
        confirm_publish=not confirmed,
    )
