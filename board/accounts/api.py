"""`/api/v1/tokens`: integration tokens, created once, listed without secrets, revocable."""

from flask import abort, url_for
from flask_login import current_user

from board.accounts import services
from board.accounts.models import ApiToken, Role
from board.accounts.permissions import EVERYONE, require_roles
from board.accounts.schemas import CreatedTokenOut, TokenIn, TokenOut
from board.common.http import Blueprint, ShownOnce
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
