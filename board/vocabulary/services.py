"""Seeding and lookups for the vocabularies."""

from board.common.errors import NotFound, field_error
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
        mark_sessions_showing_site_changed(term.code)
    return term


def mark_sessions_showing_site_changed(site_code: str) -> None:
    """Calendar events list each case's site by name: bump every session that shows one."""
    from datetime import timedelta

    from board.agendas.models import AgendaItem
    from board.cases.models import Case
    from board.common.models import utcnow
    from board.sessions.models import BoardSession
    from board.sessions.services import mark_session_changed

    sessions = db.session.scalars(
        db.select(BoardSession)
        .join(AgendaItem, AgendaItem.session_id == BoardSession.id)
        .join(Case, AgendaItem.case_id == Case.id)
        .where(Case.site_code == site_code, BoardSession.starts_at > utcnow() - timedelta(days=31))
        .distinct()
    ).all()
    for session in sessions:
        mark_session_changed(session)
    db.session.flush()
