"""The specialists directory: details, memberships and time off.

A specialist's calendar links are the feeds domain's part of this page (`page_context`).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import EVERYONE, STAFF, is_staff, require_roles
from board.boards.services import list_boards
from board.common.forms import Refusal, form_data, load_form, perform, typed_values
from board.common.models import get_or_404
from board.common.signals import contributed_context
from board.extensions import db
from board.specialists.models import Specialist
from board.specialists.schemas import specialist_patch, time_off_in
from board.specialists.services import (
    add_time_off,
    list_specialists,
    remove_time_off,
    update_specialist,
)
from board.vocabulary.models import DiseaseSite, Specialty
from board.vocabulary.services import list_by_name

blueprint = Blueprint("specialists", __name__)


def may_manage(specialist: Specialist) -> bool:
    """Coordinators manage everyone; a specialist only their own time off and links."""
    return is_staff() or current_user.specialist_id == specialist.id


def load_specialist(specialist_id: int) -> Specialist:
    """The specialist whose page this is, if the user may manage it (403 otherwise)."""
    specialist = get_or_404(Specialist, specialist_id)
    if not may_manage(specialist):
        abort(403, description="You may only see your own page.")
    return specialist


@blueprint.route("/specialists")
@require_roles(*STAFF)
def specialist_list():
    """Every specialist with specialty and boards."""
    return render_template("specialists/list.html", specialists=list_specialists())


def stored_values(specialist: Specialist) -> dict:
    """A specialist's stored details in the form's shape."""
    return {
        "name": specialist.name,
        "email": specialist.email,
        "specialty": specialist.specialty_code,
        "sites": specialist.site_codes,
        "boards": [str(board_id) for board_id in specialist.board_ids],
        "active": specialist.active,
        "reminder_minutes": specialist.reminder_minutes,
        "version": specialist.version,
    }


def render_specialist(
    specialist: Specialist,
    refusal: Refusal | None = None,
    form: dict | None = None,
    status: int | None = None,
    **extra,
):
    """The specialist's page; other domains add their part (calendar links).

    A refused form's field messages sit by their fields, so its alert only says nothing was
    saved; any other refusal (a stale version, a conflict) says why.
    """
    message = ""
    if refusal:
        message = "Nothing was saved." if refusal.status == 422 else refusal.message
    context = {"message": message, "new_link": None}
    context |= contributed_context("specialists/page", specialist=specialist) | extra
    return render_template(
        "specialists/page.html",
        specialist=specialist,
        form=form or stored_values(specialist),
        errors=refusal.errors if refusal and refusal.status == 422 else {},
        boards=list_boards(),
        sites=list_by_name(DiseaseSite),
        specialties=list_by_name(Specialty),
        can_edit=is_staff(),
        can_manage=may_manage(specialist),
        **context,
    ), status or (refusal.status if refusal else 200)


@blueprint.route("/specialists/<int:specialist_id>")
@require_roles(*EVERYONE)
def specialist_page(specialist_id: int):
    """One specialist: details, memberships, time off, feed links."""
    return render_specialist(load_specialist(specialist_id))


@blueprint.route("/specialists/<int:specialist_id>", methods=["POST"])
@require_roles(*STAFF)
def specialist_save(specialist_id: int):
    """Change a specialist's details and board memberships."""
    specialist = get_or_404(Specialist, specialist_id)
    typed = typed_values(request.form, ("sites", "boards"), checkboxes=("active",))
    done = perform(
        lambda: update_specialist(
            specialist, load_form(specialist_patch, form_data(specialist_patch, request.form))
        ),
        versioned=specialist,
    )
    if done.saved:
        flash(f"{specialist.name} saved.")
        return redirect(url_for("specialists.specialist_page", specialist_id=specialist_id))
    fresh = db.session.get(Specialist, specialist_id)
    if done.refusal.stale:
        typed["version"] = fresh.version
    return render_specialist(fresh, done.refusal, form=typed)


def on_specialist_page(specialist: Specialist, action, done: str, anchor: str):
    """Run one change on the specialist's page: back to it with `done`, or the refusal."""
    performed = perform(action)
    if performed.refusal:
        return render_specialist(db.session.get(Specialist, specialist.id), performed.refusal)
    flash(done)
    return redirect(url_for("specialists.specialist_page", specialist_id=specialist.id) + anchor)


@blueprint.route("/specialists/<int:specialist_id>/time-off", methods=["POST"])
@require_roles(*EVERYONE)
def time_off_add(specialist_id: int):
    """Record days away."""
    specialist = load_specialist(specialist_id)

    def add():
        add_time_off(specialist, load_form(time_off_in, form_data(time_off_in, request.form)))

    return on_specialist_page(specialist, add, "Time off added.", "#time-off")


@blueprint.route(
    "/specialists/<int:specialist_id>/time-off/<int:entry_id>/delete", methods=["POST"]
)
@require_roles(*EVERYONE)
def time_off_remove(specialist_id: int, entry_id: int):
    """Cancel a time-off entry."""
    specialist = load_specialist(specialist_id)
    return on_specialist_page(
        specialist, lambda: remove_time_off(specialist, entry_id), "Time off removed.", "#time-off"
    )
