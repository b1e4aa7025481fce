"""Exactly one active scheduler: a PostgreSQL advisory lock, or a file lock on SQLite.

The PostgreSQL lock is a session lock held on a dedicated connection, so it vanishes the
moment the leader's process dies (its connection closes) and a follower takes over.
"""

from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

# An arbitrary, fixed 64-bit key naming "the tumor-board scheduler" among advisory locks.
ADVISORY_LOCK_KEY = 7_420_113_500_021


class PostgresLeadership:
    """Leadership while holding `pg_try_advisory_lock` on a connection of our own."""

    def __init__(self, database_url: str):
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if free; never blocks."""
        if self.connection is None:
            self.connection = self.engine.connect()
        got = self.connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar()
        self.connection.commit()
        return bool(got)

    def still_held(self) -> bool:
        """Whether our connection (and so the lock) is alive."""
        if self.connection is None:
            return False
        try:
            held = self.connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                )
            ).scalar()
            self.connection.commit()
            return bool(held)
        except Exception:  # noqa: BLE001 - a broken connection means the lock is gone
            self.connection = None
            return False

    def release(self) -> None:
        """Give up the lock by closing the dedicated connection."""
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None
        self.engine.dispose()


class FileLeadership:
    """Leadership while holding an OS file lock (released by the OS when we die)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(path))

    def try_acquire(self) -> bool:
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def still_held(self) -> bool:
        return self.lock.is_locked

    def release(self) -> None:
        if self.lock.is_locked:
            self.lock.release(force=True)


def leadership_for(database_url: str, lock_file: str):
    """The right kind of leadership for the configured database."""
    if database_url.startswith("postgresql"):
        return PostgresLeadership(database_url)
    return FileLeadership(Path(lock_file))
