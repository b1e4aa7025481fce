"""What a board concluded about one case at one session."""

import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from board.common.enums import LabelledEnum, stored_enum
from board.common.models import UTCDateTime, Versioned, parent_id
from board.common.time import utcnow
from board.extensions import db


class Concordance(LabelledEnum):
    """Agreement with the first opinion (Heeg et al., Ann Surg Oncol 2019)."""

    IDENTICAL = "identical"
    MINOR_DISCREPANCY = "minor_discrepancy"
    MAJOR_DISCREPANCY = "major_discrepancy"


class MeetingOutcome(Versioned, db.Model):
    """One case's discussion at one session; kept even when the case was not reached."""

    __tablename__ = "meeting_outcomes"
    __table_args__ = (UniqueConstraint("session_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_id("board_sessions.id")
    case_id: Mapped[int] = parent_id("cases.id")
    discussed: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    recommendation: Mapped[str] = mapped_column(Text, default="", nullable=False)
    concordance: Mapped[Concordance | None] = mapped_column(stored_enum(Concordance))
    differed_in_diagnosis: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    differed_in_stage: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    differed_in_treatment: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    stage_discussed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    guidelines_discussed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    trials_discussed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    follow_up_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    @property
    def differences(self) -> list[str]:
        return [
            name
            for name, flag in (
                ("diagnosis", self.differed_in_diagnosis),
                ("stage", self.differed_in_stage),
                ("treatment", self.differed_in_treatment),
            )
            if flag
        ]


class MeetingFinish(db.Model):
    """One finishing of a meeting and what it changed, so a coordinator can undo it.

    Undo is possible until the scheduler next runs: after that, the cases that went back to
    the queue may already sit on other agendas.
    """

    __tablename__ = "meeting_finishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_id("board_sessions.id")
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What finishing changed, as JSON: cases discussed, items removed, rows added or marked.
    changes_json: Mapped[str] = mapped_column(Text, default="{}", nullable=False)

    @property
    def changes(self) -> dict:
        return json.loads(self.changes_json)
