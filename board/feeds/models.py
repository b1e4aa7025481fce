"""Feed tokens: capabilities in a calendar URL, stored hashed, one per device, revocable."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.boards.models import Board
from board.common.models import UTCDateTime
from board.common.time import utcnow
from board.extensions import db
from board.specialists.models import Specialist


class FeedToken(db.Model):
    __tablename__ = "feed_tokens"
    __table_args__ = (
        CheckConstraint("(specialist_id IS NULL) <> (board_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of a 256-bit random secret: enough, since there is nothing to brute-force.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    specialist_id: Mapped[int | None] = mapped_column(
        ForeignKey("specialists.id", ondelete="CASCADE"), index=True
    )
    board_id: Mapped[int | None] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Coordinators see who subscribed; updated at most every few minutes per token.
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetch_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    specialist: Mapped[Specialist | None] = relationship()
    board: Mapped[Board | None] = relationship()


class FeedTokenMiss(db.Model):
    """Requests for unknown feed tokens from one client network in one time bucket.

    In the database, not in a worker's memory, so the guessing limit holds across every web
    worker and host; old buckets are deleted as new misses arrive.
    """

    __tablename__ = "feed_token_misses"

    # An IPv4 address, or an IPv6 /64 network (one client usually holds a whole /64).
    network: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Seconds since the epoch // FEED_MISS_BUCKET_SECONDS.
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    misses: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
