"""Feed links of specialists and boards, and one session as an .ics download."""

from flask import Response, abort, current_app, url_for
from flask_login import current_user

from board.accounts.permissions import EVERYONE, is_staff, require_roles
from board.boards.models import Board
from board.common.http import Blueprint, ShownOnce
from board.common.models import get_or_404
from board.extensions import db
from board.feeds import services
from board.feeds.calendar import Personal, render_calendar
from board.feeds.schemas import CreatedFeedTokenOut, FeedTokenIn, FeedTokenOut
from board.feeds.views import CALENDAR_TYPE, feed_urls, public_url
from board.sessions.models import BoardSession, SessionAttendance
from board.specialists.models import Specialist

blueprint = Blueprint(
    "feeds_api", __name__, url_prefix="/api/v1", description="Calendar feed links"
)
OWNERS = "<any(specialists, boards):owner_kind>/<int:owner_id>"


def owner_ids(owner_kind: str, owner_id: int) -> tuple[int | None, int | None]:
    """(specialist_id, board_id) after checking the caller may manage these links."""
    if owner_kind == "specialists":
        get_or_404(Specialist, owner_id)
        if not is_staff() and current_user.specialist_id != owner_id:
            abort(403, description="You may only manage your own calendar links.")
        return owner_id, None
    get_or_404(Board, owner_id)
    if not is_staff():
        abort(403, description="Only coordinators manage board calendar links.")
    return None, owner_id


def created(token, secret: str, owner_kind: str, owner_id: int):
    """The new link with its secret URLs, shown this once, and where the links are listed."""
    owner = token.specialist.name if token.specialist_id else token.board.name
    name = f"Tumor boards · {owner}" if token.specialist_id else owner
    shown = ShownOnce(token, **feed_urls(secret, name))
    location = url_for(".list_feed_tokens", owner_kind=owner_kind, owner_id=owner_id)
    return shown, {"Location": location}


@blueprint.route(f"/{OWNERS}/feed-tokens", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, FeedTokenOut(many=True))
def list_feed_tokens(owner_kind: str, owner_id: int):
    """The calendar links, with when each was last fetched (secrets are never shown again)."""
    specialist_id, board_id = owner_ids(owner_kind, owner_id)
    return services.list_feed_tokens(specialist_id, board_id)


@blueprint.route(f"/{OWNERS}/feed-tokens", methods=["POST"])
@require_roles(*EVERYONE)
@blueprint.arguments(FeedTokenIn)
@blueprint.response(201, CreatedFeedTokenOut)
def create_feed_token(data, owner_kind: str, owner_id: int):
    """A new calendar link (one per device); the answer is the only time it is shown."""
    specialist_id, board_id = owner_ids(owner_kind, owner_id)
    token, secret = services.issue_feed_token(
        specialist_id, board_id, data["label"], current_user.id
    )
    db.session.commit()
    return created(token, secret, owner_kind, owner_id)


@blueprint.route(f"/{OWNERS}/feed-tokens/<int:token_id>", methods=["DELETE"])
@require_roles(*EVERYONE)
@blueprint.response(204)
def revoke_feed_token(owner_kind: str, owner_id: int, token_id: int):
    """Revoke a calendar link; the next fetch gets 404."""
    specialist_id, board_id = owner_ids(owner_kind, owner_id)
    services.revoke_feed_token(services.get_feed_token(token_id, specialist_id, board_id))
    db.session.commit()
    return "", 204


@blueprint.route(f"/{OWNERS}/feed-tokens/<int:token_id>/rotate", methods=["POST"])
@require_roles(*EVERYONE)
@blueprint.response(201, CreatedFeedTokenOut)
def rotate_feed_token(owner_kind: str, owner_id: int, token_id: int):
    """Replace a calendar link with a new one; the old one stops at once."""
    specialist_id, board_id = owner_ids(owner_kind, owner_id)
    old = services.get_feed_token(token_id, specialist_id, board_id)
    token, secret = services.rotate_feed_token(old, current_user.id)
    db.session.commit()
    return created(token, secret, owner_kind, owner_id)


@blueprint.route("/sessions/<int:session_id>/ics", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, content_type="text/calendar")
def session_ics(session_id: int):
    """One session as a one-off .ics download."""
    session = get_or_404(BoardSession, session_id)
    specialist = current_user.specialist if current_user.specialist_id else None
    personal = None
    if specialist is not None and session.board_id in specialist.board_ids:
        answer = db.session.scalar(
            db.select(SessionAttendance.answer).where(
                SessionAttendance.session_id == session.id,
                SessionAttendance.specialist_id == specialist.id,
            )
        )
        personal = Personal(
            answers={session.id: answer} if answer else {},
            reminder_minutes=specialist.reminder_minutes,
            attendance_url=lambda _session: None,
        )
    body = render_calendar(
        None,  # a one-off import: no calendar name, colour or refresh interval
        [session],
        services.agendas_for([session]),
        current_app.config["BOARD_DOMAIN"],
        agenda_url=lambda s: public_url("agendas.session_agenda", session_id=s.id),
        personal=personal,
    )
    response = Response(body, headers={"Content-Type": CALENDAR_TYPE})
    response.headers["Content-Disposition"] = f'attachment; filename="session-{session.id}.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
