"""CSRF on every cookie-authenticated write, and defensive response headers."""

from flask import Flask, request
from flask_login import current_user

from board.database import SAFE_METHODS
from board.extensions import csrf


def register_security(app: Flask) -> None:
    """Check CSRF for browser writes; bearer-token calls carry no ambient credentials."""
    csrf.init_app(app)

    @app.before_request
    def check_csrf() -> None:
        if request.method in SAFE_METHODS:
            return
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return
        # An API call with no login at all has no ambient credentials to abuse: let the
        # role check answer it with 401 rather than a CSRF error.
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return
        csrf.protect()

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response
