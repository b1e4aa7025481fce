"""`/feeds/<token>.ics` for calendar clients, the attendance page behind the same token, and
the pages' calendar links (issue, rotate, revoke) for specialists and boards."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SubmitField

from board.accounts.permissions import EVERYONE, is_staff, require_roles
from board.agendas.deadlines import cutoff_for
from board.boards.models import Board
from board.boards.views import render_board
from board.common.errors import field_error
from board.common.forms import perform
from board.common.models import get_or_404
from board.common.signals import page_context
from board.common.time import utcnow
from board.extensions import compress, db
from board.feeds import services
from board.feeds.caching import feed_validators as validators
from board.feeds.caching import rendered_feeds as rendered
from board.feeds.calendar import FeedHeader, Personal, render_calendar
from board.feeds.models import FeedToken
from board.planning.services import replan
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.specialists.models import Specialist
from board.specialists.views import load_specialist, render_specialist

blueprint = Blueprint("feeds", __name__)
CALENDAR_TYPE = "text/calendar; charset=utf-8"
# Sessions that happened or will not happen: nobody is asked whether they attend.
CLOSED_STATUSES = (SessionStatus.HELD, SessionStatus.CANCELLED)


def unknown_token() -> Response:
    """404 for a token that never existed; 429 once this client has guessed too often.

    Only unknown tokens are counted or limited: a token that resolves is always answered,
    however many stale links the same address (a proxy, Google's fetchers) also polls.
    """
    now, address = utcnow(), request.remote_addr or "?"
    if services.is_guessing(address, now):
        response = Response("Too many requests\n", status=429, mimetype="text/plain")
        response.headers["Retry-After"] = str(current_app.config["FEED_MISS_BUCKET_SECONDS"])
        return response
    services.record_unknown_token(address, now)
    return Response("Not found\n", status=404, mimetype="text/plain")


def gone() -> Response:
    """A revoked link (or its owner left): 410 tells a calendar client to stop polling."""
    return Response("This calendar link no longer works.\n", status=410, mimetype="text/plain")


def public_url(endpoint: str, **values) -> str:
    """An absolute link: the configured public base URL, else the request's scheme and host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def session_url_maker(endpoint: str, **values) -> Callable[[int], str]:
    """`public_url(endpoint, session_id=…, **values)` for many sessions, routed once."""
    marker = 987654321987
    template = public_url(endpoint, session_id=marker, **values)
    before, after = template.split(str(marker), 1)
    return lambda session_id: f"{before}{session_id}{after}"


def public_base() -> str:
    """The scheme and host that links in a body are built with (bodies differ by it)."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


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
        color="teal",
    )


@blueprint.route("/feeds/<secret>.ics", methods=["GET", "HEAD"])
@compress.compressed()
def calendar_feed(secret: str):
    """A specialist's or a board's calendar; the token in the URL is the credential."""
    now = utcnow()
    link = services.resolve_feed_link(secret, now)
    if link is None:
        return unknown_token()
    if not link.alive:
        return gone()
    services.record_fetch(link, now)
    key = (link.marker, public_base())
    remembered = validators.get(key)
    if remembered is not None:
        etag, modified = remembered
        matched = not_modified(etag, modified)
        if matched:
            return feed_response(b"", matched, modified, status=304)
        body = rendered.get(etag)
    if remembered is None or body is None:
        body, etag, modified = render_checked(link, secret, now, key)
        matched = not_modified(etag, modified)
        if matched:
            return feed_response(b"", matched, modified, status=304)
    g.compressed_cache_key = etag  # Flask-Compress keeps each encoding of these bytes once
    return feed_response(body, etag, modified)


def unchanged_since(link: services.FeedLink, secret: str, now) -> bool:
    """True if nothing a feed shows changed since `link` was read.

    Each query may see a later commit on PostgreSQL, so validators are kept only when the
    change marker read afterwards is still the same (it grows with every change).
    """
    current = services.resolve_feed_link(secret, now)
    return current is not None and current.marker == link.marker


def feed_response(body: bytes, etag: str, modified, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/calendar")
    response.headers["Content-Type"] = CALENDAR_TYPE
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(etag)
    if modified is not None:
        # Compared rounded up (see services.rounded_up), but never claimed in the future.
        response.last_modified = min(modified, utcnow().replace(microsecond=0))
    return response


def not_modified(etag: str, modified) -> str | None:
    """The client's matching ETag if it holds this body, else None.

    RFC 9110: If-None-Match wins; If-Modified-Since counts only without it. A compressed
    response's ETag is ours with the encoding appended (`…:gzip`), so that form matches too:
    each encoding keeps its own validator and never matches another body.
    """
    if request.if_none_match:
        for tag in (etag, *(f"{etag}:{name}" for name in compress.enabled_algorithms)):
            if request.if_none_match.contains(tag):
                return tag
        return None
    since = request.if_modified_since
    if modified is not None and since is not None and modified <= since:
        return etag
    return None


def render_checked(link: services.FeedLink, secret: str, now, key, attempts: int = 3):
    """Render the feed and keep it with its validators, unless it changed meanwhile."""
    for _ in range(attempts):
        entries = services.feed_entries(link, now)
        modified = services.last_modified(link, now)
        body = render_feed(link, secret, entries, now)
        etag = services.feed_etag(body)
        rendered.put(etag, body)
        if unchanged_since(link, secret, now):
            validators.put(key, (etag, modified))
            return body, etag, modified
        link = services.resolve_feed_link(secret, now) or link
    # Still changing under us: the ETag is the body's own, but claim no modification time.
    return body, etag, None


def render_feed(link: services.FeedLink, secret: str, entries, now) -> bytes:
    """Render the feed; answers, reminders and attendance links only on a personal feed."""
    token = db.session.get(FeedToken, link.token_id)
    shown_ids = services.window_session_ids(link, now)
    sessions = services.load_feed_sessions(entries, shown_ids)
    personal = None
    if link.specialist_id is not None:
        # Day granularity, like the window: the bytes change only when the marker does.
        start_of_today = services.feed_window(now)[0] + services.WINDOW_BACK
        attendance_url = session_url_maker("feeds.attendance", secret=secret)

        def attendance(session: BoardSession) -> str | None:
            if session.starts_at < start_of_today or session.status in CLOSED_STATUSES:
                return None
            return attendance_url(session.id)

    agendas = services.agendas_for(sessions, shown_ids)
    if link.specialist_id is not None:
        specialist = token.specialist
        personal = Personal(
            answers={entry.session_id: entry.answer for entry in entries if entry.answer},
            reminder_minutes=specialist.reminder_minutes,
            attendance_url=attendance,
            specialist_id=specialist.id,
            presenter_name=specialist.name,
            specialty_code=specialist.specialty_code,
            records=services.records_checklists(shown_ids),
            records_due=cutoff_for,
        )

    agenda_url = session_url_maker("agendas.session_agenda")
    return render_calendar(
        feed_header(token),
        sessions,
        agendas,
        current_app.config["BOARD_DOMAIN"],
        agenda_url=lambda session: agenda_url(session.id),
        personal=personal,
    )


class AttendanceForm(FlaskForm):
    confirm = SubmitField("I will attend")
    decline = SubmitField("I cannot attend")


@blueprint.route("/feeds/<secret>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(secret: str, session_id: int):
    """Confirm or decline one session; a GET only shows the page, the answer is a POST."""
    link = services.resolve_feed_link(secret, utcnow())
    if link is None:
        return unknown_token()
    if not link.alive:
        return gone()
    session = db.session.get(BoardSession, session_id)
    token = db.session.get(FeedToken, link.token_id)
    if session is None or link.specialist_id is None:
        abort(404)
    if session.board_id not in token.specialist.board_ids:
        abort(404)
    form = AttendanceForm()
    answered, refusal = None, None
    open_for_answers = services.is_answerable(session, utcnow())
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="The form expired; reload the page and answer again.")
        answer = AttendanceAnswer.DECLINED if form.decline.data else AttendanceAnswer.CONFIRMED
        refusal = perform(lambda: services.answer_attendance(token, session, answer)).refusal
        if refusal is None:
            answered = answer
        if answered == AttendanceAnswer.DECLINED:
            # A decline can break a session's quorum: replan now rather than in 15 minutes.
            replan("attendance declined")
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
        open_for_answers=open_for_answers,
        message=refusal.message if refusal else "",
    ), (refusal.status if refusal else 200)


# --- Calendar links, managed on the specialist's and the board's pages ----------------------


@page_context.connect_via("specialists/page")
def links_on_specialist_page(_page, specialist, **_) -> dict:
    """The specialist's calendar links, for their page."""
    return {"tokens": services.list_feed_tokens(specialist_id=specialist.id)}


@page_context.connect_via("boards/page")
def links_on_board_page(_page, board, **_) -> dict:
    """The board's calendar links, for its page."""
    return {"tokens": services.list_feed_tokens(board_id=board.id)}


def feed_urls(secret: str, name: str) -> dict:
    """Every way to subscribe: the plain link (the scheme this server is reached by, or the
    configured public base URL), webcal://, and Google's and Outlook's "add by URL" pages."""
    url = public_url("feeds.calendar_feed", secret=secret)
    webcal = "webcal://" + url.split("://", 1)[1]
    return {
        "url": url,
        "webcal_url": webcal,
        "google_url": "https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal}),
        "outlook_url": "https://outlook.office.com/calendar/0/addfromweb?"
        + urlencode({"url": url, "name": name}),
    }


def typed_label() -> str:
    """The label typed for a new calendar link."""
    label = request.form.get("label", "").strip()
    if len(label) > 120:
        raise field_error("label", "At most 120 characters.")
    return label


def change_link(action, owner: "LinkOwner", done: str):
    """Run one change to calendar links; a new link's address is shown this once."""
    performed = perform(action)
    if performed.refusal:
        refusal = performed.refusal
        message = "Nothing was saved." if refusal.status == 422 else refusal.message
        return owner.render(refusal, message=message)
    if isinstance(performed.result, tuple):  # a new link: its secret is shown this once
        token, secret = performed.result
        new_link = {"token": token, **feed_urls(secret, owner.calendar_name)}
        return owner.render(None, status=201, message=done, new_link=new_link)
    flash(done)
    return redirect(owner.page_url)


@dataclass(frozen=True)
class LinkOwner:
    """Whose calendar links a page manages, and how to answer on that page."""

    specialist_id: int | None
    board_id: int | None
    page_url: str
    render: Callable
    calendar_name: str


def link_owner(owner_kind: str, owner_id: int) -> LinkOwner:
    """The specialist or board whose links change, once the user may manage them."""
    if owner_kind == "specialists":
        load_specialist(owner_id)  # 403 unless staff or the specialist themself

        def render_page(refusal, **context):
            return render_specialist(db.session.get(Specialist, owner_id), refusal, **context)

        page_url = url_for("specialists.specialist_page", specialist_id=owner_id)
        name = "Tumor boards · " + db.session.get(Specialist, owner_id).name
        return LinkOwner(owner_id, None, page_url + "#feeds", render_page, name)
    board = get_or_404(Board, owner_id)
    if not is_staff():
        abort(403, description="Only coordinators manage board calendar links.")

    def render_board_page(refusal, status=None, **context):
        errors = refusal.errors if refusal and refusal.status == 422 else {}
        status = status or (refusal.status if refusal else None)
        fresh = db.session.get(Board, owner_id)
        return render_board(fresh, None, status=status, link_errors=errors, **context)

    page_url = url_for("boards.board_edit", board_id=owner_id)
    return LinkOwner(None, owner_id, page_url + "#feeds", render_board_page, board.name)


LINKS = "/<any(specialists, boards):owner_kind>/<int:owner_id>/feeds"
NEW_LINK = "New calendar link created. Copy it now: it is shown only once."


@blueprint.route(LINKS, methods=["POST"])
@require_roles(*EVERYONE)
def link_issue(owner_kind: str, owner_id: int):
    """Create a calendar link; its address is shown once."""
    owner = link_owner(owner_kind, owner_id)

    def issue():
        return services.issue_feed_token(
            owner.specialist_id, owner.board_id, label=typed_label(), user_id=current_user.id
        )

    return change_link(issue, owner, NEW_LINK)


@blueprint.route(LINKS + "/<int:token_id>/rotate", methods=["POST"])
@require_roles(*EVERYONE)
def link_rotate(owner_kind: str, owner_id: int, token_id: int):
    """Replace a link: the old one stops at once."""
    owner = link_owner(owner_kind, owner_id)

    def rotate():
        token = services.get_feed_token(token_id, owner.specialist_id, owner.board_id)
        return services.rotate_feed_token(token, current_user.id)

    return change_link(
        rotate, owner, "Link replaced; the old one no longer works. Copy the new one now."
    )


@blueprint.route(LINKS + "/<int:token_id>/revoke", methods=["POST"])
@require_roles(*EVERYONE)
def link_revoke(owner_kind: str, owner_id: int, token_id: int):
    """Stop a link at once."""
    owner = link_owner(owner_kind, owner_id)

    def revoke():
        token = services.get_feed_token(token_id, owner.specialist_id, owner.board_id)
        services.revoke_feed_token(token)

    return change_link(revoke, owner, "Link revoked.")
