"""The chain makes tampering evident; on PostgreSQL the table refuses updates and deletes."""

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from board.audit.models import AuditEvent, append_only_statements
from board.audit.services import append_events, verify_chain
from board.extensions import db


@pytest.fixture
def trail(app):
    """Five audit rows."""
    with app.app_context():
        append_events(
            [
                {
                    "actor": f"user{n}@example.org",
                    "action": "read",
                    "category": "case",
                    "case_id": n,
                    "outcome": "success",
                }
                for n in range(1, 6)
            ]
        )
        db.session.commit()
        assert verify_chain() == []


@contextmanager
def tampering():
    """Bypass the append-only trigger on PostgreSQL, as an attacker with DDL rights could."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(
            text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        )
    yield
    if postgres:
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    db.session.commit()


def test_an_edited_row_is_reported(app, trail):
    with app.app_context():
        with tampering():
            db.session.execute(
                text("UPDATE audit_events SET actor = 'someone@else.org' WHERE id = 3")
            )
        assert verify_chain() == [
            "row 3 does not match its link (edited, or not written by the app)"
        ]


def test_a_deleted_row_is_reported(app, trail):
    with app.app_context():
        with tampering():
            db.session.execute(text("DELETE FROM audit_events WHERE id = 2"))
        problems = verify_chain()
    assert "rows 2-2 are missing (deleted)" in problems
    assert any("row 3 does not follow row 2" in problem for problem in problems)


def test_an_inserted_row_is_reported(app, trail):
    with app.app_context():
        last = db.session.get(AuditEvent, 5)
        with tampering():
            db.session.execute(
                text(
                    "INSERT INTO audit_events (id, occurred_at, actor, action, category, target, "
                    "endpoint, method, client_address, outcome, prev_hash, row_hash) VALUES "
                    "(6, :at, 'x@example.org', 'read', 'case', '', '', '', '', 'success', "
                    ":prev, :forged)"
                ),
                {
                    "at": last.occurred_at.replace(tzinfo=None)
                    if db.engine.dialect.name == "sqlite"
                    else last.occurred_at,
                    "prev": last.row_hash,
                    "forged": "f" * 64,
                },
            )
        assert verify_chain() == [
            "row 6 does not match its link (edited, or not written by the app)"
        ]


def test_re_chaining_without_the_key_does_not_help(app, trail):
    """An attacker who edits a row and recomputes plain SHA-256 links is still caught."""
    import hashlib

    with app.app_context():
        with tampering():
            forged = hashlib.sha256(b"anything").hexdigest()
            db.session.execute(
                text("UPDATE audit_events SET actor = 'x', row_hash = :h WHERE id = 5"),
                {"h": forged},
            )
        assert verify_chain() == [
            "row 5 does not match its link (edited, or not written by the app)"
        ]


def test_audit_verify_command(app, runner, trail):
    ok = runner.invoke(args=["board", "audit-verify"])
    assert ok.exit_code == 0 and "intact: 5 rows" in ok.output
    with app.app_context(), tampering():
        db.session.execute(text("UPDATE audit_events SET outcome = 'failure' WHERE id = 4"))
    broken = runner.invoke(args=["board", "audit-verify"])
    assert broken.exit_code == 1
    assert "row 4 does not match its link" in broken.output
    assert "NOT intact" in broken.output


def test_chain_survives_many_requests(app, client, api, make_case):
    case_id = make_case()
    for _ in range(5):
        api.get(f"/api/v1/cases/{case_id}")
    with app.app_context():
        assert verify_chain() == []
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 5


postgres_only = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE") != "postgresql", reason="needs the real PostgreSQL server"
)


@postgres_only
def test_postgresql_refuses_updates_and_deletes_to_everyone(app, trail):
    from sqlalchemy.exc import DBAPIError

    with app.app_context():
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert verify_chain() == []


@postgres_only
def test_postgresql_application_role_may_only_read_and_append(app, trail):
    """The grants the migration gives an application role of its own (BOARD_DB_APP_ROLE)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ProgrammingError

    with app.app_context():
        db.session.execute(text("DROP ROLE IF EXISTS board_app_probe"))
        db.session.execute(text("CREATE ROLE board_app_probe LOGIN PASSWORD 'probe'"))
        db.session.execute(text("GRANT ALL ON audit_events TO board_app_probe"))
        for statement in append_only_statements("board_app_probe"):
            db.session.execute(text(statement))
        db.session.commit()
        url = db.engine.url.set(username="board_app_probe", password="probe")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == 5
            for statement in (
                "UPDATE audit_events SET actor = 'x'",
                "DELETE FROM audit_events",
                "TRUNCATE audit_events",
            ):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    connection.execute(text(statement))
                connection.rollback()
    finally:
        engine.dispose()
        with app.app_context():
            db.session.execute(text("REVOKE ALL ON audit_events FROM board_app_probe"))
            db.session.execute(text("DROP ROLE board_app_probe"))
            db.session.commit()
