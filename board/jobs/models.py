"""Firings of the background jobs, one row per job and time slot."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from board.common.models import UTCDateTime
from board.common.time import utcnow
from board.extensions import db


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
