"""Specialists, their board memberships and time off."""

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.boards.models import Board
from board.common.models import (
    Timestamped,
    Versioned,
    link_table,
    linked,
    owned_children,
    parent_id,
)
from board.extensions import db
from board.vocabulary.models import DiseaseSite, Specialty

specialist_sites = link_table(
    "specialist_sites", ("specialist_id", "specialists.id"), ("site_code", "disease_sites.code")
)
board_memberships = link_table(
    "board_memberships",
    ("specialist_id", "specialists.id"),
    ("board_id", "boards.id"),
    both_owned=True,
)


class Specialist(Versioned, Timestamped, db.Model):
    __tablename__ = "specialists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    specialty_code: Mapped[str] = mapped_column(ForeignKey("specialties.code"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Minutes before each session that their calendar reminds them; None: no reminder.
    reminder_minutes: Mapped[int | None] = mapped_column(Integer, default=30, server_default="30")

    specialty: Mapped[Specialty] = relationship(lazy="joined")
    sites: Mapped[list[DiseaseSite]] = linked(specialist_sites, DiseaseSite.code)
    boards: Mapped[list[Board]] = linked(board_memberships, Board.name)
    time_off: Mapped[list["TimeOff"]] = owned_children("specialist", "TimeOff.starts_on")

    @property
    def site_codes(self) -> list[str]:
        return [site.code for site in self.sites]

    @property
    def board_ids(self) -> list[int]:
        return [board.id for board in self.boards]

    def is_away_on(self, day: date) -> bool:
        return any(entry.starts_on <= day <= entry.ends_on for entry in self.time_off)


class TimeOff(Versioned, db.Model):
    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = parent_id("specialists.id")
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    specialist: Mapped[Specialist] = relationship(back_populates="time_off")
