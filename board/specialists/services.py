"""Registering specialists, their memberships and their time off."""

from sqlalchemy import func

from board.boards.models import Board
from board.common.errors import NotFound, ValidationFailed
from board.common.time import utcnow
from board.extensions import db
from board.specialists.models import Specialist, TimeOff
from board.vocabulary.models import Specialty
from board.vocabulary.services import resolve_codes, resolve_ids, resolve_sites


def list_specialists(
    board_id: int | None = None, specialty: str | None = None, active: bool | None = None
) -> list[Specialist]:
    """Specialists by name, optionally only one board's or one specialty's."""
    query = db.select(Specialist).order_by(Specialist.name, Specialist.id)
    if board_id is not None:
        query = query.where(Specialist.boards.any(Board.id == board_id))
    if specialty is not None:
        query = query.where(Specialist.specialty_code == specialty)
    if active is not None:
        query = query.where(Specialist.active.is_(active))
    return list(db.session.scalars(query))


def create_specialist(data: dict) -> Specialist:
    """Register a specialist."""
    specialist = Specialist()
    apply_specialist_changes(specialist, data)
    db.session.add(specialist)
    db.session.flush()
    return specialist


def update_specialist(specialist: Specialist, data: dict) -> Specialist:
    """Change a specialist's details or memberships."""
    apply_specialist_changes(specialist, data)
    specialist.updated_at = utcnow()  # membership-only edits must still bump the version
    db.session.flush()
    return specialist


def apply_specialist_changes(specialist: Specialist, data: dict) -> None:
    """Copy validated fields onto the specialist, resolving codes and board ids."""
    errors: dict[str, list[str]] = {}
    if "email" in data:
        data["email"] = data["email"].strip().lower()
        clash = db.session.scalar(
            db.select(Specialist.id).where(
                func.lower(Specialist.email) == data["email"], Specialist.id != specialist.id
            )
        )
        if clash is not None:
            errors["email"] = ["Another specialist already has this email."]
    if "specialty" in data:
        resolve_codes(Specialty, [data["specialty"]], "specialty", "specialty", errors)
    sites = resolve_sites(data["sites"], "sites", errors) if "sites" in data else None
    boards = (
        resolve_ids(Board, data["boards"], "boards", "board", errors) if "boards" in data else None
    )
    if errors:
        raise ValidationFailed(errors)
    for name in ("name", "email", "active", "reminder_minutes"):
        if name in data:
            setattr(specialist, name, data[name])
    if "specialty" in data:
        specialist.specialty_code = data["specialty"]
    if sites is not None:
        specialist.sites = sites
    if boards is not None:
        specialist.boards = boards


def add_time_off(specialist: Specialist, data: dict) -> TimeOff:
    """Record days a specialist is away; overlapping entries are merged by the reader."""
    entry = TimeOff(specialist=specialist, **data)
    db.session.add(entry)
    specialist.updated_at = utcnow()
    db.session.flush()
    return entry


def remove_time_off(specialist: Specialist, time_off_id: int) -> None:
    """Cancel a time-off entry."""
    entry = db.session.get(TimeOff, time_off_id)
    if entry is None or entry.specialist_id != specialist.id:
        raise NotFound(f"No time off {time_off_id} for this specialist.")
    db.session.delete(entry)
    specialist.updated_at = utcnow()
    db.session.flush()
