"""Feed tokens, what each feed contains, its validators, and attendance answers."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, literal_column, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from board.agendas.models import AgendaItem
from board.boards.models import Board
from board.cases.models import Case
from board.common.errors import Conflict, NotFound
from board.common.signals import session_changed
from board.common.time import as_utc, local_date, start_of_utc_day, utcnow
from board.extensions import db
from board.feeds.models import FeedToken
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.specialists.models import Specialist, TimeOff, board_memberships

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


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """30 days back to a year ahead, from the start of today (UTC) so it moves once a day."""
    start_of_day = start_of_utc_day(now)
    return start_of_day - WINDOW_BACK, start_of_day + WINDOW_AHEAD


@dataclass(frozen=True)
class FeedLink:
    """A live feed token, its owner's version, and a change marker, read in one query."""

    token_id: int
    token_hash: str
    specialist_id: int | None
    board_id: int | None
    owner_version: int
    owner_updated_at: datetime
    last_fetched_at: datetime | None
    # Grows with every change a feed can show; see feed_link_query.
    marker: tuple

    @property
    def owner_id(self) -> int:
        return self.specialist_id if self.specialist_id is not None else self.board_id


ONE, ZERO = literal_column("1"), literal_column("0")


@cache
def compiled_feed_link_query(dialect) -> tuple[str, tuple[str, ...] | None]:
    """The link query as the driver's SQL, compiled once per dialect."""
    compiled = feed_link_query().compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup) if compiled.positional else None


@cache
def feed_link_query():
    """The token, its owner, and sums that only ever grow when anything a feed shows changes.

    Every visible change to a session bumps its sequence (mark_session_changed), a new session
    adds a row, a board edit bumps the board's version, and a specialist's name, memberships
    and time off bump theirs; sessions are never deleted. So the sum of `sequence + 1` over
    the owner's boards' sessions (all of them, not only the window's) and the sum of those
    boards' versions, with the owner's version, strictly grow with any change: a process may
    remember a feed's validators under this marker instead of reading every shown session.
    """
    member_boards = (
        db.select(board_memberships.c.board_id)
        .where(board_memberships.c.specialist_id == FeedToken.specialist_id)
        .correlate(FeedToken)
    )
    member_sessions = (
        db.select(func.coalesce(func.sum(BoardSession.sequence + ONE), ZERO))
        .where(BoardSession.board_id.in_(member_boards))
        .correlate(FeedToken)
        .scalar_subquery()
    )
    own_sessions = (
        db.select(func.coalesce(func.sum(BoardSession.sequence + ONE), ZERO))
        .where(BoardSession.board_id == FeedToken.board_id)
        .correlate(FeedToken)
        .scalar_subquery()
    )
    member_board_versions = (
        db.select(func.coalesce(func.sum(Board.version), ZERO))
        .where(Board.id.in_(member_boards))
        .correlate(FeedToken)
        .scalar_subquery()
    )
    return (
        db.select(
            FeedToken.id,
            FeedToken.specialist_id,
            FeedToken.board_id,
            FeedToken.last_fetched_at,
            Specialist.active,
            Specialist.version,
            Specialist.updated_at,
            Board.active,
            Board.version,
            Board.updated_at,
            member_sessions + own_sessions,
            member_board_versions,
        )
        .select_from(FeedToken)
        .outerjoin(Specialist, Specialist.id == FeedToken.specialist_id)
        .outerjoin(Board, Board.id == FeedToken.board_id)
        .where(FeedToken.token_hash == bindparam("token_hash"), FeedToken.revoked_at.is_(None))
    )


def resolve_feed_link(secret: str, now: datetime) -> FeedLink | None:
    """The live token behind a secret as plain values, or None (unknown and revoked alike).

    Most feed requests are answered from these values alone (a 304, or a body rendered
    before), so they come from one narrow SELECT rather than ORM objects.
    """
    if not secret or len(secret) > 100:
        return None
    token_hash = hash_feed_token(secret)
    # One statement on a pooled driver connection, its SQL compiled once: this query is most
    # of the cost of a 304, and SQLAlchemy's per-execution work would double it.
    sql, positions = compiled_feed_link_query(db.engine.dialect)
    params = (token_hash,) * len(positions) if positions is not None else {"token_hash": token_hash}
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    if row is None:
        return None
    token_id, specialist_id, board_id, last_fetched_at, *owners, sessions, boards = row
    active, version, updated_at = owners[:3] if specialist_id is not None else owners[3:]
    if not active:
        return None
    last_fetched_at, updated_at = as_utc(last_fetched_at), as_utc(updated_at)
    window_start, _ = feed_window(now)
    marker = (token_hash, window_start.date(), version, int(sessions), int(boards))
    return FeedLink(
        token_id, token_hash, specialist_id, board_id, version, updated_at, last_fetched_at, marker
    )


@dataclass(frozen=True)
class FeedEntry:
    """One shown session, as much as the validators need; rendering loads the rest."""

    session_id: int
    sequence: int
    changed_at: datetime
    board_id: int
    board_version: int
    board_updated_at: datetime


def feed_entries(link: FeedLink, now: datetime) -> list[FeedEntry]:
    """The sessions a feed shows, in time order, from narrow SELECTs (no ORM objects)."""
    start, end = feed_window(now)
    query = (
        db.select(
            BoardSession.id,
            BoardSession.sequence,
            BoardSession.content_changed_at,
            BoardSession.created_at,
            BoardSession.starts_at,
            BoardSession.board_id,
            Board.time_zone,
            Board.version,
            Board.updated_at,
        )
        .join(Board, Board.id == BoardSession.board_id)
        .where(BoardSession.starts_at >= start, BoardSession.starts_at < end)
        .order_by(BoardSession.starts_at, BoardSession.id)
    )
    if link.board_id is not None:
        rows = db.session.execute(query.where(BoardSession.board_id == link.board_id)).all()
        away: list[tuple[date, date]] = []
    else:
        boards = db.select(board_memberships.c.board_id).where(
            board_memberships.c.specialist_id == link.specialist_id
        )
        declined = db.select(SessionAttendance.session_id).where(
            SessionAttendance.specialist_id == link.specialist_id,
            SessionAttendance.answer == AttendanceAnswer.DECLINED,
        )
        rows = db.session.execute(
            query.where(BoardSession.board_id.in_(boards), BoardSession.id.not_in(declined))
        ).all()
        away = db.session.execute(
            db.select(TimeOff.starts_on, TimeOff.ends_on).where(
                TimeOff.specialist_id == link.specialist_id
            )
        ).all()
    entries = []
    for session_id, sequence, changed, created, starts_at, board_id, zone, version, updated in rows:
        # The session's own calendar day, as session_local_date computes it.
        if away and is_away(away, local_date(starts_at, zone)):
            continue
        entries.append(
            FeedEntry(session_id, sequence, changed or created, board_id, version, updated)
        )
    return entries


def is_away(time_off: list[tuple[date, date]], day: date) -> bool:
    return any(starts_on <= day <= ends_on for starts_on, ends_on in time_off)


def feed_validator(link: FeedLink, entries: list[FeedEntry], now: datetime) -> str:
    """A strong ETag computed without rendering: it changes whenever the feed's bytes do.

    Every visible change to a session bumps its sequence; the owner's version covers its
    name, memberships and time off; each shown board's version covers board-level text
    (its name in past events, which a board edit does not re-sequence).
    """
    window_start, _ = feed_window(now)
    boards = sorted({(entry.board_id, entry.board_version) for entry in entries})
    parts = [
        FEED_FORMAT,
        "specialist" if link.specialist_id is not None else "board",
        str(link.owner_id),
        link.token_hash,  # each link's attendance URLs carry its own secret
        str(link.owner_version),
        window_start.date().isoformat(),
        *(f"b{board_id}:{version}" for board_id, version in boards),
        *(f"{entry.session_id}:{entry.sequence}" for entry in entries),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def last_modified(link: FeedLink, entries: list[FeedEntry]) -> datetime:
    """The latest change to anything the feed shows."""
    moments = [link.owner_updated_at]
    for entry in entries:
        moments.append(entry.changed_at)
        moments.append(entry.board_updated_at)
    return max(moments)


def load_feed_sessions(entries: list[FeedEntry]) -> list[BoardSession]:
    """The shown sessions as ORM objects for rendering, in the entries' order."""
    if not entries:
        return []
    by_id = {
        session.id: session
        for session in db.session.scalars(
            db.select(BoardSession).where(
                BoardSession.id.in_([entry.session_id for entry in entries])
            )
        )
    }
    return [by_id[entry.session_id] for entry in entries if entry.session_id in by_id]


def agendas_for(sessions: list[BoardSession]) -> dict[int, list[AgendaItem]]:
    """Every shown session's agenda in order, in one query.

    Only the case columns a calendar shows are loaded, with the disease site joined; the
    case's other relationships stay unloaded (patient data never leaves the database).
    """
    if not sessions:
        return {}
    case = joinedload(AgendaItem.case)
    items = db.session.scalars(
        db.select(AgendaItem)
        .options(
            case.load_only(
                Case.reference,
                Case.site_code,
                Case.opinion_kind,
                Case.priority,
                Case.presenting_physician,
                Case.question_category,
            ),
            case.joinedload(Case.site),
            case.lazyload("*"),
        )
        .where(AgendaItem.session_id.in_([s.id for s in sessions]))
        .order_by(AgendaItem.session_id, AgendaItem.position, AgendaItem.id)
    ).all()
    result: dict[int, list[AgendaItem]] = {}
    for item in items:
        result.setdefault(item.session_id, []).append(item)
    return result


def record_fetch(link: FeedLink, now: datetime) -> None:
    """Note that a subscriber fetched the feed, at most every few minutes per token.

    Skipped without touching the database when the token's last fetch is recent; otherwise
    runs in its own short transaction; losing this bookkeeping never fails a fetch.
    """
    stale = now - timedelta(seconds=current_app.config["FEED_FETCH_RECORD_SECONDS"])
    if link.last_fetched_at is not None and link.last_fetched_at >= stale:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(FeedToken)
                .where(
                    FeedToken.id == link.token_id,
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
    session_changed.send(session)
    db.session.flush()
    return row
