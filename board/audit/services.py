"""Appending to the audit trail, verifying its chain, and reading it back."""

import csv
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import text

from board.audit.models import AuditEvent
from board.common.time import utcnow
from board.extensions import db

GENESIS = "0" * 64
# Any constant will do: it names the one advisory lock every appender takes on PostgreSQL.
CHAIN_LOCK = 7_150_312
FIELDS = (
    "id",
    "occurred_at",
    "actor_user_id",
    "actor",
    "action",
    "category",
    "case_id",
    "target",
    "endpoint",
    "method",
    "client_address",
    "outcome",
    "status_code",
)
SYSTEM_SCHEDULER = "system:scheduler"
SYSTEM_COMMAND = "system:command"


def chain_key() -> bytes:
    """The key of the chain's HMAC: without it, rewritten rows cannot be re-chained."""
    configured = current_app.config.get("AUDIT_CHAIN_KEY")
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"audit-chain", hashlib.sha256).digest()


def hash_event(values: dict, prev_hash: str, key: bytes) -> str:
    """The link of one row: an HMAC of its fields and the previous row's link."""
    shown = {name: values.get(name) for name in FIELDS}
    shown["occurred_at"] = values["occurred_at"].astimezone(UTC).isoformat()
    payload = json.dumps(shown, sort_keys=True, separators=(",", ":")) + prev_hash
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


# Built once: SQLAlchemy then reuses their compiled form, which matters on every request.
LAST_LINK = db.select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
INSERT_ROWS = AuditEvent.__table__.insert()
LENGTHS = {"actor": 160, "target": 160, "endpoint": 80, "method": 10, "client_address": 45}


def append_events(events: list[dict], connection=None) -> list[dict]:
    """Add rows at the end of the chain, on `connection` or the session; the caller commits.
    Appenders queue on one lock."""
    if not events:
        return []
    executor = connection if connection is not None else db.session
    if db.engine.dialect.name == "postgresql":
        executor.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    # On SQLite the transaction holds the write lock already (BEGIN IMMEDIATE).
    last = executor.execute(LAST_LINK).first()
    next_id, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    key = chain_key()
    rows = []
    for event in events:
        values = {name: event.get(name) for name in FIELDS}
        values["id"] = next_id
        values["occurred_at"] = event.get("occurred_at") or utcnow()
        for name, length in LENGTHS.items():
            values[name] = (values.get(name) or "")[:length]
        values["prev_hash"] = prev_hash
        values["row_hash"] = prev_hash = hash_event(values, prev_hash, key)
        rows.append(values)
        next_id += 1
    # Core, not the ORM: nothing needs these rows as objects, and the insert stays cheap.
    executor.execute(INSERT_ROWS, rows)
    return rows


def record_system_event(
    action: str,
    category: str,
    case_id: int | None = None,
    target: str = "",
    actor: str = SYSTEM_SCHEDULER,
) -> None:
    """Audit a change made outside a request (the scheduler, a command); it commits with the
    caller's transaction."""
    append_events(
        [
            {
                "actor": actor,
                "action": action,
                "category": category,
                "case_id": case_id,
                "target": target,
                "outcome": "success",
            }
        ]
    )


def verify_chain(batch_size: int = 5000) -> list[str]:
    """Every break in the chain: an edited row, a row inserted or deleted; empty when intact."""
    key = chain_key()
    problems: list[str] = []
    expected_id, expected_prev = 1, GENESIS
    last_id = 0
    while True:
        rows = db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            values = {name: getattr(row, name) for name in FIELDS}
            if row.id != expected_id:
                problems.append(f"rows {expected_id}-{row.id - 1} are missing (deleted)")
            if row.prev_hash != expected_prev:
                problems.append(
                    f"row {row.id} does not follow row {row.id - 1} (a row was inserted or deleted)"
                )
            if hash_event(values, row.prev_hash, key) != row.row_hash:
                problems.append(
                    f"row {row.id} does not match its link (edited, or not written by the app)"
                )
            expected_id, expected_prev = row.id + 1, row.row_hash
            last_id = row.id
        db.session.expunge_all()
    return problems


def count_events() -> int:
    """How many rows the trail holds."""
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


@dataclass(frozen=True)
class AuditFilters:
    """What an admin narrows the trail to; empty fields do not filter."""

    case_ids: tuple[int, ...] | None = None
    user: str = ""
    action: str = ""
    from_date: date | None = None
    to_date: date | None = None


def list_events(filters: AuditFilters, limit: int | None = 500) -> list[AuditEvent]:
    """Rows matching the filters, newest first."""
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.case_ids is not None:
        query = query.where(AuditEvent.case_id.in_(filters.case_ids))
    if filters.user:
        if filters.user.isdigit():
            query = query.where(AuditEvent.actor_user_id == int(filters.user))
        else:
            query = query.where(db.func.lower(AuditEvent.actor) == filters.user.strip().lower())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.from_date:
        query = query.where(
            AuditEvent.occurred_at >= datetime.combine(filters.from_date, time(), UTC)
        )
    if filters.to_date:
        end = datetime.combine(filters.to_date + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.occurred_at < end)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def list_case_ids_of_patient(record_number: str) -> tuple[int, ...]:
    """The cases of one patient, by medical record number.

    Audit sits below the cases domain, so it reads the table by name rather than importing
    the model; rows of deleted cases stay findable by case number.
    """
    cases = db.metadata.tables["cases"]
    found = db.session.scalars(
        db.select(cases.c.id).where(cases.c.patient_mrn == record_number.strip())
    ).all()
    return tuple(found)


def export_csv(events: list[AuditEvent]) -> str:
    """The rows as CSV, with their chain links so an export can be checked later."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow((*FIELDS, "prev_hash", "row_hash"))
    for event in events:
        values = [getattr(event, name) for name in FIELDS]
        values[1] = event.occurred_at.isoformat()
        writer.writerow(
            [spreadsheet_safe(value) for value in (*values, event.prev_hash, event.row_hash)]
        )
    return out.getvalue()


def spreadsheet_safe(value):
    """A cell a spreadsheet will not run as a formula (a typed email could start with '=')."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
