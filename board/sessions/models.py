"""One meeting of a board on one date, and each specialist's answer for it."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.boards.models import Board
from board.common.enums import LabelledEnum, stored_enum
from board.common.models import Timestamped, UTCDateTime, Versioned, parent_id
from board.common.time import utcnow
from board.extensions import db


class SessionStatus(LabelledEnum):
    PLANNED = "planned"
    PUBLISHED = "published"
    HELD = "held"
    CANCELLED = "cancelled"


class BoardSession(Versioned, Timestamped, db.Model):
    noun = "session"  # in "No session 12." answers
    __tablename__ = "board_sessions"
    # Generated sessions are keyed by their scheduled occurrence so regeneration is idempotent.
    __table_args__ = (UniqueConstraint("board_id", "occurrence_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[SessionStatus] = mapped_column(
        stored_enum(SessionStatus, length=20),
        default=SessionStatus.PLANNED,
        nullable=False,
    )
    capacity_minutes_override: Mapped[int | None] = mapped_column(Integer)
    location_override: Mapped[str | None] = mapped_column(String(200))
    video_link_override: Mapped[str | None] = mapped_column(String(500))
    expected_attendance: Mapped[int | None] = mapped_column(Integer)
    # "YYYY-MM-DD" of the recurrence occurrence this session came from; None when ad hoc.
    occurrence_key: Mapped[str | None] = mapped_column(String(20))
    # True once a coordinator changed or cancelled it, so regeneration never undoes that.
    edited_by_coordinator: Mapped[bool] = mapped_column(default=False, nullable=False)
    # Bumped on every change a calendar shows (time, place, link, agenda, status).
    sequence: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    board: Mapped[Board] = relationship(lazy="joined")

    @property
    def capacity_minutes(self) -> int:
        if self.capacity_minutes_override is not None:
            return self.capacity_minutes_override
        return self.board.capacity_minutes

    @property
    def location(self) -> str:
        return self.location_override if self.location_override is not None else self.board.location

    @property
    def video_link(self) -> str:
        if self.video_link_override is not None:
            return self.video_link_override
        return self.board.video_link


class AttendanceAnswer(LabelledEnum):
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class SessionAttendance(Versioned, db.Model):
    """A specialist's answer for one session; a decline removes them from its quorum."""

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "specialist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_id("board_sessions.id")
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("specialists.id", ondelete="CASCADE"), nullable=False
    )
    answer: Mapped[AttendanceAnswer] = mapped_column(
        stored_enum(AttendanceAnswer, length=20),
        nullable=False,
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Recorded at the meeting itself (CoC asks for attendance to be recorded).
    attended: Mapped[bool | None] = mapped_column(Boolean)
