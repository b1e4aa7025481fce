"""`/api/v1/cases`, their status transitions and records checklists."""

from flask import url_for
from flask_smorest import Blueprint

from board.accounts.permissions import EVERYONE, STAFF, can_see_patient_data, require_roles
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
    case_out,
    case_out_restricted,
    case_patch,
    cases_out,
    cases_out_restricted,
    record_out,
    records_out,
)
from board.common.http import (
    PAGINATION_HEADER,
    check_if_match,
    check_optional_if_match,
    json_response,
    pagination_header,
)
from board.common.models import get_or_404
from board.extensions import db

blueprint = Blueprint("cases_api", __name__, url_prefix="/api/v1/cases", description="Cases")


def dump_case(case) -> dict:
    """The case as the caller's role may see it."""
    return (case_out if can_see_patient_data() else case_out_restricted).dump(case)


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.arguments(CaseFilters, location="query")
@blueprint.response(200, CaseOut(many=True), headers=PAGINATION_HEADER)
def list_cases(filters):
    """List cases by status, site, board and priority, a page at a time (see X-Pagination)."""
    page, page_size = filters["page"], filters["page_size"]
    found, total = services.list_cases(
        status=filters.get("status"),
        site=filters.get("site"),
        board_id=filters.get("board"),
        priority=filters.get("priority"),
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    schema = cases_out if can_see_patient_data() else cases_out_restricted
    return json_response(
        schema.dump(found), headers={"X-Pagination": pagination_header(page, page_size, total)}
    )


@blueprint.route("", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(CaseIn)
@blueprint.response(201, CaseOut)
def submit_case(data):
    """Submit a case needing a second opinion, with its records checklist."""
    case = services.submit_case(data)
    db.session.commit()
    location = url_for(".get_case", case_id=case.id)
    return json_response(dump_case(case), 201, row=case, location=location)


@blueprint.route("/<int:case_id>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, CaseOut)
def get_case(case_id: int):
    """Show one case."""
    case = get_or_404(Case, case_id)
    return json_response(dump_case(case), row=case)


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
    return json_response(dump_case(case), row=case)


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
    return json_response(dump_case(case), row=case)


@blueprint.route("/<int:case_id>/records", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, RecordOut(many=True))
def list_records(case_id: int):
    """The case's records checklist."""
    return json_response(records_out.dump(get_or_404(Case, case_id).records))


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
    location = url_for(".list_records", case_id=case_id)
    return json_response(records_out.dump(added), 201, location=location)


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
    return json_response(record_out.dump(record), row=record)
