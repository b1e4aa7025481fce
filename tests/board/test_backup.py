"""`board backup` and `board restore`: a restore into a fresh database finds every row."""

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from board import create_app
from board.demo.seed import seed_demo
from board.extensions import db
from board.planning.services import run_assignment


@pytest.fixture
def fresh_database_url(app, tmp_path):
    """A new, empty database on the same server (or a new SQLite file)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield str(url.set(database=str(tmp_path / "restored.sqlite3")))
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS board_restored"))
        connection.execute(text("CREATE DATABASE board_restored"))
    yield url.set(database="board_restored").render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS board_restored WITH (FORCE)"))
    admin.dispose()


def every_row(engine) -> dict[str, list[tuple]]:
    """Every row of every table (Alembic's included), in a fixed order."""
    with engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))),
                key=repr,
            )
            for table in tables
        }


def test_a_backup_restored_into_a_fresh_database_has_every_row(
    app, runner, fresh_database_url, tmp_path
):
    with app.app_context():
        seed_demo()
        db.session.commit()
        run_assignment("scheduled")
        original = every_row(db.engine)
    assert sum(len(rows) for rows in original.values()) > 1000
    assert all(original[table] for table in ("cases", "agenda_items", "schedule_runs"))

    backup = tmp_path / "board.backup"
    result = runner.invoke(args=["board", "backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    fresh = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": fresh_database_url}
    )
    result = fresh.test_cli_runner().invoke(args=["board", "restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        restored = every_row(db.engine)
        db.engine.dispose()
    assert restored == original


def test_backup_never_overwrites_a_file(runner, tmp_path):
    existing = tmp_path / "board.backup"
    existing.write_text("yesterday's backup")
    result = runner.invoke(args=["board", "backup", str(existing)])
    assert result.exit_code == 2
    assert existing.read_text() == "yesterday's backup"


def test_restore_asks_before_replacing_the_data(app, runner, make_user, tmp_path):
    make_user("coordinator")
    backup = tmp_path / "board.backup"
    assert runner.invoke(args=["board", "backup", str(backup)]).exit_code == 0
    result = runner.invoke(args=["board", "restore", str(backup)], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output


def test_restoring_something_that_is_not_a_backup_fails_and_changes_nothing(
    app, runner, make_user, tmp_path
):
    make_user("coordinator")
    with app.app_context():
        before = every_row(db.engine)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database")
    result = runner.invoke(args=["board", "restore", str(not_a_backup), "--yes"])
    assert result.exit_code == 1 and "Restore failed" in result.output
    with app.app_context():
        assert every_row(db.engine) == before
