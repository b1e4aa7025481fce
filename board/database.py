"""Database binding, SQLite concurrency settings and migrations."""

import contextvars

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
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
