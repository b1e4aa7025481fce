"""Feed tokens, what each feed contains, its validators, and attendance answers."""

import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from board.agendas.models import AgendaItem
from board.common.errors import Conflict, NotFound
from board.common.models import utcnow
from board.extensions import db
from board.feeds.models import FeedToken
from board.schedule.models import AttendanceAnswer, SessionAttendance
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import mark_session_changed, session_local_date
from board.specialists.models import Specialist, board_memberships

WINDOW_BACK = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=366)
# Bump when the rendering changes, so every client refetches instead of revalidating.
FEED_FORMAT = "2"


def hash_feed_token(secret: str) -> str:
    """The stored form of a feed token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_feed_token(
    specialist_id: int | None = None,
    board_id: int | None = None,
    label: str = "",
    user_id: int | None = None,
) -> tuple[FeedToken, str]:
    """A new feed link for a specialist or a board; the secret is returned once."""
    secret = secrets.token_urlsafe(32)  # 256 bits from the OS's CSPRNG
    token = FeedToken(
        token_hash=hash_feed_token(secret),
        specialist_id=specialist_id,
        board_id=board_id,
        label=label,
        created_by_user_id=user_id,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_feed_token(token: FeedToken) -> None:
    """Stop a feed link at once."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def rotate_feed_token(token: FeedToken, user_id: int | None) -> tuple[FeedToken, str]:
    """Replace a feed link: the old one stops, a new one with the same label starts."""
    if token.revoked_at is not None:
        raise Conflict("This link is already revoked; create a new one instead.")
    revoke_feed_token(token)
    return issue_feed_token(token.specialist_id, token.board_id, token.label, user_id)


def list_feed_tokens(specialist_id: int | None = None, board_id: int | None = None) -> list:
    """A specialist's or a board's feed links, newest first."""
    query = db.select(FeedToken).order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
    if specialist_id is not None:
        query = query.where(FeedToken.specialist_id == specialist_id)
    if board_id is not None:
        query = query.where(FeedToken.board_id == board_id)
    return list(db.session.scalars(query))


def get_feed_token(token_id: int, specialist_id: int | None, board_id: int | None) -> FeedToken:
    """One feed link of this specialist or board."""
    token = db.session.get(FeedToken, token_id)
    if token is None or (token.specialist_id, token.board_id) != (specialist_id, board_id):
        raise NotFound("No such feed link.")
    return token


def resolve_feed_token(secret: str) -> FeedToken | None:
    """The live token behind a secret, or None (unknown and revoked look the same)."""
    if not secret or len(secret) > 100:
        return None
    token = db.session.scalar(
        db.select(FeedToken).where(FeedToken.token_hash == hash_feed_token(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    owner = token.specialist or token.board
    if owner is None or not owner.active:
        return None
    return token


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """30 days back to a year ahead, from the start of today (UTC) so it moves once a day."""
    start_of_day = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return start_of_day - WINDOW_BACK, start_of_day + WINDOW_AHEAD


def feed_sessions(token: FeedToken, now: datetime) -> list[BoardSession]:
    """The sessions a feed shows, in time order."""
    start, end = feed_window(now)
    query = (
        db.select(BoardSession)
        .where(BoardSession.starts_at >= start, BoardSession.starts_at < end)
        .order_by(BoardSession.starts_at, BoardSession.id)
    )
    if token.board_id is not None:
        return list(db.session.scalars(query.where(BoardSession.board_id == token.board_id)))
    specialist = token.specialist
    boards = db.select(board_memberships.c.board_id).where(
        board_memberships.c.specialist_id == specialist.id
    )
    declined = db.select(SessionAttendance.session_id).where(
        SessionAttendance.specialist_id == specialist.id,
        SessionAttendance.answer == AttendanceAnswer.DECLINED,
    )
    sessions = db.session.scalars(
        query.where(BoardSession.board_id.in_(boards), BoardSession.id.not_in(declined))
    ).all()
    return [s for s in sessions if not specialist.is_away_on(session_local_date(s))]


def feed_validator(token: FeedToken, sessions: list[BoardSession], now: datetime) -> str:
    """A strong ETag computed without rendering: it changes whenever the feed's bytes do."""
    owner = token.specialist or token.board
    window_start, _ = feed_window(now)
    parts = [
        FEED_FORMAT,
        "specialist" if token.specialist_id else "board",
        str(owner.id),
        str(token.id),  # each link's attendance URLs carry its own secret
        str(owner.version),
        window_start.date().isoformat(),
        *(f"{s.id}:{s.sequence}" for s in sessions),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def last_modified(token: FeedToken, sessions: list[BoardSession]) -> datetime:
    """The latest change to anything the feed shows."""
    owner = token.specialist or token.board
    moments = [s.content_changed_at or s.created_at for s in sessions]
    moments.append(owner.updated_at)
    return max(moments)


def agendas_for(sessions: list[BoardSession]) -> dict[int, list[AgendaItem]]:
    """Every shown session's agenda in order, in one query."""
    if not sessions:
        return {}
    items = db.session.scalars(
        db.select(AgendaItem)
        .where(AgendaItem.session_id.in_([s.id for s in sessions]))
        .order_by(AgendaItem.session_id, AgendaItem.position, AgendaItem.id)
    ).all()
    result: dict[int, list[AgendaItem]] = {}
    for item in items:
        result.setdefault(item.session_id, []).append(item)
    return result


def record_fetch(token_id: int, now: datetime) -> None:
    """Note that a subscriber fetched the feed, at most every few minutes per token.

    Runs in its own short transaction; losing this bookkeeping never fails a fetch.
    """
    stale = now - timedelta(seconds=current_app.config["FEED_FETCH_RECORD_SECONDS"])
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(FeedToken)
                .where(
                    FeedToken.id == token_id,
                    (FeedToken.last_fetched_at.is_(None)) | (FeedToken.last_fetched_at < stale),
                )
                .values(last_fetched_at=now, fetch_count=FeedToken.fetch_count + 1)
            )
    except OperationalError:
        current_app.logger.warning("could not record a feed fetch (database busy)")


def answer_attendance(
    token: FeedToken, session: BoardSession, answer: AttendanceAnswer
) -> SessionAttendance:
    """Record a specialist's confirm or decline for one of their sessions."""
    if token.specialist_id is None:
        raise NotFound("Only a personal feed link can answer for a session.")
    specialist: Specialist = token.specialist
    if session.board_id not in specialist.board_ids:
        raise NotFound("This session is not in your calendar.")
    if session.status in (SessionStatus.HELD, SessionStatus.CANCELLED):
        raise Conflict(f"This session is {session.status.value}; no answer is needed.")
    row = db.session.scalar(
        db.select(SessionAttendance).where(
            SessionAttendance.session_id == session.id,
            SessionAttendance.specialist_id == specialist.id,
        )
    )
    if row is None:
        row = SessionAttendance(session_id=session.id, specialist_id=specialist.id, answer=answer)
        db.session.add(row)
    row.answer = answer
    row.answered_at = utcnow()
    # The coordinator's quorum view and the board feed change; the declined session also
    # leaves this specialist's own feed.
    mark_session_changed(session)
    db.session.flush()
    return row


class MissLimiter:
    """Counts unknown-token requests per client address; too many in a window means 429.

    Per process: each web worker keeps its own count, which is enough to slow guessing.
    """

    def __init__(self, limit: int, window_seconds: float):
        self.limit, self.window = limit, window_seconds
        self.misses: dict[str, deque] = {}
        self.lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self.lock:
            recent = self._recent(address)
            return len(recent) >= self.limit

    def record_miss(self, address: str) -> None:
        with self.lock:
            self._recent(address).append(time.monotonic())

    def _recent(self, address: str) -> deque:
        recent = self.misses.setdefault(address, deque())
        cutoff = time.monotonic() - self.window
        while recent and recent[0] < cutoff:
            recent.popleft()
        if len(self.misses) > 10_000:  # bound memory under a spray of addresses
            self.misses = {address: recent}
        return recent


class RenderedFeeds:
    """A small LRU of rendered feeds by ETag, so a full fetch of an unchanged feed is cheap."""

    def __init__(self, size: int = 256):
        self.size = size
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            body = self.items.get(key)
            if body is not None:
                self.items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        with self.lock:
            self.items[key] = body
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
