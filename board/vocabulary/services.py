"""Seeding, lookups and changes of the vocabularies; resolving the codes clients send."""

from board.common.errors import NotFound, field_error
from board.common.signals import site_renamed
from board.extensions import db
from board.vocabulary.models import DISEASE_SITES, SPECIALTIES, DiseaseSite, Specialty


def seed_vocabularies() -> None:
    """Insert the standard specialties and disease sites that are missing."""
    for model, entries in ((Specialty, SPECIALTIES), (DiseaseSite, DISEASE_SITES)):
        existing = set(db.session.scalars(db.select(model.code)))
        for code, name in entries.items():
            if code not in existing:
                db.session.add(model(code=code, name=name))
    db.session.flush()


VOCABULARIES = {"specialties": Specialty, "disease-sites": DiseaseSite}


def list_terms(kind: str) -> list:
    """Every entry of one vocabulary, by code."""
    model = VOCABULARIES[kind]
    return list(db.session.scalars(db.select(model).order_by(model.code)))


def list_by_name(model, active_only: bool = False) -> list:
    """A vocabulary's entries by name, as forms offer them (`active_only`: for new input)."""
    query = db.select(model).order_by(model.name)
    if active_only:
        query = query.where(model.active.is_(True))
    return list(db.session.scalars(query))


def get_term(kind: str, code: str):
    """One vocabulary entry."""
    term = db.session.get(VOCABULARIES[kind], code)
    if term is None:
        raise NotFound(f"No entry '{code}'.")
    return term


def add_term(kind: str, data: dict):
    """Add a vocabulary entry with a new code."""
    model = VOCABULARIES[kind]
    if db.session.get(model, data["code"]) is not None:
        raise field_error("code", "This code already exists.")
    term = model(**data)
    db.session.add(term)
    db.session.flush()
    return term


def update_term(term, data: dict):
    """Rename or (de)activate an entry; codes never change because rows refer to them."""
    renamed = "name" in data and data["name"] != term.name
    for name, value in data.items():
        setattr(term, name, value)
    db.session.flush()
    if renamed and isinstance(term, DiseaseSite):
        site_renamed.send(term.code)
    return term


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
