"""Creating, changing and generating sessions."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask import current_app

from board.boards.models import Board
from board.common.errors import Conflict, ValidationFailed, field_error
from board.common.signals import board_changed, recurrence_changed, session_changed
from board.common.time import board_time, local_date, utcnow
from board.extensions import db
from board.sessions.models import AttendanceAnswer, BoardSession, SessionAttendance, SessionStatus
from board.specialists.services import list_specialists
from scheduling import holiday_dates

# What a calendar subscriber sees (the event shows "n of m minutes"); a change bumps SEQUENCE.
# The shown values, not the override columns: setting an override to the board's own value
# changes nothing a calendar shows.
VISIBLE_FIELDS = (
    "starts_at",
    "ends_at",
    "status",
    "location",
    "video_link",
    "capacity_minutes",
)

ALLOWED_STATUS_CHANGES = {
    SessionStatus.PLANNED: {SessionStatus.PUBLISHED, SessionStatus.CANCELLED},
    SessionStatus.PUBLISHED: {SessionStatus.PLANNED, SessionStatus.HELD, SessionStatus.CANCELLED},
    SessionStatus.CANCELLED: {SessionStatus.PLANNED},
    SessionStatus.HELD: set(),
}


def list_sessions(
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    board_id: int | None = None,
    status: SessionStatus | None = None,
) -> list[BoardSession]:
    """Sessions in time order, filtered by window, board and status."""
    query = db.select(BoardSession).order_by(BoardSession.starts_at, BoardSession.id)
    if starts_from is not None:
        query = query.where(BoardSession.starts_at >= starts_from)
    if starts_to is not None:
        query = query.where(BoardSession.starts_at < starts_to)
    if board_id is not None:
        query = query.where(BoardSession.board_id == board_id)
    if status is not None:
        query = query.where(BoardSession.status == status)
    return list(db.session.scalars(query))


def create_ad_hoc_session(data: dict) -> BoardSession:
    """Add a one-off meeting of a board, outside its recurrence."""
    board = db.session.get(Board, data["board_id"])
    if board is None:
        raise field_error("board_id", f"Unknown board: {data['board_id']}.")
    if data["starts_at"] < utcnow() - timedelta(days=1):
        raise field_error("starts_at", "An ad-hoc session cannot start in the past.")
    starts_at = data["starts_at"].astimezone(UTC)
    session = BoardSession(
        board=board,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=data.get("duration_minutes", board.duration_minutes)),
        capacity_minutes_override=data.get("capacity_minutes"),
        location_override=data.get("location"),
        video_link_override=data.get("video_link"),
        expected_attendance=data.get("expected_attendance"),
        edited_by_coordinator=True,
        content_changed_at=utcnow(),
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: BoardSession, data: dict) -> BoardSession:
    """Move, re-place, resize or change the status of a session; visible edits bump SEQUENCE."""
    before = {name: getattr(session, name) for name in VISIBLE_FIELDS}
    if "status" in data and data["status"] != session.status:
        if data["status"] not in ALLOWED_STATUS_CHANGES[session.status]:
            raise Conflict(
                f"A {session.status.value} session cannot become {data['status'].value}."
            )
        session.status = data["status"]
    duration = session.ends_at - session.starts_at
    if "duration_minutes" in data:
        duration = timedelta(minutes=data["duration_minutes"])
    if "starts_at" in data:
        session.starts_at = data["starts_at"].astimezone(UTC)
    session.ends_at = session.starts_at + duration
    renamed = {
        "capacity_minutes": "capacity_minutes_override",
        "location": "location_override",
        "video_link": "video_link_override",
        "expected_attendance": "expected_attendance",
    }
    for field, column in renamed.items():
        if field in data:
            setattr(session, column, data[field])
    session.edited_by_coordinator = True
    if any(getattr(session, name) != value for name, value in before.items()):
        mark_session_changed(session)
    db.session.flush()
    return session


def reopen_held_session(session: BoardSession) -> BoardSession:
    """Make a held session published again (a finished meeting was undone)."""
    if session.status != SessionStatus.HELD:
        raise Conflict(f"A {session.status.value} session is not held.")
    session.status = SessionStatus.PUBLISHED
    mark_session_changed(session)
    db.session.flush()
    return session


@session_changed.connect
def mark_session_changed(session: BoardSession, **_) -> None:
    """Record a change calendar subscribers must see (announced as `session_changed`)."""
    session.sequence += 1
    session.content_changed_at = utcnow()


@board_changed.connect
def mark_upcoming_sessions_changed(board: Board, **_) -> None:
    """Bump every session of the board still to come, so subscribed calendars refresh it."""
    upcoming = db.session.scalars(
        db.select(BoardSession).where(
            BoardSession.board_id == board.id,
            BoardSession.starts_at > utcnow(),
            BoardSession.status != SessionStatus.HELD,
        )
    )
    for session in upcoming:
        mark_session_changed(session)
    db.session.flush()


def recurrence_starts(board: Board, first_day: date, weeks: int) -> dict[date, datetime]:
    """The board's meetings from `first_day` for `weeks` weeks, by local day, as UTC instants.

    The rule is expanded from the board's stored anchor, so a fortnightly board meets on the
    same weeks whatever day the expansion starts; expanding in the board's own time zone keeps
    07:00 at 07:00 local across daylight-saving changes. Public holidays are left out.
    """
    zone = ZoneInfo(board.time_zone)
    last_day = first_day + timedelta(weeks=weeks)
    days_off = configured_holidays(*range(first_day.year, last_day.year + 1))
    rule = rrulestr(
        board.recurrence.removeprefix("RRULE:"),
        dtstart=datetime.combine(board.recurrence_starts_on, board.local_start_time),
    )
    window_start = datetime.combine(first_day, board.local_start_time)
    window_end = datetime.combine(last_day, board.local_start_time)
    # `weeks` weeks from `first_day`: the end is exclusive, so 4 weeks of a weekly board are 4.
    return {
        moment.date(): moment.replace(tzinfo=zone).astimezone(UTC)
        for moment in rule.between(window_start, window_end, inc=True)
        if moment < window_end and moment.date() not in days_off
    }


def generate_sessions(board: Board, first_day: date, weeks: int) -> list[BoardSession]:
    """Create the board's missing sessions from its recurrence, skipping public holidays.

    Existing sessions (edited, cancelled or not) are kept.
    """
    existing = set(
        db.session.scalars(
            db.select(BoardSession.occurrence_key).where(
                BoardSession.board_id == board.id, BoardSession.occurrence_key.is_not(None)
            )
        )
    )
    created = []
    for day, starts_at in recurrence_starts(board, first_day, weeks).items():
        key = day.isoformat()
        if key in existing:
            continue
        session = BoardSession(
            board=board,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=board.duration_minutes),
            occurrence_key=key,
            content_changed_at=utcnow(),
        )
        db.session.add(session)
        created.append(session)
    db.session.flush()
    return created


@dataclasses.dataclass(frozen=True)
class SessionChange:
    """One future session a new rhythm cancels, moves or adds."""

    kind: str  # "cancelled", "moved" or "added"
    starts_at: datetime
    time_zone: str
    moved_to: datetime | None = None

    @property
    def text(self) -> str:
        when = board_time(self.starts_at, self.time_zone, "%a %d %b %Y %H:%M")
        if self.kind == "moved":
            moved_to = board_time(self.moved_to, self.time_zone, "%a %d %b %Y %H:%M")
            return f"{when} moves to {moved_to} ({self.time_zone})"
        return f"{when} ({self.time_zone}) {self.kind}"


def list_recurrence_changes(board: Board) -> list[tuple[SessionChange, BoardSession | None]]:
    """What the board's current rhythm changes among its future generated sessions."""
    now = utcnow()
    first_day = local_date(now, board.time_zone)
    expected = recurrence_starts(board, first_day, horizon_weeks())
    sessions = db.session.scalars(
        db.select(BoardSession)
        .where(BoardSession.board_id == board.id, BoardSession.occurrence_key.is_not(None))
        .order_by(BoardSession.starts_at)
    ).all()
    keys = {session.occurrence_key for session in sessions}
    changes: list[tuple[SessionChange, BoardSession | None]] = []
    for session in sessions:
        if session.starts_at <= now or session.status not in (
            SessionStatus.PLANNED,
            SessionStatus.PUBLISHED,
        ):
            continue
        moved_to = expected.get(date.fromisoformat(session.occurrence_key))
        if moved_to is None:
            changes.append(
                (SessionChange("cancelled", session.starts_at, board.time_zone), session)
            )
        elif moved_to != session.starts_at:
            change = SessionChange("moved", session.starts_at, board.time_zone, moved_to)
            changes.append((change, session))
    for day, starts_at in expected.items():
        if starts_at > now and day.isoformat() not in keys:
            changes.append((SessionChange("added", starts_at, board.time_zone), None))
    return sorted(changes, key=lambda pair: pair[0].starts_at)


class SessionChangesNeedConfirmation(Conflict):
    """A new rhythm would cancel or move sessions already on people's calendars."""

    code = "confirmation_required"


@recurrence_changed.connect
def follow_new_recurrence(board: Board, confirmed: bool = False, **_) -> list[SessionChange]:
    """Cancel, move and add the board's future sessions to match its new rhythm."""
    changes = list_recurrence_changes(board)
    disruptive = [change.text for change, session in changes if session is not None]
    if disruptive and not confirmed:
        raise SessionChangesNeedConfirmation(
            "The new rhythm changes sessions already on calendars: "
            + "; ".join(disruptive)
            + ". Confirm the session changes to save.",
            {"sessions": disruptive, "confirm_with": "confirm_session_changes"},
        )
    for change, session in changes:
        if change.kind == "cancelled":
            update_session(session, {"status": SessionStatus.CANCELLED})
        elif change.kind == "moved":
            update_session(session, {"starts_at": change.moved_to})
    generate_sessions(board, local_date(utcnow(), board.time_zone), horizon_weeks())
    return [change for change, _session in changes]


def horizon_weeks() -> int:
    """How far ahead sessions are generated."""
    return current_app.config["SESSION_HORIZON_WEEKS"]


def configured_holidays(*years: int) -> frozenset[date]:
    """The configured country's (and region's) public holidays in the given years."""
    config = current_app.config
    return holidays_in(config["HOLIDAY_COUNTRY"], config["HOLIDAY_SUBDIVISION"], frozenset(years))


@lru_cache(maxsize=32)
def holidays_in(country: str, subdivision: str | None, years: frozenset[int]) -> frozenset[date]:
    """Cached: cutoff checks ask for the same years once per agenda item."""
    return holiday_dates(country, years, subdivision)


def session_local_date(session: BoardSession) -> date:
    """The calendar day of a session in its board's time zone."""
    return local_date(session.starts_at, session.board.time_zone)


def expected_attendees(session: BoardSession) -> list:
    """Active board members not away that day and not having declined the session."""

    declined = set(
        db.session.scalars(
            db.select(SessionAttendance.specialist_id).where(
                SessionAttendance.session_id == session.id,
                SessionAttendance.answer == AttendanceAnswer.DECLINED,
            )
        )
    )
    members = list_specialists(board_id=session.board_id, active=True)
    return attending_members(session, members, declined)


def attending_members(session: BoardSession, members: list, declined: set[int]) -> list:
    """The members who can attend: not away on the session's day, not having declined it."""
    day = session_local_date(session)
    return [m for m in members if m.id not in declined and not m.is_away_on(day)]


def check_window(starts_from: datetime | None, starts_to: datetime | None) -> None:
    """A window must not end before it starts."""
    if starts_from and starts_to and starts_to < starts_from:
        raise ValidationFailed({"to": ["The end of the window is before its start."]})
