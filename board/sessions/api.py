"""`/api/v1/sessions`."""

from flask import url_for

from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.common.http import Blueprint, check_if_match, with_etag
from board.common.models import get_or_404
from board.extensions import db
from board.sessions import services
from board.sessions.models import BoardSession
from board.sessions.schemas import SessionFilters, SessionIn, SessionOut, SessionPatch

blueprint = Blueprint(
    "sessions_api", __name__, url_prefix="/api/v1/sessions", description="Board sessions"
)


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.arguments(SessionFilters, location="query")
@blueprint.response(200, SessionOut(many=True))
def list_sessions(filters):
    """List sessions starting in a window (`from`, `to`), optionally of one board."""
    services.check_window(filters.get("from_"), filters.get("to"))
    return services.list_sessions(
        starts_from=filters.get("from_"),
        starts_to=filters.get("to"),
        board_id=filters.get("board"),
        status=filters.get("status"),
    )


@blueprint.route("", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(SessionIn)
@blueprint.response(201, SessionOut)
def create_session(data):
    """Add an ad-hoc session of a board."""
    session = services.create_ad_hoc_session(data)
    db.session.commit()
    return with_etag(session, location=url_for(".get_session", session_id=session.id))


@blueprint.route("/<int:session_id>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, SessionOut)
def get_session(session_id: int):
    """Show one session."""
    return with_etag(get_or_404(BoardSession, session_id))


@blueprint.route("/<int:session_id>", methods=["PATCH"])
@require_roles(*STAFF)
@blueprint.arguments(SessionPatch)
@blueprint.response(200, SessionOut)
def update_session(data, session_id: int):
    """Move, cancel or change a session; send the ETag you read as If-Match."""
    session = get_or_404(BoardSession, session_id)
    check_if_match(session)
    services.update_session(session, data)
    db.session.commit()
    return with_etag(session)
