"""`/api/v1/tokens` (integration tokens, shown once, revocable) and `/api/v1/users` (admins)."""

from flask import abort, url_for
from flask_login import current_user

from board.accounts import services
from board.accounts.models import ApiToken, Role, User
from board.accounts.permissions import EVERYONE, require_roles
from board.accounts.schemas import (
    CreatedTokenOut,
    LockedLoginOut,
    PasswordIn,
    TokenIn,
    TokenOut,
    UnlockIn,
    UserIn,
    UserOut,
    UserPatch,
)
from board.common.http import Blueprint, ShownOnce, check_if_match, with_etag
from board.common.models import get_or_404
from board.extensions import db

blueprint = Blueprint(
    "tokens_api", __name__, url_prefix="/api/v1/tokens", description="Integration API tokens"
)


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, TokenOut(many=True))
def list_tokens():
    """Your tokens (admins see everyone's), without their secrets."""
    owner = None if current_user.role == Role.ADMIN else current_user.id
    return services.list_api_tokens(owner)


@blueprint.route("", methods=["POST"])
@require_roles(*EVERYONE)
@blueprint.arguments(TokenIn)
@blueprint.response(201, CreatedTokenOut)
def create_token(data):
    """Issue a token for yourself; the answer is the only time the secret is shown."""
    secret = services.create_api_token(current_user, scope=data["scope"], label=data["label"])
    db.session.commit()
    token = services.get_user_for_token(secret)[1]
    return ShownOnce(token, token=secret), {"Location": url_for(".list_tokens")}


@blueprint.route("/<int:token_id>", methods=["DELETE"])
@require_roles(*EVERYONE)
@blueprint.response(204)
def revoke_token(token_id: int):
    """Revoke a token: yours, or anyone's for admins. It stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (current_user.role != Role.ADMIN and token.user_id != current_user.id):
        abort(404)
    services.revoke_api_token(token_id)
    db.session.commit()
    return "", 204


users_blueprint = Blueprint(
    "users_api", __name__, url_prefix="/api/v1/users", description="User accounts (admins)"
)


@users_blueprint.route("", methods=["GET"])
@require_roles(Role.ADMIN)
@users_blueprint.response(200, UserOut(many=True))
def list_users():
    """Every user account."""
    return services.list_users()


@users_blueprint.route("", methods=["POST"])
@require_roles(Role.ADMIN)
@users_blueprint.arguments(UserIn)
@users_blueprint.response(201, UserOut)
def create_user(data):
    """Create a user; the password must pass the policy (length, not common)."""
    user = services.create_user(**data)
    db.session.commit()
    return with_etag(user, location=url_for(".get_user", user_id=user.id))


@users_blueprint.route("/<int:user_id>", methods=["GET"])
@require_roles(Role.ADMIN)
@users_blueprint.response(200, UserOut)
def get_user(user_id: int):
    """One user account."""
    return with_etag(get_or_404(User, user_id))


@users_blueprint.route("/<int:user_id>", methods=["PATCH"])
@require_roles(Role.ADMIN)
@users_blueprint.arguments(UserPatch)
@users_blueprint.response(200, UserOut)
def update_user(data, user_id: int):
    """Change role, name or active state (disable, re-enable); sessions end on a role change
    or when disabled. Send the ETag you read as If-Match."""
    user = get_or_404(User, user_id)
    check_if_match(user)
    services.change_user(user, data, acting_user_id=current_user.id)
    db.session.commit()
    return with_etag(user)


@users_blueprint.route("/<int:user_id>/password", methods=["POST"])
@require_roles(Role.ADMIN)
@users_blueprint.arguments(PasswordIn)
@users_blueprint.response(204)
def reset_password(data, user_id: int):
    """Set a new password for a user; every session of theirs ends."""
    services.set_user_password(get_or_404(User, user_id), data["password"])
    db.session.commit()
    return "", 204


@users_blueprint.route("/locked-logins", methods=["GET"])
@require_roles(Role.ADMIN)
@users_blueprint.response(200, LockedLoginOut(many=True))
def list_locked_logins():
    """Emails locked right now by failed logins."""
    return services.list_locked_logins()


@users_blueprint.route("/locked-logins/unlock", methods=["POST"])
@require_roles(Role.ADMIN)
@users_blueprint.arguments(UnlockIn)
@users_blueprint.response(204)
def unlock_login(data):
    """Let a locked email try again at once."""
    services.unlock_login(data["email"])
    db.session.commit()
    return "", 204
