"""The page blueprints of every domain, plus the two routes that belong to none."""

import logging
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, abort, current_app, send_from_directory
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from board.agendas.views import blueprint as agendas
from board.boards.views import blueprint as boards
from board.cases.views import blueprint as cases
from board.common.templating import register_template_filters
from board.dashboard.views import blueprint as dashboard
from board.extensions import compress, db
from board.feeds.caching import compressed_cache_key, compressed_feeds
from board.feeds.views import blueprint as feeds
from board.meetings.views import blueprint as meetings
from board.notifications.views import blueprint as notifications
from board.planning.views import blueprint as planning
from board.specialists.views import blueprint as specialists

log = logging.getLogger(__name__)

blueprint = Blueprint("pages", __name__)

# Front-end packages installed from npm by the Makefile, never committed to the repo.
VENDOR_PACKAGES = frozenset({"swagger-ui-dist", "htmx.org", "sortablejs"})


@blueprint.route("/healthz")
def health():
    """Liveness: the process answers. It does not touch the database, so a database outage
    makes the proxy stop sending traffic (`/readyz`) rather than restart every node."""
    return {"status": "ok"}


@blueprint.route("/readyz")
def readiness():
    """Readiness for the proxy: the database answers and its schema is the one this code needs."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = (
                set(connection.scalars(text("SELECT version_num FROM alembic_version")))
                if inspect(connection).has_table("alembic_version")
                else set()
            )
    except SQLAlchemyError as error:
        log.warning("readiness check: the database does not answer (%s)", type(error).__name__)
        return not_ready("The database does not answer.", {})
    expected = set(migration_heads())
    if current != expected:
        return not_ready(
            "The database schema is not the one this version needs: run `flask db upgrade`.",
            {"schema": sorted(current), "expected": sorted(expected)},
        )
    return {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}


def not_ready(message: str, details: dict):
    """The error shape as JSON whatever the probe accepts, with 503."""
    return {"error": {"code": "not_ready", "message": message, "details": details}}, 503


@cache
def migration_heads() -> tuple[str, ...]:
    """The newest revision(s) in migrations/, read once per process."""
    directory = Path(current_app.root_path).parent / "migrations"
    return tuple(ScriptDirectory.from_config(alembic_config(directory)).get_heads())


def alembic_config(directory: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(directory))
    return config


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
    # Only routes decorated with compress.compressed() use it; each body is compressed once.
    app.config.setdefault("COMPRESS_CACHE_BACKEND", lambda: compressed_feeds)
    app.config.setdefault("COMPRESS_CACHE_KEY", compressed_cache_key)
    compress.init_app(app)
    register_template_filters(app)
