"""Role checks applied to every route."""

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from board.accounts.models import Role, TokenScope
from board.extensions import login_manager

STAFF = (Role.ADMIN, Role.COORDINATOR)
EVERYONE = (Role.ADMIN, Role.COORDINATOR, Role.SPECIALIST)


def require_roles(*roles: Role) -> Callable:
    """Let the view run only for an authenticated user holding one of `roles`.

    A read-scoped token may only read, whatever its owner's role.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403, description="Your role may not do this.")
            if using_read_token() and request.method not in ("GET", "HEAD", "OPTIONS"):
                abort(403, description="This API token may only read.")
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


def using_read_token() -> bool:
    """Whether the request is authenticated by a read-only integration token."""
    token = g.get("api_token")
    return token is not None and token.scope == TokenScope.READ


def can_see_patient_data() -> bool:
    """Patient-identifying fields go only to coordinators and admins (not read tokens)."""
    return current_user.is_authenticated and current_user.role in STAFF and not using_read_token()


def is_staff() -> bool:
    """Coordinators and admins."""
    return current_user.is_authenticated and current_user.role in STAFF
