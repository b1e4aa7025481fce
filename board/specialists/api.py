"""`/api/v1/specialists` and their time off."""

from functools import wraps

from flask import abort, url_for
from flask_login import current_user
from marshmallow import Schema, fields

from board.accounts.permissions import EVERYONE, STAFF, is_staff, require_roles
from board.common.http import Blueprint, check_if_match, with_etag
from board.common.models import get_or_404
from board.common.validation import validate_row_id
from board.extensions import db
from board.specialists import services
from board.specialists.models import Specialist
from board.specialists.schemas import (
    SpecialistIn,
    SpecialistOut,
    TimeOffIn,
    TimeOffOut,
    specialist_patch,
)

blueprint = Blueprint(
    "specialists_api", __name__, url_prefix="/api/v1/specialists", description="Specialists"
)


class SpecialistFilters(Schema):
    board = fields.Integer(validate=validate_row_id)
    specialty = fields.String()
    active = fields.Boolean()


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.arguments(SpecialistFilters, location="query")
@blueprint.response(200, SpecialistOut(many=True))
def list_specialists(filters):
    """List specialists, optionally by board, specialty or active flag."""
    return services.list_specialists(
        board_id=filters.get("board"),
        specialty=filters.get("specialty"),
        active=filters.get("active"),
    )


@blueprint.route("", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(SpecialistIn)
@blueprint.response(201, SpecialistOut)
def create_specialist(data):
    """Register a specialist."""
    specialist = services.create_specialist(data)
    db.session.commit()
    location = url_for(".get_specialist", specialist_id=specialist.id)
    return with_etag(specialist, location=location)


@blueprint.route("/<int:specialist_id>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, SpecialistOut)
def get_specialist(specialist_id: int):
    """Show one specialist."""
    return with_etag(get_or_404(Specialist, specialist_id))


@blueprint.route("/<int:specialist_id>", methods=["PATCH"])
@require_roles(*STAFF)
@blueprint.arguments(specialist_patch)
@blueprint.response(200, SpecialistOut)
def update_specialist(data, specialist_id: int):
    """Change a specialist; send the ETag you read as If-Match."""
    specialist = get_or_404(Specialist, specialist_id)
    check_if_match(specialist)
    services.update_specialist(specialist, data)
    db.session.commit()
    return with_etag(specialist)


def own_time_off(view):
    """Specialists see and manage their own time off; staff everyone's. Checked before the
    body is read, so a colleague's time off answers 403 whatever is sent."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_staff() and current_user.specialist_id != kwargs["specialist_id"]:
            abort(403, description="You may only see and manage your own time off.")
        return view(*args, **kwargs)

    return wrapper


@blueprint.route("/<int:specialist_id>/time-off", methods=["GET"])
@require_roles(*EVERYONE)
@own_time_off
@blueprint.response(200, TimeOffOut(many=True))
def list_time_off(specialist_id: int):
    """List a specialist's time off: your own, or anyone's for staff."""
    return get_or_404(Specialist, specialist_id).time_off


@blueprint.route("/<int:specialist_id>/time-off", methods=["POST"])
@require_roles(*EVERYONE)
@own_time_off
@blueprint.arguments(TimeOffIn)
@blueprint.response(201, TimeOffOut)
def add_time_off(data, specialist_id: int):
    """Record days the specialist is away."""
    specialist = get_or_404(Specialist, specialist_id)
    entry = services.add_time_off(specialist, data)
    db.session.commit()
    return entry, {"Location": url_for(".list_time_off", specialist_id=specialist_id)}


@blueprint.route("/<int:specialist_id>/time-off/<int:time_off_id>", methods=["DELETE"])
@require_roles(*EVERYONE)
@own_time_off
@blueprint.response(204)
def remove_time_off(specialist_id: int, time_off_id: int):
    """Cancel a time-off entry."""
    specialist = get_or_404(Specialist, specialist_id)
    services.remove_time_off(specialist, time_off_id)
    db.session.commit()
    return "", 204
