"""Feed tokens, what each feed contains, its validators, and attendance answers."""

import hashlib
import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import String, bindparam, delete, func, literal_column, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from board.agendas.models import AgendaItem
from board.boards.models import Board
from board.cases.models import Case, RecordItem
from board.common.errors import Conflict, NotFound
from board.common.signals import session_changed
from board.common.time import as_utc, local_date, start_of_utc_day, utcnow
from board.extensions import db
from board.feeds.calendar import AgendaEntry
from board.feeds.models import FeedToken, FeedTokenMiss
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.specialists.models import Specialist, TimeOff, board_memberships
from board.vocabulary.models import DiseaseSite

WINDOW_BACK = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=366)
# Bump both when the rendering changes: every client refetches instead of revalidating.
FEED_FORMAT = "3"
FEED_FORMAT_SINCE = datetime(2026, 12, 1, tzinfo=UTC)


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
    # False for a revoked link or one whose owner left: answered 410, never counted as a guess.
    alive: bool
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
            FeedToken.revoked_at,
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
        .where(FeedToken.token_hash == bindparam("token_hash"))
    )


def resolve_feed_link(secret: str, now: datetime) -> FeedLink | None:
    """The token behind a secret as plain values (`alive` False once revoked), or None.

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
    token_id, specialist_id, board_id, last_fetched_at, revoked_at, *owners, sessions, boards = row
    active, version, updated_at = owners[:3] if specialist_id is not None else owners[3:]
    alive = bool(active) and revoked_at is None
    last_fetched_at, updated_at = as_utc(last_fetched_at), as_utc(updated_at)
    window_start, _ = feed_window(now)
    marker = (token_hash, window_start.date(), version, int(sessions), int(boards))
    return FeedLink(
        token_id,
        token_hash,
        alive,
        specialist_id,
        board_id,
        version,
        updated_at,
        last_fetched_at,
        marker,
    )


@dataclass(frozen=True)
class FeedEntry:
    """One shown session and the owner's answer for it; rendering loads the rest."""

    session_id: int
    answer: AttendanceAnswer | None = None


def window_session_ids(link: FeedLink, now: datetime):
    """A subquery of the owner's boards' sessions in the window (a superset of the shown
    ones): the rendering queries filter by it instead of by a list of hundreds of ids, whose
    expanding bind parameters cost SQLAlchemy more to compile than the queries take to run."""
    start, end = feed_window(now)
    return db.select(BoardSession.id).where(
        BoardSession.board_id.in_(owner_board_ids(link)),
        BoardSession.starts_at >= start,
        BoardSession.starts_at < end,
    )


def feed_entries(link: FeedLink, now: datetime) -> list[FeedEntry]:
    """The sessions a feed shows, in time order, from narrow SELECTs (no ORM objects).

    A specialist's feed keeps the sessions they declined (marked so), and leaves out those
    on days they are away.
    """
    start, end = feed_window(now)
    query = (
        db.select(BoardSession.id, BoardSession.starts_at, Board.time_zone)
        .join(Board, Board.id == BoardSession.board_id)
        .where(BoardSession.starts_at >= start, BoardSession.starts_at < end)
        .order_by(BoardSession.starts_at, BoardSession.id)
    )
    if link.board_id is not None:
        rows = db.session.execute(query.where(BoardSession.board_id == link.board_id)).all()
        return [FeedEntry(session_id) for session_id, _, _ in rows]
    rows = db.session.execute(query.where(BoardSession.board_id.in_(owner_board_ids(link)))).all()
    away = db.session.execute(
        db.select(TimeOff.starts_on, TimeOff.ends_on).where(
            TimeOff.specialist_id == link.specialist_id
        )
    ).all()
    answers = dict(
        db.session.execute(
            db.select(SessionAttendance.session_id, SessionAttendance.answer).where(
                SessionAttendance.specialist_id == link.specialist_id,
                SessionAttendance.session_id.in_(window_session_ids(link, now)),
            )
        ).all()
    )
    return [
        FeedEntry(session_id, answers.get(session_id))
        for session_id, starts_at, zone in rows
        # The session's own calendar day, as session_local_date computes it.
        if not (away and is_away(away, local_date(starts_at, zone)))
    ]


def is_away(time_off: list[tuple[date, date]], day: date) -> bool:
    return any(starts_on <= day <= ends_on for starts_on, ends_on in time_off)


def feed_etag(body: bytes) -> str:
    """The strong validator of a feed: a hash of the exact bytes sent (identity encoding).

    Rendering is deterministic, so every worker, before and after a restart, derives the same
    ETag for the same body and a different one for any other body.
    """
    return hashlib.sha256(body).hexdigest()[:40]


def owner_board_ids(link: FeedLink):
    """The boards whose sessions the feed may show (as a subquery for a specialist)."""
    if link.board_id is not None:
        return [link.board_id]
    return db.select(board_memberships.c.board_id).where(
        board_memberships.c.specialist_id == link.specialist_id
    )


def last_modified(link: FeedLink, now: datetime) -> datetime:
    """When anything the feed shows last changed, rounded up to the whole second.

    Every session of the owner's boards counts, shown or not: a session that leaves the feed
    (declined, moved out, away) was changed when it left. The window moves at the start of
    each UTC day, so that counts as a change too, as does a new rendering format.
    """
    boards = owner_board_ids(link)
    sessions_changed = db.session.scalar(
        db.select(
            func.max(func.coalesce(BoardSession.content_changed_at, BoardSession.created_at))
        ).where(BoardSession.board_id.in_(boards))
    )
    boards_changed = db.session.scalar(
        db.select(func.max(Board.updated_at)).where(Board.id.in_(boards))
    )
    moments = [link.owner_updated_at, start_of_utc_day(now), FEED_FORMAT_SINCE]
    moments += [as_utc(moment) for moment in (sessions_changed, boards_changed) if moment]
    return rounded_up(max(moments))


def rounded_up(moment: datetime) -> datetime:
    """Up to the whole second: a later change within the same second is then not hidden by
    an If-Modified-Since of that second (the header itself is never sent later than now)."""
    whole = moment.replace(microsecond=0)
    return whole + timedelta(seconds=1) if moment.microsecond else whole


def load_feed_sessions(entries: list[FeedEntry], shown_ids=None) -> list[BoardSession]:
    """The shown sessions as ORM objects for rendering, in the entries' order; `shown_ids`
    (a subquery covering them, see window_session_ids) spares a long list of ids."""
    if not entries:
        return []
    if shown_ids is None:
        shown_ids = [entry.session_id for entry in entries]
    by_id = {
        session.id: session
        for session in db.session.scalars(
            db.select(BoardSession).where(BoardSession.id.in_(shown_ids))
        )
    }
    return [by_id[entry.session_id] for entry in entries if entry.session_id in by_id]


def agendas_for(sessions: list[BoardSession], shown_ids=None) -> dict[int, list[AgendaEntry]]:
    """Every shown session's agenda in order, in one narrow query.

    Only the case columns a calendar shows are read, with the disease site's name; patient
    data never leaves the database. Plain rows, not ORM objects: a year of agendas is
    thousands of items.
    """
    if not sessions:
        return {}
    rows = db.session.execute(
        db.select(
            AgendaItem.session_id,
            AgendaItem.position,
            AgendaItem.minutes,
            Case.id,
            Case.reference,
            DiseaseSite.name,
            # Stored values as they are: the labels are looked up while rendering.
            type_coerce(Case.opinion_kind, String),
            type_coerce(Case.priority, String),
            Case.presenting_physician,
            type_coerce(Case.question_category, String),
            Case.requested_specialist_id,
        )
        .join(Case, Case.id == AgendaItem.case_id)
        .join(DiseaseSite, DiseaseSite.code == Case.site_code)
        .where(
            AgendaItem.session_id.in_(
                shown_ids if shown_ids is not None else [s.id for s in sessions]
            )
        )
        .order_by(AgendaItem.session_id, AgendaItem.position, AgendaItem.id)
    ).all()
    result: dict[int, list[AgendaEntry]] = {}
    for session_id, *shown in rows:
        result.setdefault(session_id, []).append(AgendaEntry(*shown))
    return result


def records_checklists(shown_ids) -> dict[int, list[tuple]]:
    """The records of every case on these sessions' agendas as (kind, received) pairs, in
    one narrow query (`shown_ids`: session ids, or a subquery of them)."""
    on_agendas = db.select(AgendaItem.case_id).where(AgendaItem.session_id.in_(shown_ids))
    rows = db.session.execute(
        db.select(RecordItem.case_id, RecordItem.kind, RecordItem.received_on)
        .where(RecordItem.case_id.in_(on_agendas))
        .order_by(RecordItem.case_id, RecordItem.id)
    ).all()
    checklists: dict[int, list[tuple]] = {}
    for case_id, kind, received_on in rows:
        checklists.setdefault(case_id, []).append((kind, received_on is not None))
    return checklists


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


def is_answerable(session: BoardSession, now: datetime) -> bool:
    """Whether attendance can still be answered: not held, not cancelled, not yet started."""
    return (
        session.status not in (SessionStatus.HELD, SessionStatus.CANCELLED)
        and session.starts_at > now
    )


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
    if not is_answerable(session, utcnow()):
        raise Conflict("This session has already started; no answer is needed.")
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
    # The coordinator's quorum view and the feeds change: this specialist's own feed marks
    # the session confirmed or declined.
    session_changed.send(session)
    db.session.flush()
    return row


def client_network(address: str) -> str:
    """The unit the guessing limit counts: an IPv4 address, or the /64 of an IPv6 address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "?"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def miss_bucket(now: datetime) -> int:
    return math.floor(now.timestamp()) // current_app.config["FEED_MISS_BUCKET_SECONDS"]


def is_guessing(address: str, now: datetime) -> bool:
    """True when this client asked for too many unknown feed tokens within the window.

    Only asked after a token failed to resolve: a valid token is never refused.
    """
    config = current_app.config
    buckets = math.ceil(config["FEED_MISS_WINDOW_SECONDS"] / config["FEED_MISS_BUCKET_SECONDS"])
    recent = db.session.scalar(
        db.select(func.coalesce(func.sum(FeedTokenMiss.misses), 0)).where(
            FeedTokenMiss.network == client_network(address),
            FeedTokenMiss.bucket > miss_bucket(now) - buckets,
        )
    )
    return recent >= config["FEED_MISS_LIMIT"]


def record_unknown_token(address: str, now: datetime) -> None:
    """Count one request for an unknown token, in its own short transaction, and forget
    buckets older than the window; losing this bookkeeping never fails a request."""
    config = current_app.config
    bucket = miss_bucket(now)
    buckets = math.ceil(config["FEED_MISS_WINDOW_SECONDS"] / config["FEED_MISS_BUCKET_SECONDS"])
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(FeedTokenMiss).values(
        network=client_network(address), bucket=bucket, misses=1
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[FeedTokenMiss.network, FeedTokenMiss.bucket],
        set_={"misses": FeedTokenMiss.misses + 1},
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(upsert)
            connection.execute(
                delete(FeedTokenMiss).where(FeedTokenMiss.bucket <= bucket - buckets)
            )
    except OperationalError:
        current_app.logger.warning("could not record an unknown feed token (database busy)")
