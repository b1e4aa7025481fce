"""A board is a standing conference covering disease sites with a required quorum."""

from datetime import date, time

from sqlalchemy import Boolean, Date, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from board.common.models import Timestamped, Versioned, link_table, linked
from board.extensions import db
from board.vocabulary.models import DiseaseSite, Specialty

board_sites = link_table(
    "board_sites", ("board_id", "boards.id"), ("site_code", "disease_sites.code")
)
board_required_specialties = link_table(
    "board_required_specialties",
    ("board_id", "boards.id"),
    ("specialty_code", "specialties.code"),
)


class Board(Versioned, Timestamped, db.Model):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    # An RRULE without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=TU", expanded in `time_zone`.
    recurrence: Mapped[str] = mapped_column(String(400), nullable=False)
    # The local day of the board's first session: the rule is always expanded from here, so
    # an INTERVAL (fortnightly, monthly) keeps one phase whoever generates the sessions.
    recurrence_starts_on: Mapped[date] = mapped_column(Date, nullable=False)
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

    sites: Mapped[list[DiseaseSite]] = linked(board_sites, DiseaseSite.code)
    required_specialties: Mapped[list[Specialty]] = linked(
        board_required_specialties, Specialty.code
    )

    @property
    def site_codes(self) -> list[str]:
        return [site.code for site in self.sites]

    @property
    def required_specialty_codes(self) -> list[str]:
        return [specialty.code for specialty in self.required_specialties]
