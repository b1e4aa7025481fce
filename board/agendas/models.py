"""One case on one session's agenda."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.cases.models import Case
from board.common.models import UTCDateTime, Versioned, parent_id
from board.common.time import utcnow
from board.extensions import db
from board.sessions.models import BoardSession


class AgendaItem(Versioned, db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("session_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = parent_id("board_sessions.id")
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # None means the scheduling engine placed it; otherwise the coordinator who did.
    placed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    session: Mapped[BoardSession] = relationship()
    case: Mapped[Case] = relationship()

    @property
    def placed_by_engine(self) -> bool:
        return self.placed_by_user_id is None
