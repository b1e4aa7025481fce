"""The browser pages that are not part of a domain package yet."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, send_from_directory
from flask_login import login_required

from board.extensions import db

blueprint = Blueprint("pages", __name__)


@blueprint.route("/")
@login_required
def home():
    """Coordinators land on the dashboard; specialists on their upcoming sessions."""
    from board.ui.dashboard import render_home

    return render_home()


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


def enum_options(members) -> list[tuple[str, str]]:
    """(value, readable label) pairs for a select of enum members."""
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in members]


def pairs(rows, key: str, label: str) -> list[tuple]:
    """(value, label) pairs for a select or checkbox group of rows."""
    return [(getattr(row, key), getattr(row, label)) for row in rows]


def register_pages(app: Flask) -> None:
    """Register the general pages and the template filters they use."""
    from board.agendas.views import blueprint as agendas
    from board.feeds.views import blueprint as feeds
    from board.meetings.views import blueprint as meetings
    from board.ui.views import blueprint as workspace

    app.register_blueprint(blueprint)
    app.register_blueprint(agendas)
    app.register_blueprint(feeds)
    app.register_blueprint(meetings)
    app.register_blueprint(workspace)
    app.add_template_filter(board_time)
    app.add_template_filter(enum_options)
    app.add_template_filter(pairs)
