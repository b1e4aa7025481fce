"""Users, their roles, and integration API tokens."""

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from board.common.enums import LabelledEnum, stored_enum
from board.common.models import Timestamped, UTCDateTime, Versioned
from board.common.time import utcnow
from board.extensions import db

if TYPE_CHECKING:  # the relationship is named as a string, so accounts imports no domain
    from board.specialists.models import Specialist


class Role(LabelledEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SPECIALIST = "specialist"


class TokenScope(LabelledEnum):
    # A read token only reads and never sees patient-identifying fields.
    READ = "read"
    # A write token acts with its owner's role.
    WRITE = "write"


class User(UserMixin, Versioned, Timestamped, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[Role] = mapped_column(stored_enum(Role, length=20), nullable=False)
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("specialists.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    specialist: Mapped["Specialist | None"] = relationship("Specialist")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    label: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    scope: Mapped[TokenScope] = mapped_column(
        stored_enum(TokenScope, length=10),
        nullable=False,
    )
    # SHA-256 suffices: the token is 256 random bits, so there is nothing to brute-force.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # The first characters, so people can tell their tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(db.Model):
    """One browser login, kept server-side so logout, a password or role change and
    disabling the account end it everywhere; the cookie carries only its random id."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    # SHA-256 of the 256-bit id in the cookie, like API tokens: a database dump opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    client_address: Mapped[str] = mapped_column(String(45), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(40), default="", nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """One try at the login form, success or not, kept in the database so throttling holds
    across web workers and hosts. `email` is what was typed, known account or not."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True, nullable=False)
    client_address: Mapped[str] = mapped_column(String(45), index=True, nullable=False)
    # "failure", "success", or "unlocked" (an admin cleared the account's failures).
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)
    attempted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True, nullable=False
    )
