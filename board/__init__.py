"""The tumor-board scheduling service."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import board.models  # noqa: F401 - registers every table before queries or migrations
from board import accounts, api, audit, cli, database, errors, limits, logs, pages, security
from board.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask application: configuration, then one register step per concern."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    load_config(app, config)
    register_proxies(app)
    logs.register_logging(app)
    database.register_database(app)
    limits.register_limits(app)
    security.register_security(app)
    accounts.register_accounts(app)
    audit.register_audit(app)
    api.register_api(app)
    pages.register_pages(app)
    errors.register_error_pages(app)
    cli.register_commands(app)
    return app


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-* only from the configured number of proxies in front of the app.

    Behind the TLS proxy, the client's address (feed guessing limit, login throttling, the
    audit trail), the https scheme (HSTS, Secure cookies) and the host (calendar links)
    all come from its headers.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
