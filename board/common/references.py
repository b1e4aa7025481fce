"""Resolve codes and ids given by clients, collecting field messages for unknown ones."""

from board.extensions import db
from board.vocabulary.models import DiseaseSite, Specialty


def resolve_codes(model, codes: list[str], field: str, noun: str, errors: dict) -> list:
    """Rows for `codes` (active ones only), or a message under `field` naming the unknown."""
    wanted = list(dict.fromkeys(codes))
    rows = db.session.scalars(
        db.select(model).where(model.code.in_(wanted), model.active.is_(True))
    ).all()
    found = {row.code: row for row in rows}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        errors.setdefault(field, []).append(f"Unknown {noun}: {', '.join(unknown)}.")
    return [found[code] for code in wanted if code in found]


def resolve_sites(codes: list[str], field: str, errors: dict) -> list[DiseaseSite]:
    """Disease sites for the given codes."""
    return resolve_codes(DiseaseSite, codes, field, "disease site", errors)


def resolve_specialties(codes: list[str], field: str, errors: dict) -> list[Specialty]:
    """Specialties for the given codes."""
    return resolve_codes(Specialty, codes, field, "specialty", errors)


def resolve_ids(model, ids: list[int], field: str, noun: str, errors: dict) -> list:
    """Rows for the given ids, or a message under `field` naming the unknown ones."""
    wanted = list(dict.fromkeys(ids))
    rows = db.session.scalars(db.select(model).where(model.id.in_(wanted))).all()
    found = {row.id: row for row in rows}
    unknown = [str(row_id) for row_id in wanted if row_id not in found]
    if unknown:
        errors.setdefault(field, []).append(f"Unknown {noun}: {', '.join(unknown)}.")
    return [found[row_id] for row_id in wanted if row_id in found]
