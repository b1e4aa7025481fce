"""The coordinator's dashboard and a specialist's home: what `/` shows to each."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func

from board.accounts.permissions import is_staff
from board.agendas.services import OPEN_SESSION_STATUSES
from board.cases.models import Case
from board.common.time import utcnow
from board.dashboard.services import (
    overdue_records,
    pending_notices,
    unplaced_queue,
    upcoming_by_board,
)
from board.extensions import db
from board.planning.lateness import list_late_cases
from board.planning.services import list_runs
from board.sessions.services import expected_attendees, list_sessions
from board.specialists.models import Specialist

blueprint = Blueprint("dashboard", __name__)


@blueprint.route("/")
@login_required
def home():
    """Coordinators land on the dashboard; specialists on their upcoming sessions."""
    if not is_staff():
        return specialist_home()
    counts = dict(
        db.session.execute(db.select(Case.status, func.count()).group_by(Case.status)).all()
    )
    runs = list_runs(limit=1)
    return render_template(
        "dashboard/index.html",
        counts=counts,
        boards=upcoming_by_board(),
        queue=unplaced_queue(),
        late=list_late_cases(),
        overdue=overdue_records(),
        notices=pending_notices(),
        last_run=runs[0] if runs else None,
    )


def specialist_home():
    """The sessions of the specialist's boards still to come, and whether they are expected."""
    specialist_id = current_user.specialist_id
    person = db.session.get(Specialist, specialist_id) if specialist_id is not None else None
    board_ids = set(person.board_ids) if person else set()
    sessions = [
        session
        for session in list_sessions(starts_from=utcnow())
        if session.board_id in board_ids and session.status in OPEN_SESSION_STATUSES
    ][:20]
    expected = {
        session.id: any(member.id == specialist_id for member in expected_attendees(session))
        for session in sessions
    }
    return render_template("dashboard/specialist_home.html", sessions=sessions, expected=expected)
