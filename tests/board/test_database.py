"""The schema comes from migrations, and SQLite is tuned for concurrent writers."""

import threading
import time

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from board.extensions import db


def test_migrations_produce_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_backend_settings(app):
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            assert db.engine.driver == "psycopg"
            return
        assert dialect == "sqlite"
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_write_transactions_queue_instead_of_failing(app):
    """Two writers that both read first must not fail with 'database is locked'."""
    from board.vocabulary.models import Specialty

    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(number: int) -> None:
        try:
            with app.app_context():
                start.wait()
                # Read, pause, then write: the classic lock-upgrade deadlock on SQLite.
                db.session.scalars(db.select(Specialty)).all()
                time.sleep(0.2)
                db.session.add(Specialty(code=f"extra_{number}", name=f"Extra {number}"))
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        codes = set(db.session.scalars(db.select(Specialty.code)))
    assert {"extra_0", "extra_1"} <= codes


def test_unexpected_errors_answer_without_a_traceback(app, client, api, monkeypatch):
    import board.boards.services as services

    def explode():
        raise RuntimeError("patient Jane Roe MRN123 exploded")

    monkeypatch.setattr(services, "list_boards", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    response = api.get("/api/v1/boards")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "Jane Roe" not in body
    assert response.get_json()["error"]["code"] == "internal_server_error"


def test_database_errors_never_echo_parameter_values(app):
    """SQLAlchemy puts bound values (patient names) in error text unless told not to."""
    from sqlalchemy.exc import IntegrityError

    from board.vocabulary.models import Specialty

    with app.app_context():
        db.session.add(Specialty(code="pathology", name="Jane Roe MRN123"))
        try:
            db.session.commit()
        except IntegrityError as error:
            assert "Jane Roe" not in str(error)
        else:
            raise AssertionError("a duplicate primary key must fail")
