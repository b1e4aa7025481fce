"""`/api/v1/schedule/runs` and `/api/v1/cases/<id>/placement`."""

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.cases.models import Case
from board.common.http import json_response
from board.common.models import get_or_404
from board.extensions import db
from board.planning import services
from board.planning.models import ScheduleRun
from board.planning.schemas import (
    PlacementOut,
    RunOut,
    RunRequest,
    RunWithChangesOut,
    placement_out,
    run_with_changes_out,
    runs_out,
)

blueprint = Blueprint(
    "schedule_api", __name__, url_prefix="/api/v1", description="The scheduling engine"
)


@blueprint.route("/schedule/runs", methods=["GET"])
@require_roles(*STAFF)
@blueprint.response(200, RunOut(many=True))
def list_runs():
    """Recent engine runs, newest first: trigger, outcome and counts."""
    return json_response(runs_out.dump(services.list_runs()))


@blueprint.route("/schedule/runs/<int:run_id>", methods=["GET"])
@require_roles(*STAFF)
@blueprint.response(200, RunWithChangesOut)
def get_run(run_id: int):
    """One run with every change it proposed or applied."""
    return json_response(run_with_changes_out.dump(db.get_or_404(ScheduleRun, run_id)))


@blueprint.route("/schedule/runs", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(RunRequest)
@blueprint.response(201, RunWithChangesOut)
def request_run(data):
    """Run the engine now; a dry run (the default) only proposes the changes."""
    run = services.run_assignment("on demand", dry_run=data["dry_run"], user_id=current_user.id)
    location = url_for(".get_run", run_id=run.id)
    return json_response(run_with_changes_out.dump(run), 201, location=location)


@blueprint.route("/cases/<int:case_id>/placement", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, PlacementOut)
def get_placement(case_id: int):
    """Where the case is placed and why, or why it is not placed yet."""
    case = get_or_404(Case, case_id)
    return json_response(placement_out.dump(services.get_case_placement(case)))
