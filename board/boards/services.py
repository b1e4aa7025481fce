"""Registering and changing boards."""

from board.boards.models import Board
from board.common.errors import ValidationFailed
from board.common.signals import board_changed
from board.common.time import utcnow
from board.extensions import db
from board.vocabulary.services import resolve_sites, resolve_specialties

RELATION_FIELDS = ("sites", "required_specialties")


def list_boards(active_only: bool = False) -> list[Board]:
    """Every board, by name."""
    query = db.select(Board).order_by(Board.name)
    if active_only:
        query = query.where(Board.active.is_(True))
    return list(db.session.scalars(query))


def create_board(data: dict) -> Board:
    """Register a board after checking its sites and specialties exist."""
    board = Board()
    apply_board_changes(board, data)
    db.session.add(board)
    db.session.flush()
    return board


def update_board(board: Board, data: dict) -> Board:
    """Change a board's settings; calendars see the change on every upcoming session."""
    shown_before = [getattr(board, name) for name in CALENDAR_FIELDS]
    apply_board_changes(board, data)
    board.updated_at = utcnow()  # relationship-only edits must still bump the version
    db.session.flush()
    if shown_before != [getattr(board, name) for name in CALENDAR_FIELDS]:
        board_changed.send(board)
    return board


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
