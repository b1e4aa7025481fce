"""Records of engine runs, of background job firings, and of attendance answers."""

import enum
import json
from datetime import datetime

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from board.common.models import UTCDateTime, Versioned, enum_values, utcnow
from board.extensions import db


class RunOutcome(enum.StrEnum):
    RUNNING = "running"
    APPLIED = "applied"
    PROPOSED = "proposed"  # a dry run: changes computed, nothing written
    FAILED = "failed"


class ScheduleRun(db.Model):
    """One run of the optimizing engine, scheduled or asked for."""

    __tablename__ = "schedule_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(40), nullable=False)
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[RunOutcome] = mapped_column(
        Enum(RunOutcome, native_enum=False, length=20, values_callable=enum_values),
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


class JobFiring(db.Model):
    """One firing of a background job, keyed by its time slot so no slot runs twice."""

    __tablename__ = "job_firings"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40), nullable=False)
    slot: Mapped[str] = mapped_column(String(40), nullable=False)
    owner: Mapped[str] = mapped_column(String(120), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="running", nullable=False)
    summary: Mapped[str] = mapped_column(Text, default="", nullable=False)


class AttendanceAnswer(enum.StrEnum):
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class SessionAttendance(Versioned, db.Model):
    """A specialist's answer for one session; a decline removes them from its quorum."""

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "specialist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("board_sessions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("specialists.id", ondelete="CASCADE"), nullable=False
    )
    answer: Mapped[AttendanceAnswer] = mapped_column(
        Enum(AttendanceAnswer, native_enum=False, length=20, values_callable=enum_values),
        nullable=False,
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Recorded at the meeting itself (CoC asks for attendance to be recorded).
    attended: Mapped[bool | None] = mapped_column(Boolean)
