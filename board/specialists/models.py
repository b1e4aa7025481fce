"""Specialists, their board memberships and time off."""

from datetime import date

from sqlalchemy import Boolean, Column, Date, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.boards.models import Board
from board.common.models import Timestamped, Versioned
from board.extensions import db
from board.vocabulary.models import DiseaseSite, Specialty

specialist_sites = Table(
    "specialist_sites",
    db.metadata,
    Column("specialist_id", ForeignKey("specialists.id", ondelete="CASCADE"), primary_key=True),
    Column("site_code", ForeignKey("disease_sites.code"), primary_key=True),
)

board_memberships = Table(
    "board_memberships",
    db.metadata,
    Column("specialist_id", ForeignKey("specialists.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)


class Specialist(Versioned, Timestamped, db.Model):
    __tablename__ = "specialists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    specialty_code: Mapped[str] = mapped_column(ForeignKey("specialties.code"), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    specialty: Mapped[Specialty] = relationship(lazy="joined")
    sites: Mapped[list[DiseaseSite]] = relationship(
        secondary=specialist_sites, order_by=DiseaseSite.code, lazy="selectin"
    )
    boards: Mapped[list[Board]] = relationship(
        secondary=board_memberships, order_by=Board.name, lazy="selectin"
    )
    time_off: Mapped[list["TimeOff"]] = relationship(
        back_populates="specialist",
        order_by="TimeOff.starts_on",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

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
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("specialists.id", ondelete="CASCADE"), index=True, nullable=False
    )
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    specialist: Mapped[Specialist] = relationship(back_populates="time_off")
