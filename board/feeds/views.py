"""`/feeds/<token>.ics` for calendar clients, and the attendance page behind the same token."""

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SubmitField

from board.common.models import utcnow
from board.extensions import db
from board.feeds import services
from board.feeds.calendar import FeedHeader, render_calendar
from board.feeds.models import FeedToken
from board.schedule.models import AttendanceAnswer, SessionAttendance
from board.sessions.models import BoardSession, SessionStatus

blueprint = Blueprint("feeds", __name__)
CALENDAR_TYPE = "text/calendar; charset=utf-8"

limiter = services.MissLimiter(limit=20, window_seconds=300)
# Per worker: rendered bodies by ETag and host; a feed's (ETag, Last-Modified) by change marker.
rendered = services.LruCache(size=256)
validators = services.LruCache(size=4096)


def not_found() -> Response:
    """The same answer for unknown and revoked tokens: it reveals nothing."""
    limiter.record_miss(request.remote_addr or "?")
    return Response("Not found\n", status=404, mimetype="text/plain")


def too_many() -> Response:
    response = Response("Too many requests\n", status=429, mimetype="text/plain")
    response.headers["Retry-After"] = str(int(limiter.window))
    return response


def feed_header(token) -> FeedHeader:
    domain = current_app.config["BOARD_DOMAIN"]
    if token.specialist_id is not None:
        return FeedHeader(
            uid=f"specialist-{token.specialist_id}-feed@{domain}",
            name=f"Tumor boards · {token.specialist.name}",
            description="The tumor board sessions you are expected at, with their agendas.",
        )
    return FeedHeader(
        uid=f"board-{token.board_id}-feed@{domain}",
        name=token.board.name,
        description=f"Every session of the {token.board.name}, with its agenda.",
    )


@blueprint.route("/feeds/<secret>.ics", methods=["GET", "HEAD"])
def calendar_feed(secret: str):
    """A specialist's or a board's calendar; the token in the URL is the credential."""
    if limiter.blocked(request.remote_addr or "?"):
        return too_many()
    now = utcnow()
    link = services.resolve_feed_link(secret, now)
    if link is None:
        return not_found()
    services.record_fetch(link, now)
    remembered = validators.get(link.marker)
    if remembered is None:
        entries = services.feed_entries(link, now)
        etag = services.feed_validator(link, entries, now)
        modified = services.last_modified(link, entries).replace(microsecond=0)
        if unchanged_since(link, secret, now):
            validators.put(link.marker, (etag, modified))
    else:
        etag, modified = remembered
    if not_modified(etag, modified):
        return feed_response(b"", etag, modified, status=304)
    body = rendered.get(f"{etag}|{request.host}")
    if body is None:
        body, etag, modified = render_checked(link, secret, now)
    return feed_response(body, etag, modified)


def unchanged_since(link: services.FeedLink, secret: str, now) -> bool:
    """True if nothing a feed shows changed since `link` was read.

    Each query may see a later commit on PostgreSQL, so validators and bodies are kept only
    when the change marker read afterwards is still the same (it grows with every change).
    """
    current = services.resolve_feed_link(secret, now)
    return current is not None and current.marker == link.marker


def feed_response(body: bytes, etag: str | None, modified, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/calendar")
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Cache-Control"] = "private, no-cache"
    if etag is not None:
        response.set_etag(etag)
        response.last_modified = modified
    return response


def not_modified(etag: str, modified) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since counts only without it."""
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    return since is not None and modified <= since


def render_checked(link: services.FeedLink, secret: str, now, attempts: int = 3):
    """Render the feed with the validators of exactly the state it shows, and keep it."""
    for _ in range(attempts):
        entries = services.feed_entries(link, now)
        etag = services.feed_validator(link, entries, now)
        modified = services.last_modified(link, entries).replace(microsecond=0)
        body = render_feed(link, secret, entries)
        if unchanged_since(link, secret, now):
            rendered.put(f"{etag}|{request.host}", body)
            validators.put(link.marker, (etag, modified))
            return body, etag, modified
        link = services.resolve_feed_link(secret, now) or link
    # Still changing under us: send the latest rendering without claiming a validator.
    return body, None, None


def render_feed(link: services.FeedLink, secret: str, entries) -> bytes:
    """Render the feed; attendance links only on a personal feed."""
    token = db.session.get(FeedToken, link.token_id)
    sessions = services.load_feed_sessions(entries)
    attendance = None
    if link.specialist_id is not None:
        # Day granularity, like the validators: the bytes change only when the ETag does.
        start_of_today = services.feed_window(utcnow())[0] + services.WINDOW_BACK

        def attendance(session: BoardSession) -> str | None:
            if session.starts_at < start_of_today or session.status == SessionStatus.CANCELLED:
                return None
            return url_for("feeds.attendance", secret=secret, session_id=session.id, _external=True)

    return render_calendar(
        feed_header(token),
        sessions,
        services.agendas_for(sessions),
        current_app.config["BOARD_DOMAIN"],
        agenda_url=lambda s: url_for("agendas.session_agenda", session_id=s.id, _external=True),
        attendance_url=attendance,
    )


class AttendanceForm(FlaskForm):
    confirm = SubmitField("I will attend")
    decline = SubmitField("I cannot attend")


@blueprint.route("/feeds/<secret>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(secret: str, session_id: int):
    """Confirm or decline one session; a GET only shows the page, the answer is a POST."""
    if limiter.blocked(request.remote_addr or "?"):
        return too_many()
    link = services.resolve_feed_link(secret, utcnow())
    session = db.session.get(BoardSession, session_id)
    if link is None or link.specialist_id is None or session is None:
        return not_found()
    token = db.session.get(FeedToken, link.token_id)
    if session.board_id not in token.specialist.board_ids:
        return not_found()
    form = AttendanceForm()
    answered = None
    if form.validate_on_submit():
        answer = AttendanceAnswer.DECLINED if form.decline.data else AttendanceAnswer.CONFIRMED
        services.answer_attendance(token, session, answer)
        db.session.commit()
        answered = answer
        if answer == AttendanceAnswer.DECLINED:
            replan_after_decline()
    elif request.method == "POST":
        abort(400, description="The form expired; reload the page and answer again.")
    current = db.session.scalar(
        db.select(SessionAttendance.answer).where(
            SessionAttendance.session_id == session.id,
            SessionAttendance.specialist_id == token.specialist_id,
        )
    )
    return render_template(
        "feeds/attendance.html",
        form=form,
        session=session,
        specialist=token.specialist,
        current=current,
        answered=answered,
    )


def replan_after_decline() -> None:
    """A decline can break a session's quorum: replan now rather than in 15 minutes."""
    from board.schedule.services import run_assignment

    try:
        run_assignment("attendance declined")
    except Exception:  # noqa: BLE001 - the answer is saved; the next scheduled run replans
        current_app.logger.exception("replanning after a decline failed")
