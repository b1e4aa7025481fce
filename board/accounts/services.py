"""Creating users and tokens, and resolving a token to its owner."""

import secrets

from sqlalchemy import func

from board.accounts.models import ApiToken, Role, TokenScope, User, hash_token
from board.common.errors import NotFound, ValidationFailed, field_error
from board.common.time import utcnow
from board.extensions import db

TOKEN_PREFIX = "tb_"


def create_user(
    email: str,
    role: str,
    password: str,
    name: str = "",
    specialist_id: int | None = None,
) -> User:
    """Add a user with a hashed password; a specialist user must name their Specialist."""
    errors: dict[str, list[str]] = {}
    email = email.strip().lower()
    if "@" not in email:
        errors["email"] = ["Enter a valid email address."]
    elif get_user_by_email(email) is not None:
        errors["email"] = ["A user with this email already exists."]
    if role not in {r.value for r in Role}:
        errors["role"] = [f"Role must be one of: {', '.join(r.value for r in Role)}."]
    if len(password) < 10:
        errors["password"] = ["Use at least 10 characters."]
    if role == Role.SPECIALIST and specialist_id is None:
        errors["specialist_id"] = ["A specialist user must be linked to a specialist."]
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, role=Role(role), name=name, specialist_id=specialist_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def get_user_by_email(email: str) -> User | None:
    """The user with this email (case-insensitive), if any."""
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.lower()))


def create_api_token(user: User, scope: str = TokenScope.WRITE, label: str = "") -> str:
    """Issue a token for `user`; the plain token is returned once and only its hash is kept."""
    if scope not in {s.value for s in TokenScope}:
        raise field_error("scope", "Scope must be 'read' or 'write'.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user_id=user.id,
            label=label,
            scope=TokenScope(scope),
            token_hash=hash_token(token),
            prefix=token[:10],
        )
    )
    db.session.flush()
    return token


def list_api_tokens(owner_id: int | None = None) -> list[ApiToken]:
    """Tokens, newest first; only one user's when `owner_id` is given."""
    query = db.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if owner_id is not None:
        query = query.where(ApiToken.user_id == owner_id)
    return list(db.session.scalars(query))


def revoke_api_token(token_id: int) -> ApiToken:
    """Revoke a token; it stops working on the very next request."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    return token


def get_user_for_token(token: str) -> tuple[User, ApiToken] | None:
    """The active owner of a live token, with the token row; None for anything else."""
    row = db.session.scalar(
        db.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row.user, row
