"""Database binding, SQLite concurrency settings and migrations."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from werkzeug.routing import IntegerConverter

from board.common.validation import MAX_ROW_ID
from board.extensions import db, migrate

# Reads on SQLite begin DEFERRED; everything else takes the write lock up front so that
# concurrent writers queue on the busy timeout instead of failing with "database is locked".
_read_only = contextvars.ContextVar("read_only_transaction", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RowIdConverter(IntegerConverter):
    """`<int:...>` in routes: an id too large for a database integer matches no route (404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def register_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and Flask-Migrate; tune SQLite for concurrent writers."""
    app.url_map.converters["int"] = RowIdConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

        @app.before_request
        def mark_read_only_requests() -> None:
            _read_only.set(request.method in SAFE_METHODS)


@contextmanager
def write_after_response() -> Iterator[None]:
    """Run a small write once the response is built (an audit row, a session's last use).

    The request's own transaction is over by then: its commit is done, and what it did not
    commit would be rolled back at teardown anyway, so it is rolled back now to free SQLite's
    lock; the write then runs in a fresh transaction that takes the write lock up front.
    """
    if db.session().in_transaction():
        db.session.rollback()
    token = _read_only.set(False)
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        _read_only.reset(token)


@contextmanager
def own_write_connection() -> Iterator[Connection]:
    """A connection of its own, in a transaction that takes the write lock up front and
    commits at the end: for a row that must be kept whatever the request did (an audit row).

    On SQLite the request's own transaction is ended first (it is over by then: committed,
    or to be rolled back at teardown anyway): a write request's would hold the one write
    lock, and a read's open snapshot would keep the WAL from being reset at checkpoints,
    so that every later commit would try a checkpoint again. PostgreSQL needs neither.
    """
    if db.engine.dialect.name == "sqlite" and db.session().in_transaction():
        db.session.rollback()
    token = _read_only.set(False)
    try:
        with db.engine.begin() as connection:
            yield connection
    finally:
        _read_only.reset(token)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout, foreign keys, and explicit BEGIN [IMMEDIATE]."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Take over transaction control from the sqlite3 module so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN" if _read_only.get() else "BEGIN IMMEDIATE")
