"""The schema comes from migrations, and SQLite is tuned for concurrent writers."""

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text

from board.extensions import db
from tests.helpers import wait_until


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
    has_read = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=lambda n=n: writer(n)) for n in range(2)]
    beginning: set[int] = set()  # threads inside a BEGIN, i.e. queued for the write lock

    def before(_connection, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN"):
            beginning.add(threading.get_ident())

    def after(_connection, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN"):
            beginning.discard(threading.get_ident())

    def writer(number: int) -> None:
        other = threads[1 - number]
        try:
            with app.app_context():
                start.wait()
                db.session.scalars(db.select(Specialty)).all()
                has_read[number].set()
                # Write only once the other writer has read too, or is queued behind this
                # one's lock: both reading, then writing, is the classic lock-upgrade
                # deadlock on SQLite.
                wait_until(
                    lambda: has_read[1 - number].is_set() or other.ident in beginning,
                    timeout=10,
                    message="the other writer neither read nor queued",
                )
                db.session.add(Specialty(code=f"extra_{number}", name=f"Extra {number}"))
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    assert errors == []
    with app.app_context():
        codes = set(db.session.scalars(db.select(Specialty.code)))
    assert {"extra_0", "extra_1"} <= codes


def test_unexpected_errors_answer_without_a_traceback(strict, api, monkeypatch):
    import board.boards.services as services

    def explode():
        raise RuntimeError("patient Jane Roe MRN123 exploded")

    monkeypatch.setattr(services, "list_boards", explode)
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
