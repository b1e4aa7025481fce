"""The scheduler button, "find a session" on the case page, and the case page's placement."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from board.accounts.permissions import STAFF, require_roles
from board.cases.models import Case
from board.cases.views import render_case
from board.common.models import get_or_404
from board.common.signals import page_context
from board.extensions import db
from board.planning.services import get_case_placement, replan, run_assignment
from board.sessions.models import BoardSession

blueprint = Blueprint("planning", __name__)


@page_context.connect_via("cases/page")
def placement_on_case_page(_page, case: Case, **_) -> dict:
    """Where the case is placed and why, for its page."""
    return {"placement": get_case_placement(case)}


@blueprint.route("/cases/<int:case_id>/find-session", methods=["POST"])
@require_roles(*STAFF)
def find_session(case_id: int):
    """Ask the engine, without changing anything, where this case would go."""
    get_or_404(Case, case_id)
    run = run_assignment("find_session", dry_run=True, user_id=current_user.id)
    change = next((row for row in run.changes if row["case_id"] == case_id), None)
    proposal = {"run_id": run.id, "change": change, "session": None}
    if change and change.get("to_session_id"):
        proposal["session"] = db.session.get(BoardSession, change["to_session_id"])
    return render_case(db.session.get(Case, case_id), proposal=proposal)


@blueprint.route("/schedule/run", methods=["POST"])
@require_roles(*STAFF)
def run_scheduler():
    """Run the engine now and apply its plan."""
    run = replan("coordinator", user_id=current_user.id)
    if run is None:
        flash("The scheduler failed; the run is recorded and nothing was changed.")
    else:
        flash(
            f"Scheduler run {run.id}: {run.placed_count} placed, {run.moved_count} moved, "
            f"{run.removed_count} removed, {run.unplaced_count} left unplaced."
        )
    return redirect(url_for("dashboard.home"))
