"""The specialists directory: memberships, time off and calendar feed links."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import EVERYONE, STAFF, is_staff, require_roles
from board.boards.services import list_boards
from board.common.errors import DomainError, ValidationFailed
from board.extensions import db
from board.feeds.services import (
    get_feed_token,
    issue_feed_token,
    list_feed_tokens,
    revoke_feed_token,
    rotate_feed_token,
)
from board.specialists.models import Specialist
from board.specialists.schemas import TimeOffIn, specialist_patch
from board.specialists.services import (
    add_time_off,
    list_specialists,
    remove_time_off,
    update_specialist,
)
from board.ui.forms import STALE_MESSAGE, form_data, load_form, save_form
from board.ui.views import blueprint
from board.vocabulary.models import DiseaseSite, Specialty


def may_manage(specialist: Specialist) -> bool:
    """Coordinators manage everyone; a specialist only their own time off and links."""
    return is_staff() or current_user.specialist_id == specialist.id


def feed_urls(secret: str) -> dict:
    """The https link and the webcal link that calendar apps subscribe to."""
    scheme = "http" if current_app.testing or current_app.debug else "https"
    url = url_for("feeds.calendar_feed", secret=secret, _external=True, _scheme=scheme)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@blueprint.route("/specialists")
@require_roles(*STAFF)
def specialist_list():
    """Every specialist with specialty and boards."""
    return render_template("specialists/list.html", specialists=list_specialists())


def render_specialist(specialist, status=200, errors=None, message="", new_link=None, form=None):
    values = form or {
        "name": specialist.name,
        "email": specialist.email,
        "specialty": specialist.specialty_code,
        "sites": specialist.site_codes,
        "boards": [str(board_id) for board_id in specialist.board_ids],
        "active": specialist.active,
        "version": specialist.version,
    }
    return render_template(
        "specialists/page.html",
        specialist=specialist,
        form=values,
        errors=errors or {},
        message=message,
        new_link=new_link,
        tokens=list_feed_tokens(specialist_id=specialist.id),
        boards=list_boards(),
        sites=db.session.scalars(db.select(DiseaseSite).order_by(DiseaseSite.name)).all(),
        specialties=db.session.scalars(db.select(Specialty).order_by(Specialty.name)).all(),
        can_edit=is_staff(),
        can_manage=may_manage(specialist),
    ), status


def load_specialist(specialist_id: int) -> Specialist:
    specialist = db.get_or_404(Specialist, specialist_id)
    if not may_manage(specialist):
        abort(403, description="You may only see your own page.")
    return specialist


@blueprint.route("/specialists/<int:specialist_id>")
@require_roles(*EVERYONE)
def specialist_page(specialist_id: int):
    """One specialist: details, memberships, time off, feed links."""
    return render_specialist(load_specialist(specialist_id))


@blueprint.route("/specialists/<int:specialist_id>", methods=["POST"])
@require_roles(*STAFF)
def specialist_save(specialist_id: int):
    """Change a specialist's details and board memberships."""
    specialist = db.get_or_404(Specialist, specialist_id)
    typed = {key: request.form.get(key) for key in request.form}
    typed.update(
        sites=request.form.getlist("sites"),
        boards=request.form.getlist("boards"),
        active="active" in request.form,
    )
    result = save_form(
        specialist,
        lambda: update_specialist(
            specialist, load_form(specialist_patch, form_data(specialist_patch, request.form))
        ),
    )
    if result.stale:
        fresh = db.session.get(Specialist, specialist_id)
        typed["version"] = fresh.version
        return render_specialist(fresh, 412, message=STALE_MESSAGE, form=typed)
    if not result.saved:
        fresh = db.session.get(Specialist, specialist_id)
        return render_specialist(
            fresh, result.status, result.errors, "Nothing was saved.", form=typed
        )
    flash(f"{specialist.name} saved.")
    return redirect(url_for("ui.specialist_page", specialist_id=specialist_id))


def feed_label() -> str:
    """The label typed for a new calendar link."""
    label = request.form.get("label", "").strip()
    if len(label) > 120:
        raise ValidationFailed({"label": ["At most 120 characters."]})
    return label


def run_page_action(action, render, page_url: str, done: str):
    """Run one change on a page, answering with the page and a message when refused.

    `render(status, errors, message, new_link)` draws the page again; an action that returns
    a new feed link gets the page with its address, shown this once.
    """
    try:
        result = action()
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        return render(422, error.details, "Nothing was saved.", None)
    except DomainError as error:
        db.session.rollback()
        return render(error.status, None, error.message, None)
    if isinstance(result, tuple):  # a new feed link: its secret is shown this once
        token, secret = result
        return render(201, None, done, {"token": token, **feed_urls(secret)})
    flash(done)
    return redirect(page_url)


def act(specialist: Specialist, action, done: str, anchor: str):
    """Run one change on the specialist's page."""

    def render(status, errors, message, new_link):
        fresh = db.session.get(Specialist, specialist.id)
        return render_specialist(fresh, status, errors, message, new_link)

    page_url = url_for("ui.specialist_page", specialist_id=specialist.id) + anchor
    return run_page_action(action, render, page_url, done)


@blueprint.route("/specialists/<int:specialist_id>/time-off", methods=["POST"])
@require_roles(*EVERYONE)
def time_off_add(specialist_id: int):
    """Record days away."""
    specialist = load_specialist(specialist_id)

    def action():
        data = load_form(TimeOffIn(), form_data(TimeOffIn(), request.form))
        add_time_off(specialist, data)

    return act(specialist, action, "Time off added.", "#time-off")


@blueprint.route(
    "/specialists/<int:specialist_id>/time-off/<int:entry_id>/delete", methods=["POST"]
)
@require_roles(*EVERYONE)
def time_off_remove(specialist_id: int, entry_id: int):
    """Cancel a time-off entry."""
    specialist = load_specialist(specialist_id)
    return act(
        specialist, lambda: remove_time_off(specialist, entry_id), "Time off removed.", "#time-off"
    )


@blueprint.route("/specialists/<int:specialist_id>/feeds", methods=["POST"])
@require_roles(*EVERYONE)
def feed_issue(specialist_id: int):
    """Create a calendar link; its address is shown once."""
    specialist = load_specialist(specialist_id)

    def action():
        return issue_feed_token(
            specialist_id=specialist.id, label=feed_label(), user_id=current_user.id
        )

    return act(
        specialist,
        action,
        "New calendar link created. Copy it now: it is shown only once.",
        "#feeds",
    )


@blueprint.route("/specialists/<int:specialist_id>/feeds/<int:token_id>/rotate", methods=["POST"])
@require_roles(*EVERYONE)
def feed_rotate(specialist_id: int, token_id: int):
    """Replace a link: the old one stops at once."""
    specialist = load_specialist(specialist_id)

    def action():
        token = get_feed_token(token_id, specialist.id, None)
        return rotate_feed_token(token, current_user.id)

    return act(
        specialist,
        action,
        "Link replaced; the old one no longer works. Copy the new one now.",
        "#feeds",
    )


@blueprint.route("/specialists/<int:specialist_id>/feeds/<int:token_id>/revoke", methods=["POST"])
@require_roles(*EVERYONE)
def feed_revoke(specialist_id: int, token_id: int):
    """Stop a link at once."""
    specialist = load_specialist(specialist_id)

    def action():
        revoke_feed_token(get_feed_token(token_id, specialist.id, None))

    return act(specialist, action, "Link revoked.", "#feeds")
