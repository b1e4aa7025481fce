"""The browser pages that are not part of a domain package yet."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, render_template, send_from_directory
from flask_login import login_required
from sqlalchemy import func

from board.cases.models import Case
from board.common.models import utcnow
from board.extensions import db
from board.sessions.models import BoardSession

blueprint = Blueprint("pages", __name__)


@blueprint.route("/")
@login_required
def home():
    """The landing page: counts and links into the service."""
    counts = dict(
        db.session.execute(db.select(Case.status, func.count()).group_by(Case.status)).all()
    )
    upcoming = db.session.scalars(
        db.select(BoardSession)
        .where(BoardSession.starts_at >= utcnow())
        .order_by(BoardSession.starts_at)
        .limit(10)
    ).all()
    return render_template("home.html", counts=counts, upcoming=upcoming)


@blueprint.route("/healthz")
def health():
    """Liveness for load balancers; says nothing about data."""
    db.session.execute(db.select(1))
    return {"status": "ok"}


# Front-end packages installed from npm by the Makefile, never committed to the repo.
VENDOR_PACKAGES = frozenset({"swagger-ui-dist", "htmx.org", "sortablejs"})


@blueprint.route("/static/vendor/<package>/<path:filename>")
def vendor_asset(package: str, filename: str):
    """Serve a file of an allowed npm package."""
    if package not in VENDOR_PACKAGES:
        abort(404)
    return send_from_directory(
        Path(current_app.root_path).parent / "node_modules" / package, filename
    )


def board_time(instant: datetime, time_zone: str, pattern: str = "%a %d %b %Y %H:%M") -> str:
    """Show a UTC instant in a board's own time zone."""
    return instant.astimezone(ZoneInfo(time_zone)).strftime(pattern)


def register_pages(app: Flask) -> None:
    """Register the general pages and the template filters they use."""
    from board.agendas.views import blueprint as agendas
    from board.feeds.views import blueprint as feeds

    app.register_blueprint(blueprint)
    app.register_blueprint(agendas)
    app.register_blueprint(feeds)
    app.add_template_filter(board_time)
