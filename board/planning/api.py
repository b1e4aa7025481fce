"""`/api/v1/schedule/runs` and `/api/v1/cases/<id>/placement`."""

from flask import url_for
from flask_login import current_user

from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.cases.models import Case
from board.common.http import Blueprint
from board.common.models import get_or_404
from board.extensions import db
from board.planning import services
from board.planning.models import ScheduleRun
from board.planning.schemas import PlacementOut, RunOut, RunRequest, RunWithChangesOut

blueprint = Blueprint(
    "schedule_api", __name__, url_prefix="/api/v1", description="The scheduling engine"
)


@blueprint.route("/schedule/runs", methods=["GET"])
@require_roles(*STAFF)
@blueprint.response(200, RunOut(many=True))
def list_runs():
    """Recent engine runs, newest first: trigger, outcome and counts."""
    return services.list_runs()


@blueprint.route("/schedule/runs/<int:run_id>", methods=["GET"])
@require_roles(*STAFF)
@blueprint.response(200, RunWithChangesOut)
def get_run(run_id: int):
    """One run with every change it proposed or applied."""
    return db.get_or_404(ScheduleRun, run_id)


@blueprint.route("/schedule/runs", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(RunRequest)
@blueprint.response(201, RunWithChangesOut)
def request_run(data):
    """Run the engine now; a dry run (the default) only proposes the changes."""
    run = services.run_assignment("on demand", dry_run=data["dry_run"], user_id=current_user.id)
    return run, {"Location": url_for(".get_run", run_id=run.id)}


@blueprint.route("/cases/<int:case_id>/placement", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, PlacementOut)
def get_placement(case_id: int):
    """Where the case is placed and why, or why it is not placed yet."""
    return services.get_case_placement(get_or_404(Case, case_id))
