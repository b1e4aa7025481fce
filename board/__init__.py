"""The tumor-board scheduling service."""

from flask import Flask

import board.models  # noqa: F401 - registers every table before queries or migrations
from board import accounts, api, audit, cli, database, errors, logs, pages, security
from board.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask application: configuration, then one register step per concern."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    load_config(app, config)
    logs.register_logging(app)
    database.register_database(app)
    security.register_security(app)
    accounts.register_accounts(app)
    audit.register_audit(app)
    api.register_api(app)
    pages.register_pages(app)
    errors.register_error_pages(app)
    cli.register_commands(app)
    return app
