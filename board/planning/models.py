"""Records of engine runs and of each case's latest placement note."""

import json
import os
import socket
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from board.common.enums import LabelledEnum, stored_enum
from board.common.models import UTCDateTime
from board.common.time import utcnow
from board.extensions import db


class RunOutcome(LabelledEnum):
    RUNNING = "running"
    APPLIED = "applied"
    PROPOSED = "proposed"  # a dry run: changes computed, nothing written
    FAILED = "failed"


def this_process() -> str:
    """The host and process id a run (or a job firing) is recorded under."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ScheduleRun(db.Model):
    """One run of the optimizing engine, scheduled or asked for."""

    __tablename__ = "schedule_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(40), nullable=False)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept fresh while the run works (board/jobs/heartbeat.py); a stale one means its
    # process died, and the scheduler leader marks the run failed.
    owner: Mapped[str] = mapped_column(String(120), default=this_process, nullable=False)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[RunOutcome] = mapped_column(
        stored_enum(RunOutcome, length=20),
        default=RunOutcome.RUNNING,
        nullable=False,
    )
    cases_considered: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    placed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    moved_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    removed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    unplaced_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    objective: Mapped[float | None] = mapped_column(Float)
    upper_bound: Mapped[float | None] = mapped_column(Float)
    proven_optimal: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    method: Mapped[str] = mapped_column(String(60), default="", nullable=False)
    solve_seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # The changes as JSON text: what moved where and why; shown to coordinators.
    changes_json: Mapped[str] = mapped_column(Text, default="[]", nullable=False)

    @property
    def changes(self) -> list[dict]:
        return json.loads(self.changes_json)


class CasePlacementNote(db.Model):
    """The engine's latest word on one case: where it goes, or why nowhere."""

    __tablename__ = "case_placement_notes"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("schedule_runs.id"), nullable=False)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("board_sessions.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
