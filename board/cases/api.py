"""`/api/v1/cases`, their status transitions and records checklists."""

from flask import url_for

from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.cases import services
from board.cases.models import Case
from board.cases.schemas import (
    CaseFilters,
    CaseIn,
    CaseOut,
    RecordOut,
    RecordPatch,
    RecordsIn,
    TransitionIn,
    case_patch,
)
from board.common.http import Blueprint, check_if_match, check_optional_if_match, with_etag
from board.common.models import get_or_404
from board.extensions import db

blueprint = Blueprint("cases_api", __name__, url_prefix="/api/v1/cases", description="Cases")


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.arguments(CaseFilters, location="query")
@blueprint.response(200, CaseOut(many=True))
@blueprint.paginate()
def list_cases(filters, pagination_parameters):
    """List cases by status, site, board and priority, a page at a time (see X-Pagination)."""
    found, pagination_parameters.item_count = services.list_cases(
        status=filters.get("status"),
        site=filters.get("site"),
        board_id=filters.get("board"),
        priority=filters.get("priority"),
        offset=pagination_parameters.first_item,
        limit=pagination_parameters.page_size,
    )
    return found


@blueprint.route("", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(CaseIn)
@blueprint.response(201, CaseOut)
def submit_case(data):
    """Submit a case needing a second opinion, with its records checklist.

    A case whose required data is complete is triaged at once (awaiting records or ready).
    """
    case = services.intake_case(data)
    db.session.commit()
    return with_etag(case, location=url_for(".get_case", case_id=case.id))


@blueprint.route("/<int:case_id>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, CaseOut)
def get_case(case_id: int):
    """Show one case."""
    return with_etag(get_or_404(Case, case_id))


@blueprint.route("/<int:case_id>", methods=["PATCH"])
@require_roles(*STAFF)
@blueprint.arguments(case_patch)
@blueprint.response(200, CaseOut)
def update_case(data, case_id: int):
    """Change a case; send the ETag you read as If-Match."""
    case = get_or_404(Case, case_id)
    check_if_match(case)
    services.update_case(case, data)
    db.session.commit()
    return with_etag(case)


@blueprint.route("/<int:case_id>/transitions", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(TransitionIn)
@blueprint.response(200, CaseOut)
def transition_case(data, case_id: int):
    """Move a case to another status (409 when the status machine forbids it)."""
    case = get_or_404(Case, case_id)
    check_optional_if_match(case)
    services.change_case_status(case, data["to"], data["reason"])
    db.session.commit()
    return with_etag(case)


@blueprint.route("/<int:case_id>/records", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, RecordOut(many=True))
def list_records(case_id: int):
    """The case's records checklist."""
    return get_or_404(Case, case_id).records


@blueprint.route("/<int:case_id>/records", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(RecordsIn)
@blueprint.response(201, RecordOut(many=True))
def add_records(data, case_id: int):
    """Add items to the case's records checklist."""
    case = get_or_404(Case, case_id)
    check_optional_if_match(case)
    added = services.add_records(case, data["items"])
    db.session.commit()
    return added, {"Location": url_for(".list_records", case_id=case_id)}


@blueprint.route("/<int:case_id>/records/<int:record_id>", methods=["PATCH"])
@require_roles(*STAFF)
@blueprint.arguments(RecordPatch)
@blueprint.response(200, RecordOut)
def update_record(data, case_id: int, record_id: int):
    """Mark a record received (`received_on`) or correct it; If-Match takes the record's ETag."""
    case = get_or_404(Case, case_id)
    check_optional_if_match(services.get_record(case, record_id))
    record = services.update_record(case, record_id, data)
    db.session.commit()
    return with_etag(record)
