"""The audit trail: one append-only, hash-chained row per access to patient data and per
security event."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from board.common.models import UTCDateTime
from board.extensions import db


class AuditEvent(db.Model):
    """Who did what to which case, from where, and how it ended (ASTM E2147's who, what,
    when, where, outcome). No foreign keys: deleting a case or a user keeps its rows."""

    __tablename__ = "audit_events"

    # Given by the chain, not the database: each row's number is the last one's plus one,
    # so a deleted row leaves a gap as well as a broken link.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, nullable=False)
    # The user acting (a token's owner for an integration), or none for anonymous requests.
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # An email, "token:<prefix>" for an integration token, "system:scheduler", "anonymous".
    actor: Mapped[str] = mapped_column(String(160), nullable=False)
    # create, read, update, delete, print, export, login, logout.
    action: Mapped[str] = mapped_column(String(20), index=True, nullable=False)
    # The kind of data: case, case_list, case_records, agenda, meeting, account, token ...
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # What else was acted on, by id: "user:12", "token:3", "session:40", "email:x@y".
    target: Mapped[str] = mapped_column(String(160), default="", nullable=False)
    endpoint: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    method: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    client_address: Mapped[str] = mapped_column(String(45), default="", nullable=False)
    # success, failure, denied, throttled.
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    row_hash: Mapped[str] = mapped_column(String(64), nullable=False)


def append_only_statements(app_role: str | None = None) -> list[str]:
    """PostgreSQL statements that make `audit_events` append-only: a trigger refuses UPDATE
    and DELETE from anyone, and privileges leave the application's role SELECT and INSERT.

    The migration runs them for the connecting role (and `BOARD_DB_APP_ROLE` when the app
    connects as a role of its own); a superuser still bypasses privileges, not the trigger.
    """
    statements = [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP; END $$",
        "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC",
        "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM CURRENT_USER",
    ]
    if app_role:
        role = '"' + app_role.replace('"', '""') + '"'
        statements += [
            f"GRANT SELECT, INSERT ON audit_events TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
        ]
    return statements
