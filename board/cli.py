"""`flask --app wsgi board ...` commands."""

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask.logging import default_handler
from flask_migrate import upgrade

from board.accounts.models import ApiToken
from board.accounts.services import (
    create_api_token,
    create_user,
    get_user_by_email,
    revoke_api_token,
)
from board.audit.services import (
    SYSTEM_COMMAND,
    count_events,
    record_system_event,
    verify_chain,
)
from board.common.errors import ValidationFailed
from board.database import back_up_database, restore_database
from board.demo.seed import DEMO_LOGINS, database_is_empty, seed_demo
from board.extensions import db
from board.jobs.process import run_scheduler_process
from board.specialists.models import Specialist

board_cli = AppGroup("board", help="Tumor-board service commands.")


@board_cli.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "specialist"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
def create_user_command(email: str, role: str, password: str, name: str) -> None:
    """Add a user who can log in."""
    try:
        # A specialist's login is linked to the directory entry with the same email.
        specialist_id = (
            db.session.scalar(
                db.select(Specialist.id).where(
                    db.func.lower(Specialist.email) == email.strip().lower()
                )
            )
            if role == "specialist"
            else None
        )
        user = create_user(email, role, password, name=name, specialist_id=specialist_id)
    except ValidationFailed as error:
        for field, messages in error.details.items():
            click.echo(f"{field}: {' '.join(messages)}", err=True)
        sys.exit(2)
    record_system_event("create", "account", target=f"user:{user.id}", actor=SYSTEM_COMMAND)
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@board_cli.command("create-token")
@click.argument("email")
@click.option("--scope", default="write", type=click.Choice(["read", "write"]))
@click.option("--label", default="")
def create_token_command(email: str, scope: str, label: str) -> None:
    """Print a new API token for a user; it is shown only this once."""
    user = get_user_by_email(email)
    if user is None:
        click.echo(f"No user {email}.", err=True)
        sys.exit(2)
    token = create_api_token(user, scope=scope, label=label)
    record_system_event("create", "token", target=f"user:{user.id}", actor=SYSTEM_COMMAND)
    db.session.commit()
    click.echo(token)


@board_cli.command("revoke-token")
@click.argument("prefix")
def revoke_token_command(prefix: str) -> None:
    """Revoke every live token starting with PREFIX (the first 10 characters are shown)."""
    tokens = db.session.scalars(
        db.select(ApiToken).where(ApiToken.prefix == prefix[:10], ApiToken.revoked_at.is_(None))
    ).all()
    if not tokens:
        click.echo(f"No live token starts with {prefix[:10]}.", err=True)
        sys.exit(2)
    for token in tokens:
        revoke_api_token(token.id)
        record_system_event("delete", "token", target=f"token:{token.id}", actor=SYSTEM_COMMAND)
    db.session.commit()
    click.echo(f"Revoked {len(tokens)} token(s).")


@board_cli.command("audit-verify")
def audit_verify_command() -> None:
    """Check the audit trail's chain: report every edited, inserted or deleted row."""
    problems = verify_chain()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"Audit trail is NOT intact: {len(problems)} problem(s).", err=True)
        sys.exit(1)
    click.echo(f"Audit trail intact: {count_events()} rows.")


@board_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load realistic demo data (boards, specialists, sessions, cases) into an empty database."""
    if not database_is_empty():
        click.echo("The database already has boards; demo data not loaded.")
        return
    summary = seed_demo()
    db.session.commit()
    click.echo(summary)


@board_cli.command("setup-demo")
def setup_demo_command() -> None:
    """Migrate the database and load the demo data when it is empty."""
    upgrade()
    if database_is_empty():
        click.echo(seed_demo())
        db.session.commit()
    click.echo("Demo logins (password for all: " + DEMO_LOGINS["password"] + "):")
    for email, role in DEMO_LOGINS["users"]:
        click.echo(f"  {role:<12} {email}")


@board_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the live database to PATH (SQLite file or pg_dump archive)."""
    if path.exists():
        click.echo(f"{path} exists; choose a new file.", err=True)
        sys.exit(2)
    back_up_database(db.engine, path, current_app.config["PG_BIN_DIR"])
    click.echo(f"Backed up the {db.engine.dialect.name} database to {path}.")


@board_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH; stop every web and scheduler
    process first."""
    if not yes:
        click.confirm(f"Replace every row of the database with {path}?", abort=True)
    try:
        restore_database(db.engine, path, current_app.config["PG_BIN_DIR"])
    except (RuntimeError, sqlite3.DatabaseError) as error:
        click.echo(f"Restore failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Restored the {db.engine.dialect.name} database from {path}.")


@board_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the background scheduler; start as many as you like, exactly one leads."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # The root handler above prints everything once; Flask's own would print it twice.
    current_app.logger.removeHandler(default_handler)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    run_scheduler_process(current_app._get_current_object(), stop)


@board_cli.command("serve")
@click.option("--bind", default="127.0.0.1:5000")
@click.option("--workers", default=2, type=int)
@click.option("--with-scheduler/--without-scheduler", default=True)
def serve_command(bind: str, workers: int, with_scheduler: bool) -> None:
    """Run the web server (gunicorn) and, beside it, the scheduler process."""
    db.engine.dispose()
    if with_scheduler:
        flask = os.path.join(os.path.dirname(sys.executable), "flask")
        subprocess.Popen([flask, "board", "scheduler"])
        click.echo("Scheduler process started.")
    click.echo(f"Serving on http://{bind}  (Ctrl-C to stop)")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(
        gunicorn,
        # The app writes its own JSON access line per request (no query strings, no tokens).
        [gunicorn, "--workers", str(workers), "--bind", bind, "wsgi:app"],
    )


def register_commands(app: Flask) -> None:
    """Add the `board` command group."""
    app.cli.add_command(board_cli)
