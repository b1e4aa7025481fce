"""The page blueprints of every domain, plus the two routes that belong to none."""

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory

from board.agendas.views import blueprint as agendas
from board.boards.views import blueprint as boards
from board.cases.views import blueprint as cases
from board.common.templating import register_template_filters
from board.dashboard.views import blueprint as dashboard
from board.extensions import db
from board.feeds.views import blueprint as feeds
from board.meetings.views import blueprint as meetings
from board.notifications.views import blueprint as notifications
from board.planning.views import blueprint as planning
from board.specialists.views import blueprint as specialists

blueprint = Blueprint("pages", __name__)

# Front-end packages installed from npm by the Makefile, never committed to the repo.
VENDOR_PACKAGES = frozenset({"swagger-ui-dist", "htmx.org", "sortablejs"})


@blueprint.route("/healthz")
def health():
    """Liveness for load balancers; says nothing about data."""
    db.session.execute(db.select(1))
    return {"status": "ok"}


@blueprint.route("/static/vendor/<package>/<path:filename>")
def vendor_asset(package: str, filename: str):
    """Serve a file of an allowed npm package."""
    if package not in VENDOR_PACKAGES:
        abort(404)
    return send_from_directory(
        Path(current_app.root_path).parent / "node_modules" / package, filename
    )


def register_pages(app: Flask) -> None:
    """Register every domain's pages and the template filters they use."""
    for page_blueprint in (
        blueprint,
        dashboard,
        cases,
        boards,
        specialists,
        agendas,
        meetings,
        planning,
        feeds,
        notifications,
    ):
        app.register_blueprint(page_blueprint)
    register_template_filters(app)
