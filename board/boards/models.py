"""A board is a standing conference covering disease sites with a required quorum."""

from datetime import time

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.common.models import Timestamped, Versioned
from board.extensions import db
from board.vocabulary.models import DiseaseSite, Specialty

board_sites = Table(
    "board_sites",
    db.metadata,
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
    Column("site_code", ForeignKey("disease_sites.code"), primary_key=True),
)

board_required_specialties = Table(
    "board_required_specialties",
    db.metadata,
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_code", ForeignKey("specialties.code"), primary_key=True),
)


class Board(Versioned, Timestamped, db.Model):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    # An RRULE without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=TU", expanded in `time_zone`.
    recurrence: Mapped[str] = mapped_column(String(400), nullable=False)
    local_start_time: Mapped[time] = mapped_column(Time, nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    location: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    video_link: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    capacity_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    default_case_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    records_lead_business_days: Mapped[int] = mapped_column(Integer, nullable=False)
    agenda_freeze_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    # Attendance thresholds are a program's own choice (CoC 2.5), so they live per board.
    attendance_target_percent: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    notes: Mapped[str] = mapped_column(Text, default="", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    sites: Mapped[list[DiseaseSite]] = relationship(
        secondary=board_sites, order_by=DiseaseSite.code, lazy="selectin"
    )
    required_specialties: Mapped[list[Specialty]] = relationship(
        secondary=board_required_specialties, order_by=Specialty.code, lazy="selectin"
    )

    @property
    def site_codes(self) -> list[str]:
        return [site.code for site in self.sites]

    @property
    def required_specialty_codes(self) -> list[str]:
        return [specialty.code for specialty in self.required_specialties]
