"""The audit trail for admins: filter it, read it, export it as CSV (each export audited)."""

from datetime import date

from flask import Blueprint, Response, render_template, request

from board.accounts.models import Role
from board.accounts.permissions import require_roles
from board.audit import services

blueprint = Blueprint("audit", __name__)

ACTIONS = ("create", "read", "update", "delete", "print", "export", "login", "logout")


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD filter; anything else filters nothing."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from(args, by_patient: bool = True) -> services.AuditFilters:
    """The trail's filters: patient (record number), case, user, action, dates."""
    case_ids = None
    if by_patient and (patient := args.get("patient", "").strip()):
        case_ids = services.list_case_ids_of_patient(patient)
    if (case := str(args.get("case", "")).strip()).isdigit():
        wanted = int(case)
        case_ids = (wanted,) if case_ids is None else tuple(i for i in case_ids if i == wanted)
    return services.AuditFilters(
        case_ids=case_ids,
        user=args.get("user", "").strip(),
        action=args.get("action", "") if args.get("action") in ACTIONS else "",
        from_date=parse_day(args.get("from")),
        to_date=parse_day(args.get("to")),
    )


# The filters travel in a POSTed form, not the URL: a record number must never reach a URL
# (nor the access logs that keep URLs).


@blueprint.route("/audit", methods=["GET", "POST"])
@require_roles(Role.ADMIN)
def event_list():
    """The latest audit rows matching the filters."""
    return render_template(
        "audit/list.html",
        events=services.list_events(filters_from(request.form), limit=500),
        actions=ACTIONS,
        args=request.form,
    )


@blueprint.route("/audit/export.csv", methods=["POST"])
@require_roles(Role.ADMIN)
def export_events():
    """Every audit row matching the filters, as CSV; the export is itself audited."""
    body = services.export_csv(services.list_events(filters_from(request.form), limit=None))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )
