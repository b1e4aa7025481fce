"""Database binding, SQLite concurrency settings, migrations, backups."""

import contextvars
import importlib.util
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from flask import Flask, request
from sqlalchemy import URL, event
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
    if engine.dialect.name == "postgresql" and app.config["DATABASE_STATEMENT_TIMEOUT_MS"]:
        limit_statement_time(engine, app.config["DATABASE_STATEMENT_TIMEOUT_MS"])
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


def limit_statement_time(engine: Engine, timeout_ms: int) -> None:
    """PostgreSQL cancels any statement running longer (a request timeout for the database)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(timeout_ms)}")
        dbapi_connection.commit()


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


def back_up_database(engine: Engine, path: Path, pg_bin_dir: str | None = None) -> None:
    """Write a consistent copy of the live database to `path`, while it keeps serving.

    SQLite: the online backup API (readers and writers go on meanwhile). PostgreSQL:
    `pg_dump` in its custom format, one snapshot of the whole database.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        with (
            closing(sqlite3.connect(engine.url.database)) as source,
            closing(sqlite3.connect(path)) as target,
        ):
            source.backup(target)
        return
    run_pg_tool(pg_bin_dir, "pg_dump", engine.url, ["--format=custom", f"--file={path}"])


def restore_database(engine: Engine, path: Path, pg_bin_dir: str | None = None) -> None:
    """Replace the database's contents with the backup at `path` (stop the service first)."""
    if not path.is_file():
        raise FileNotFoundError(f"No backup at {path}.")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
            source.execute("SELECT version_num FROM alembic_version")  # a backup of ours?
            with closing(sqlite3.connect(engine.url.database)) as target:
                source.backup(target)
        return
    run_pg_tool(
        pg_bin_dir,
        "pg_restore",
        engine.url,
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            str(path),
        ],
    )


def run_pg_tool(pg_bin_dir: str | None, tool: str, url: URL, arguments: list[str]) -> None:
    """Run `pg_dump` or `pg_restore` against the database at `url`; the password goes
    through the environment, never the command line."""
    host = url.host or url.query.get("host")
    options = [f"--dbname={url.database}"]
    options += [f"--host={host}"] if host else []
    options += [f"--port={url.port}"] if url.port else []
    options += [f"--username={url.username}"] if url.username else []
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    result = subprocess.run(
        [pg_tool(pg_bin_dir, tool), *options, *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{tool} failed: {result.stderr.strip()}")


def pg_tool(pg_bin_dir: str | None, tool: str) -> str:
    """The PostgreSQL client program: from `PG_BIN_DIR`, the `pgserver` package, or PATH."""
    if pg_bin_dir:
        return str(Path(pg_bin_dir) / tool)
    # Test installs carry a server of their own (pgserver) whose client tools match it.
    if (spec := importlib.util.find_spec("pgserver")) is not None and spec.origin:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / tool
        if bundled.exists():
            return str(bundled)
    found = shutil.which(tool)
    if found is None:
        raise FileNotFoundError(f"{tool} not found: install the PostgreSQL client tools")
    return found
