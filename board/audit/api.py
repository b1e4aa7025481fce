"""`/api/v1/audit-events`: the audit trail for admins, as JSON or CSV."""

from flask import Response, request

from board.accounts.models import Role
from board.accounts.permissions import require_roles
from board.audit import services
from board.audit.schemas import AuditEventOut
from board.audit.views import filters_from
from board.common.http import Blueprint

blueprint = Blueprint(
    "audit_api", __name__, url_prefix="/api/v1/audit-events", description="Audit trail (admins)"
)


@blueprint.route("", methods=["GET"])
@require_roles(Role.ADMIN)
@blueprint.response(200, AuditEventOut(many=True))
def list_events():
    """The latest 500 rows matching `case`, `user`, `action`, `from`, `to` (the page also
    filters by record number, in a form, since a record number never goes into a URL)."""
    return services.list_events(filters_from(request.args, by_patient=False), limit=500)


@blueprint.route("/export.csv", methods=["GET"])
@require_roles(Role.ADMIN)
@blueprint.response(200, content_type="text/csv")
def export_events():
    """Every matching row as CSV; the export is itself audited."""
    filters = filters_from(request.args, by_patient=False)
    body = services.export_csv(services.list_events(filters, limit=None))
    return Response(body, mimetype="text/csv")
