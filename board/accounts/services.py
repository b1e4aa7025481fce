"""Users, tokens, login sessions and login throttling."""

import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from board.accounts.models import (
    ApiToken,
    LoginAttempt,
    LoginSession,
    Role,
    TokenScope,
    User,
    hash_token,
)
from board.common.errors import Conflict, NotFound, ValidationFailed, field_error
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
    if password_problems := check_password_policy(password, (email, name)):
        errors["password"] = password_problems
    if role == Role.SPECIALIST and specialist_id is None:
        errors["specialist_id"] = ["A specialist user must be linked to a specialist."]
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, role=Role(role), name=name, specialist_id=specialist_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


ZXCVBN_MAX_LENGTH = 72


def check_password_policy(password: str, user_inputs: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a new password: too short, or common and easy to guess."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return [f"Use at least {minimum} characters."]
    # zxcvbn's dictionaries hold the most common leaked passwords, names and words.
    # The account's own email and name (and their parts) count as easy to guess too.
    words = [
        piece
        for part in user_inputs
        for piece in (part, *part.split("@"), *re.split(r"[\W_]+", part))
    ]
    # zxcvbn refuses more than 72 characters; a longer passphrase is judged by its start.
    verdict = zxcvbn(
        password[:ZXCVBN_MAX_LENGTH], user_inputs=[word for word in words if len(word) > 2]
    )
    if verdict["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        warning = verdict["feedback"].get("warning") or "This password is too easy to guess."
        return [warning.rstrip(".") + ". Try a longer phrase of unrelated words."]
    return []


def list_users() -> list[User]:
    """Every user, by email."""
    return list(db.session.scalars(db.select(User).order_by(User.email)))


def set_user_password(user: User, password: str) -> None:
    """Give a user a new password; every session they had open ends."""
    if problems := check_password_policy(password, (user.email, user.name)):
        raise ValidationFailed({"password": problems})
    user.set_password(password)
    end_user_sessions(user.id, "password_changed")
    db.session.flush()


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """Change your own password, given the current one; every session of yours ends."""
    if not user.check_password(current_password):
        raise field_error("current_password", "This is not your current password.")
    set_user_password(user, new_password)


def change_user(user: User, changes: dict, acting_user_id: int) -> None:
    """Change a user's name, role, specialist link or active state; a change of role or a
    disabled account ends every session of theirs. Nobody demotes or disables themselves."""
    role = changes.get("role", user.role)
    active = changes.get("active", user.active)
    if user.id == acting_user_id and (role != user.role or not active):
        raise Conflict("You cannot change your own role or disable your own account.")
    specialist_id = changes.get("specialist_id", user.specialist_id)
    if role == Role.SPECIALIST and specialist_id is None:
        raise field_error("specialist_id", "A specialist user must be linked to a specialist.")
    if role != user.role:
        end_user_sessions(user.id, "role_changed")
    if user.active and not active:
        end_user_sessions(user.id, "disabled")
    user.role, user.active, user.specialist_id = role, active, specialist_id
    if "name" in changes:
        user.name = changes["name"]
    db.session.flush()


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


# --- login sessions ----------------------------------------------------------------------


def start_login_session(user: User, client_address: str = "") -> str:
    """Open a server-side session for `user`; the returned id goes into the cookie only."""
    secret = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id, token_hash=hash_token(secret), client_address=client_address[:45]
        )
    )
    db.session.flush()
    return secret


def get_live_login_session(secret: str, now: datetime | None = None) -> LoginSession | None:
    """The session behind a cookie's id if it is open, recently used and not too old."""
    now = now or utcnow()
    found = db.session.scalar(
        db.select(LoginSession).where(
            LoginSession.token_hash == hash_token(secret), LoginSession.ended_at.is_(None)
        )
    )
    if found is None or not found.user.active:
        return None
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    if now - found.last_seen_at > idle or now - found.created_at > absolute:
        return None
    return found


def needs_touch(login_session: LoginSession, now: datetime | None = None) -> bool:
    """Whether the session's last use is old enough to be written again (once a minute)."""
    age = (now or utcnow()) - login_session.last_seen_at
    return age.total_seconds() >= current_app.config["SESSION_TOUCH_SECONDS"]


def touch_login_session(session_id: int) -> None:
    """Record that the session was just used, which moves its idle deadline."""
    db.session.execute(
        update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=utcnow())
    )


def end_login_session(secret: str, reason: str = "logout") -> None:
    """End the session behind a cookie's id: the cookie opens nothing any more."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == hash_token(secret), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def end_user_sessions(user_id: int, reason: str) -> int:
    """End every open session of a user, on every device; the number ended."""
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount


# --- login throttling --------------------------------------------------------------------


def check_login(email: str, password: str) -> User | None:
    """The active user with this email and password; always hashes once, so an unknown
    email costs the same time as a known one."""
    user = get_user_by_email(email.strip())
    password_hash = user.password_hash if user is not None else dummy_password_hash()
    matches = check_password_hash(password_hash, password)
    if user is None or not user.active or not matches:
        return None
    return user


_dummy_hashes: dict[str, str] = {}


def dummy_password_hash() -> str:
    """A hash made with the configured method, to check unknown emails against."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _dummy_hashes[method]


def record_login_attempt(email: str, client_address: str, outcome: str) -> None:
    """Keep one login attempt for throttling."""
    db.session.add(
        LoginAttempt(
            email=email.strip().lower()[:254],
            client_address=client_address[:45],
            outcome=outcome,
        )
    )
    db.session.flush()


def count_recent_failures(email: str, now: datetime | None = None) -> int:
    """Failed logins for one email within the window, since its last success or unlock."""
    now = now or utcnow()
    email = email.strip().lower()
    since = now - timedelta(minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"])
    cleared = db.session.scalar(
        db.select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.outcome.in_(("success", "unlocked"))
        )
    )
    if cleared is not None and cleared > since:
        since = cleared
    return db.session.scalar(
        db.select(func.count()).where(
            LoginAttempt.email == email,
            LoginAttempt.outcome == "failure",
            LoginAttempt.attempted_at > since,
        )
    )


def count_recent_address_failures(client_address: str, now: datetime | None = None) -> int:
    """Failed logins from one address within the window, whichever emails were tried."""
    since = (now or utcnow()) - timedelta(
        minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"]
    )
    return db.session.scalar(
        db.select(func.count()).where(
            LoginAttempt.client_address == client_address[:45],
            LoginAttempt.outcome == "failure",
            LoginAttempt.attempted_at > since,
        )
    )


def is_login_throttled(email: str, client_address: str) -> bool:
    """Whether this email or this address has failed too often lately to try again now."""
    config = current_app.config
    return (
        count_recent_failures(email) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or count_recent_address_failures(client_address) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def list_locked_logins(now: datetime | None = None) -> list[dict]:
    """Emails locked by failed logins right now, with their failure count and last try."""
    now = now or utcnow()
    since = now - timedelta(minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"])
    candidates = db.session.execute(
        db.select(LoginAttempt.email, func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.outcome == "failure", LoginAttempt.attempted_at > since)
        .group_by(LoginAttempt.email)
        .order_by(LoginAttempt.email)
    ).all()
    limit = current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    locked = []
    for email, last_tried in candidates:
        failures = count_recent_failures(email, now)
        if failures >= limit:
            user = get_user_by_email(email)
            locked.append(
                {
                    "email": email,
                    "failures": failures,
                    "last_attempt_at": last_tried,
                    "user_id": user.id if user else None,
                }
            )
    return locked


def unlock_login(email: str) -> None:
    """Clear an email's recent failures so its owner may try again at once."""
    record_login_attempt(email, "", "unlocked")
