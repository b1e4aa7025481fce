"""`/api/v1/specialties` and `/api/v1/disease-sites`."""

from flask import url_for

from board.accounts.models import Role
from board.accounts.permissions import EVERYONE, require_roles
from board.common.http import Blueprint, check_if_match, with_etag
from board.extensions import db
from board.vocabulary import services
from board.vocabulary.schemas import TermIn, TermOut, TermPatch

blueprint = Blueprint(
    "vocabulary_api", __name__, url_prefix="/api/v1", description="Specialties and disease sites"
)
KINDS = "<any(specialties, 'disease-sites'):kind>"


@blueprint.route(f"/{KINDS}", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, TermOut(many=True))
def list_terms(kind: str):
    """List a vocabulary."""
    return services.list_terms(kind)


@blueprint.route(f"/{KINDS}", methods=["POST"])
@require_roles(Role.ADMIN)
@blueprint.arguments(TermIn)
@blueprint.response(201, TermOut)
def add_term(data, kind: str):
    """Add an entry (admins)."""
    term = services.add_term(kind, data)
    db.session.commit()
    return term, {"Location": url_for(".get_term", kind=kind, code=term.code)}


@blueprint.route(f"/{KINDS}/<code>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, TermOut)
def get_term(kind: str, code: str):
    """Show an entry."""
    return with_etag(services.get_term(kind, code))


@blueprint.route(f"/{KINDS}/<code>", methods=["PATCH"])
@require_roles(Role.ADMIN)
@blueprint.arguments(TermPatch)
@blueprint.response(200, TermOut)
def update_term(data, kind: str, code: str):
    """Rename or deactivate an entry (admins)."""
    term = services.get_term(kind, code)
    check_if_match(term)
    services.update_term(term, data)
    db.session.commit()
    return with_etag(term)
