"""Accounts: users, roles, login and integration tokens."""

from flask import Flask, g, redirect, request, url_for

from board.accounts import views
from board.accounts.models import ApiToken, User
from board.accounts.services import get_user_for_token
from board.errors import error_response
from board.extensions import db, login_manager


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
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

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
