"""Registering and changing boards."""

import dataclasses
from datetime import date, datetime, time

from dateutil.rrule import rrulestr

from board.boards.models import Board
from board.common.errors import ValidationFailed, field_error
from board.common.signals import board_changed, recurrence_changed
from board.common.time import local_date, utcnow
from board.extensions import db
from board.vocabulary.services import resolve_sites, resolve_specialties

RELATION_FIELDS = ("sites", "required_specialties")

# The rhythms the board form offers (label, RRULE); tests expand every one across a DST change.
RECURRENCE_FORMS = (
    ("Weekly on Tuesday", "FREQ=WEEKLY;BYDAY=TU"),
    ("Twice a week, Tuesday and Thursday", "FREQ=WEEKLY;BYDAY=TU,TH"),
    ("Every 2 weeks on Friday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
    ("Every 3 weeks on Wednesday", "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE"),
    ("Every 4 weeks on Monday", "FREQ=WEEKLY;INTERVAL=4;BYDAY=MO"),
    ("Monthly, first Thursday", "FREQ=MONTHLY;BYDAY=1TH"),
    ("Monthly, last Friday", "FREQ=MONTHLY;BYDAY=-1FR"),
    ("Monthly, second Tuesday (BYSETPOS)", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"),
    ("Monthly, last weekday (BYSETPOS)", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
    ("Every 2 months, first Monday", "FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO"),
)

# Settings that decide when sessions happen; changing one re-anchors and re-checks sessions.
RHYTHM_FIELDS = ("recurrence", "recurrence_starts_on", "local_start_time", "time_zone")


@dataclasses.dataclass(frozen=True)
class BoardUpdate:
    """A saved board and the future sessions its new rhythm changed (sessions' `SessionChange`)."""

    board: Board
    session_changes: list = dataclasses.field(default_factory=list)


def first_meeting_on_or_after(recurrence: str, local_start_time: time, day: date) -> date | None:
    """The first day on or after `day` the rule meets, expanding it from `day` itself."""
    start = datetime.combine(day, local_start_time)
    first = rrulestr(recurrence.removeprefix("RRULE:"), dtstart=start).after(start, inc=True)
    return first.date() if first else None


def anchor_recurrence(board: Board, requested: date | None, not_before: date) -> None:
    """Store the day of the board's first session: the one asked for, or the rule's first."""
    if requested is None:
        board.recurrence_starts_on = first_meeting_on_or_after(
            board.recurrence, board.local_start_time, not_before
        )
        return
    first = first_meeting_on_or_after(board.recurrence, board.local_start_time, requested)
    if first != requested:
        following = f"; the first one after it is {first:%a %d %b %Y}" if first else ""
        raise field_error(
            "recurrence_starts_on",
            f"{requested:%a %d %b %Y} is not a meeting day of {board.recurrence}{following}.",
        )
    board.recurrence_starts_on = requested


def list_boards(active_only: bool = False) -> list[Board]:
    """Every board, by name."""
    query = db.select(Board).order_by(Board.name)
    if active_only:
        query = query.where(Board.active.is_(True))
    return list(db.session.scalars(query))


def create_board(data: dict) -> Board:
    """Register a board after checking its sites and specialties exist."""
    board = Board()
    data.pop("confirm_session_changes", None)  # a new board has no sessions to change
    requested = data.pop("recurrence_starts_on", None)
    apply_board_changes(board, data)
    anchor_recurrence(board, requested, local_date(utcnow(), board.time_zone))
    db.session.add(board)
    db.session.flush()
    return board


def update_board(board: Board, data: dict) -> BoardUpdate:
    """Change a board's settings; calendars see the change on every upcoming session.

    A new rule is re-anchored on its first meeting from today (or the day asked for), and
    the board's future sessions follow it; when that cancels or moves sessions already on
    calendars, nothing is saved unless `confirm_session_changes` is set.
    """
    confirmed = data.pop("confirm_session_changes", False)
    shown_before = [getattr(board, name) for name in CALENDAR_FIELDS]
    rhythm_before = [getattr(board, name) for name in RHYTHM_FIELDS]
    anchor_before = board.recurrence_starts_on
    requested = data.pop("recurrence_starts_on", None)
    rule_before = board.recurrence
    apply_board_changes(board, data)
    if requested == anchor_before:
        requested = None  # the form sends the stored anchor back unchanged
    if requested is not None or board.recurrence != rule_before:
        today_there = local_date(utcnow(), board.time_zone)
        anchor_recurrence(board, requested, max(today_there, anchor_before))
    board.updated_at = utcnow()  # relationship-only edits must still bump the version
    db.session.flush()
    changes: list = []
    if rhythm_before != [getattr(board, name) for name in RHYTHM_FIELDS]:
        for _receiver, result in recurrence_changed.send(board, confirmed=confirmed):
            changes += result or []
    if shown_before != [getattr(board, name) for name in CALENDAR_FIELDS]:
        board_changed.send(board)
    return BoardUpdate(board, changes)


# Board settings a calendar event shows (sessions without their own override).
CALENDAR_FIELDS = ("name", "location", "video_link", "capacity_minutes")


def apply_board_changes(board: Board, data: dict) -> None:
    """Copy validated fields onto the board, resolving vocabulary codes."""
    errors: dict[str, list[str]] = {}
    if "name" in data:
        clash = db.session.scalar(
            db.select(Board.id).where(Board.name == data["name"], Board.id != board.id)
        )
        if clash is not None:
            errors["name"] = ["Another board already has this name."]
    sites = resolve_sites(data["sites"], "sites", errors) if "sites" in data else None
    specialties = (
        resolve_specialties(data["required_specialties"], "required_specialties", errors)
        if "required_specialties" in data
        else None
    )
    capacity = data.get("capacity_minutes", board.capacity_minutes)
    per_case = data.get("default_case_minutes", board.default_case_minutes)
    if capacity is not None and per_case is not None and per_case > capacity:
        errors.setdefault("default_case_minutes", []).append(
            "A case cannot take longer than the session's capacity."
        )
    if errors:
        raise ValidationFailed(errors)
    for name, value in data.items():
        if name not in RELATION_FIELDS:
            setattr(board, name, value)
    if sites is not None:
        board.sites = sites
    if specialties is not None:
        board.required_specialties = specialties
