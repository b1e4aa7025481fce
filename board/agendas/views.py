"""The logged-in agenda page that calendar events link to."""

from flask import Blueprint, render_template

from board.accounts.permissions import EVERYONE, can_see_patient_data, require_roles
from board.agendas.services import list_agenda
from board.extensions import db
from board.sessions.models import BoardSession
from board.sessions.services import expected_attendees

blueprint = Blueprint("agendas", __name__)


@blueprint.route("/sessions/<int:session_id>/agenda")
@require_roles(*EVERYONE)
def session_agenda(session_id: int):
    """One session's agenda, with patient details only for coordinators and admins."""
    session = db.get_or_404(BoardSession, session_id)
    items = list_agenda(session)
    return render_template(
        "agendas/session.html",
        session=session,
        items=items,
        used=sum(item.minutes for item in items),
        attendees=expected_attendees(session),
        show_patient=can_see_patient_data(),
    )
