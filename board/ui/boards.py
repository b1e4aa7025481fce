"""Boards admin: recurrence, required specialties, capacity, lead time and freeze time."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from board.accounts.permissions import STAFF, require_roles
from board.boards.models import Board
from board.boards.schemas import board_in, board_patch
from board.boards.services import create_board, list_boards, update_board
from board.common.errors import ValidationFailed
from board.extensions import db
from board.feeds.services import (
    get_feed_token,
    issue_feed_token,
    list_feed_tokens,
    revoke_feed_token,
    rotate_feed_token,
)
from board.ui.forms import STALE_MESSAGE, form_data, load_form, save_form
from board.ui.specialists import feed_label, run_page_action
from board.ui.views import blueprint
from board.vocabulary.models import DiseaseSite, Specialty


def vocabularies() -> dict:
    return {
        "sites": db.session.scalars(db.select(DiseaseSite).order_by(DiseaseSite.name)).all(),
        "specialties": db.session.scalars(db.select(Specialty).order_by(Specialty.name)).all(),
    }


def board_values(board: Board) -> dict:
    """A board's stored settings in the form's shape."""
    values = {name: getattr(board, name) for name in board_in.fields if hasattr(board, name)}
    values["sites"] = board.site_codes
    values["required_specialties"] = board.required_specialty_codes
    values["local_start_time"] = board.local_start_time.strftime("%H:%M")
    values["version"] = board.version
    return values


def form_values() -> dict:
    """What the user typed, lists kept as lists, so a refused form shows it again."""
    values = {key: request.form.get(key) for key in request.form}
    for name in ("sites", "required_specialties"):
        values[name] = request.form.getlist(name)
    values["active"] = "active" in request.form
    return values


@blueprint.route("/boards")
@require_roles(*STAFF)
def board_list():
    """Every board with its rhythm and capacity."""
    return render_template("boards/list.html", boards=list_boards())


@blueprint.route("/boards/new", methods=["GET", "POST"])
@require_roles(*STAFF)
def board_new():
    """Register a board."""
    errors: dict = {}
    if request.method == "POST":
        try:
            board = create_board(load_form(board_in, form_data(board_in, request.form)))
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            errors = error.details
        else:
            flash(f"{board.name} created.")
            return redirect(url_for("ui.board_list"))
    values = form_values() if request.method == "POST" else {"active": True}
    return render_template(
        "boards/form.html", board=None, form=values, errors=errors, **vocabularies()
    ), (422 if errors else 200)


@blueprint.route("/boards/<int:board_id>", methods=["GET", "POST"])
@require_roles(*STAFF)
def board_edit(board_id: int):
    """Change a board; a form built from an older version saves nothing."""
    board = db.get_or_404(Board, board_id)
    if request.method == "GET":
        return render_board(board, form=board_values(board))
    result = save_form(
        board,
        lambda: update_board(board, load_form(board_patch, form_data(board_patch, request.form))),
    )
    if result.saved:
        flash(f"{board.name} saved.")
        return redirect(url_for("ui.board_list"))
    board = db.session.get(Board, board_id)
    return render_board(
        board, result.status, form=form_values(), errors=result.errors, stale=result.stale
    )


def render_board(
    board: Board,
    status: int = 200,
    form: dict | None = None,
    errors: dict | None = None,
    stale: bool = False,
    message: str = "",
    new_link: dict | None = None,
    link_errors: dict | None = None,
):
    """The board's edit page with its calendar links."""
    return render_template(
        "boards/form.html",
        board=board,
        form=form or board_values(board),
        errors=errors or {},
        stale=stale,
        stale_message=STALE_MESSAGE,
        current=board_values(board) if stale else None,
        message=message,
        new_link=new_link,
        link_errors=link_errors or {},
        tokens=list_feed_tokens(board_id=board.id),
        **vocabularies(),
    ), status


def change_links(board_id: int, action, done: str):
    """Run one change to a board's calendar links, answering on the board's page."""
    board = db.get_or_404(Board, board_id)

    def render(status, errors, message, new_link):
        fresh = db.session.get(Board, board_id)
        return render_board(fresh, status, message=message, new_link=new_link, link_errors=errors)

    page_url = url_for("ui.board_edit", board_id=board_id) + "#feeds"
    return run_page_action(lambda: action(board), render, page_url, done)


@blueprint.route("/boards/<int:board_id>/feeds", methods=["POST"])
@require_roles(*STAFF)
def board_feed_issue(board_id: int):
    """Create a calendar link for the whole board; its address is shown once."""

    def action(board):
        return issue_feed_token(board_id=board.id, label=feed_label(), user_id=current_user.id)

    return change_links(
        board_id, action, "New calendar link created. Copy it now: it is shown only once."
    )


@blueprint.route("/boards/<int:board_id>/feeds/<int:token_id>/rotate", methods=["POST"])
@require_roles(*STAFF)
def board_feed_rotate(board_id: int, token_id: int):
    """Replace a board's link: the old one stops at once."""

    def action(board):
        return rotate_feed_token(get_feed_token(token_id, None, board.id), current_user.id)

    return change_links(
        board_id, action, "Link replaced; the old one no longer works. Copy the new one now."
    )


@blueprint.route("/boards/<int:board_id>/feeds/<int:token_id>/revoke", methods=["POST"])
@require_roles(*STAFF)
def board_feed_revoke(board_id: int, token_id: int):
    """Stop a board's link at once."""

    def action(board):
        revoke_feed_token(get_feed_token(token_id, None, board.id))

    return change_links(board_id, action, "Link revoked.")
