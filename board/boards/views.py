"""Boards admin: recurrence, required specialties, capacity, lead time and freeze time.

The board page's calendar links are the feeds domain's part of it (`page_context`).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from board.accounts.permissions import STAFF, require_roles
from board.boards.models import Board
from board.boards.schemas import board_in, board_patch
from board.boards.services import RECURRENCE_FORMS, create_board, list_boards, update_board
from board.common.forms import STALE_MESSAGE, Refusal, form_data, load_form, perform, typed_values
from board.common.models import get_or_404
from board.common.signals import contributed_context
from board.extensions import db
from board.vocabulary.models import DiseaseSite, Specialty
from board.vocabulary.services import list_by_name

blueprint = Blueprint("boards", __name__)

LIST_FIELDS = ("sites", "required_specialties")


def vocabularies() -> dict:
    return {
        "sites": list_by_name(DiseaseSite),
        "specialties": list_by_name(Specialty),
        "recurrence_forms": RECURRENCE_FORMS,
    }


def board_values(board: Board) -> dict:
    """A board's stored settings in the form's shape."""
    values = {name: getattr(board, name) for name in board_in.fields if hasattr(board, name)}
    values["sites"] = board.site_codes
    values["required_specialties"] = board.required_specialty_codes
    values["local_start_time"] = board.local_start_time.strftime("%H:%M")
    values["version"] = board.version
    return values


def typed_board() -> dict:
    """What the user typed, so a refused form shows it again."""
    return typed_values(request.form, LIST_FIELDS, checkboxes=("active",))


@blueprint.route("/boards")
@require_roles(*STAFF)
def board_list():
    """Every board with its rhythm and capacity."""
    return render_template("boards/list.html", boards=list_boards())


@blueprint.route("/boards/new", methods=["GET", "POST"])
@require_roles(*STAFF)
def board_new():
    """Register a board."""
    refusal = None
    if request.method == "POST":
        done = perform(lambda: create_board(load_form(board_in, form_data(board_in, request.form))))
        if done.saved:
            flash(f"{done.result.name} created.")
            return redirect(url_for("boards.board_list"))
        refusal = done.refusal
    values = typed_board() if refusal else {"active": True}
    return render_template(
        "boards/form.html",
        board=None,
        confirm_session_changes=False,
        form=values,
        errors=refusal.errors if refusal else {},
        **vocabularies(),
    ), (refusal.status if refusal else 200)


@blueprint.route("/boards/<int:board_id>", methods=["GET", "POST"])
@require_roles(*STAFF)
def board_edit(board_id: int):
    """Change a board; a form built from an older version saves nothing."""
    board = get_or_404(Board, board_id)
    if request.method == "GET":
        return render_board(board)
    done = perform(
        lambda: update_board(board, load_form(board_patch, form_data(board_patch, request.form))),
        versioned=board,
    )
    if done.saved:
        changes = done.result.session_changes
        flash(
            f"{board.name} saved."
            + (" Sessions changed: " + "; ".join(c.text for c in changes) + "." if changes else "")
        )
        return redirect(url_for("boards.board_list"))
    return render_board(db.session.get(Board, board_id), done.refusal, form=typed_board())


def render_board(
    board: Board,
    refusal: Refusal | None = None,
    form: dict | None = None,
    status: int | None = None,
    **extra,
):
    """The board's edit page; other domains add their part (its calendar links)."""
    stale = bool(refusal and refusal.stale)
    context = {"message": "", "new_link": None, "link_errors": {}}
    context |= contributed_context("boards/page", board=board) | extra
    return render_template(
        "boards/form.html",
        board=board,
        form=form or board_values(board),
        errors=refusal.errors if refusal and not stale else {},
        stale=stale,
        stale_message=STALE_MESSAGE,
        confirm_session_changes=bool(refusal and refusal.status == 409),
        current=board_values(board) if stale else None,
        **vocabularies(),
        **context,
    ), status or (refusal.status if refusal else 200)
