"""Accounts: users, roles, login and integration tokens."""

from flask import Flask, g, redirect, request, session, url_for

from board.accounts import services, views
from board.accounts.models import ApiToken, User
from board.accounts.services import get_user_for_token
from board.database import write_after_response
from board.errors import error_response
from board.extensions import login_manager


def register_accounts(app: Flask) -> None:
    """Flask-Login for browsers, bearer tokens for integrations, the login pages."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "strong"
    app.register_blueprint(views.blueprint)

    # An API request that presents a token is judged by the token alone, never the cookie.
    login_manager.claims_request = lambda _request: is_api_request() and bearer_token() is not None

    @app.before_request
    def refuse_tokens_on_pages():
        if bearer_token() is not None and not is_api_request():
            return error_response(
                401, "unauthorized", "API tokens are accepted only under /api/; log in instead."
            )
        return None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The cookie names a server-side session; the user id alone (or a remember-me
        # cookie from an older version) opens nothing.
        secret = session.get("login_session")
        if not secret:
            return None
        found = services.get_live_login_session(secret)
        if found is None or str(found.user_id) != user_id:
            return None
        if services.needs_touch(found):
            g.touch_login_session = found.id
        return found.user

    @app.after_request
    def touch_login_session(response):
        if session_id := g.pop("touch_login_session", None):
            with write_after_response():
                services.touch_login_session(session_id)
        return response

    @login_manager.request_loader
    def load_user_from_bearer_token(_request) -> User | None:
        token = bearer_token()
        if token is None or not is_api_request():
            return None
        found: tuple[User, ApiToken] | None = get_user_for_token(token)
        if found is None:
            return None
        g.api_token = found[1]
        return found[0]

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_api_request():
            return error_response(
                401,
                "unauthorized",
                "Log in, or send an API token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": 'Bearer realm="tumor-board"'},
            )
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def is_api_request() -> bool:
    """Whether the request is for the JSON API, the only place bearer tokens are accepted."""
    return request.path.startswith("/api/")


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
