"""The audit trail: a request hook that records every access to patient data, every write
and every refusal, keyed on endpoint names so no other domain imports audit."""

import re

from flask import Flask, g, request
from flask_login import current_user, user_unauthorized
from werkzeug.exceptions import HTTPException

from board.audit import views
from board.audit.services import append_events
from board.common.validation import MAX_ROW_ID
from board.database import SAFE_METHODS, own_write_connection

# Pages and API reads that show patient data, and the kind of data each shows.
PATIENT_READS = {
    "cases.case_page": "case",
    "cases.case_edit": "case",
    "cases.case_list": "case_list",
    "cases.case_new": "case",
    "cases_api.get_case": "case",
    "cases_api.list_cases": "case_list",
    "cases_api.list_records": "case_records",
    "schedule_api.get_placement": "case",
    "agendas.session_agenda": "agenda",
    "meetings.meeting": "meeting",
    "dashboard.home": "dashboard",
    "audit.event_list": "audit",
    "audit_api.list_events": "audit",
}
PRINTS = {"agendas.print_agenda": "agenda"}
POSTED_READS = {"audit.event_list", "audit.export_events"}
EXPORTS = {"audit.export_events": "audit", "audit_api.export_events": "audit"}
# Writes are all recorded; these name their kind of data better than their blueprint does.
WRITE_CATEGORIES = {
    "accounts.login": "login",
    "accounts.logout": "login",
    "accounts.user_create": "account",
    "accounts.user_save": "account",
    "accounts.user_password": "password",
    "accounts.password_change": "password",
    "accounts.user_unlock": "login",
    "users_api.create_user": "account",
    "users_api.update_user": "account",
    "users_api.reset_password": "password",
    "users_api.unlock_login": "login",
    "tokens_api.create_token": "token",
    "tokens_api.revoke_token": "token",
}
# Nothing to say about these: assets, health checks, the API description, calendar feeds
# (which carry no patient-identifying data; their fetches are counted on the feed link).
SKIPPED = {"static", "pages.vendor_asset", "pages.health", "api-docs.openapi_json"}
CREATED_CASE = re.compile(r"/cases/(\d+)(?:$|[/?#])")
TARGET_ARGUMENTS = ("user_id", "token_id", "session_id", "specialist_id", "board_id")


def register_audit(app: Flask) -> None:
    """Register the blueprints and the hook that writes one row per audited request."""
    app.register_blueprint(views.blueprint)

    @app.before_request
    def remember_who_logs_out() -> None:
        # After logout nobody is logged in any more; the row names who it was.
        if request.endpoint == "accounts.logout" and current_user.is_authenticated:
            g.audit_actor = actor()

    @user_unauthorized.connect_via(app)
    def remember_refusal(_sender, **_extra) -> None:
        g.audit_denied = True

    @app.after_request
    def audit_request(response):
        event = event_for(response)
        if event is not None:
            with own_write_connection() as connection:
                append_events([event], connection)
        return response


def event_for(response) -> dict | None:
    """The audit row a finished request calls for, or None if it needs none."""
    endpoint = request.endpoint or ""
    if endpoint in SKIPPED:
        return None
    status = response.status_code
    denied = g.pop("audit_denied", False) or status in (401, 403)
    method = request.method
    # The trail's own pages POST their filters (a record number stays out of URLs) but read.
    reads = method in SAFE_METHODS or endpoint in POSTED_READS
    if endpoint in EXPORTS and reads:
        action, category = "export", EXPORTS[endpoint]
    elif endpoint in PRINTS and reads:
        action, category = "print", PRINTS[endpoint]
    elif endpoint in PATIENT_READS and reads:
        action, category = "read", PATIENT_READS[endpoint]
    elif method not in SAFE_METHODS:
        action, category = write_action(endpoint, method, status), write_category(endpoint)
    elif denied:
        action, category = "read", write_category(endpoint)
    else:
        return None
    if status == 404 and not denied and method in SAFE_METHODS:
        return None  # nothing was shown
    return {
        **(g.pop("audit_actor", None) or actor()),
        "action": action,
        "category": category,
        "case_id": case_of(response),
        "target": target_of(endpoint),
        "endpoint": endpoint[:80],
        "method": method,
        "client_address": request.remote_addr or "",
        "outcome": outcome_of(status, denied),
        "status_code": status,
    }


def write_action(endpoint: str, method: str, status: int) -> str:
    """create, update or delete (login and logout for the login pages)."""
    if endpoint == "accounts.login":
        return "login"
    if endpoint == "accounts.logout":
        return "logout"
    if method == "DELETE" or endpoint.endswith(("revoke_token", "remove", "time_off_remove")):
        return "delete"
    if status == 201 or endpoint.endswith(("_create", ".create_user", ".create_token")):
        return "create"
    if endpoint in ("cases.case_new", "cases_api.submit_case"):
        return "create"
    return "update"


def write_category(endpoint: str) -> str:
    """The kind of data a request touched: named above, or its blueprint's."""
    if endpoint in WRITE_CATEGORIES:
        return WRITE_CATEGORIES[endpoint]
    return (endpoint.split(".")[0].removesuffix("_api") or "unknown")[:40]


def actor() -> dict:
    """Who acted: the logged-in user, an integration token (with its owner), or nobody."""
    if not current_user.is_authenticated:
        return {"actor_user_id": None, "actor": "anonymous"}
    token = g.get("api_token")
    name = f"token:{token.prefix}" if token is not None else current_user.email
    return {"actor_user_id": current_user.id, "actor": name}


def submitted_field(name: str) -> str:
    """A field of the submitted form or JSON object, as text; "" when there is none.

    The audit runs after every request, refused ones included: a body over the size limit
    cannot be read again, and any JSON value (not only an object) may have been sent.
    """
    if g.get("body_refused"):
        return ""
    try:
        value = request.form.get(name, "")
        body = request.get_json(silent=True) if not value else None
    except HTTPException:
        return ""
    if not value and isinstance(body, dict):
        value = body.get(name, "")
    # Whatever was typed is kept printable and short: PostgreSQL text refuses NUL bytes, and
    # the audit row must be written even for a request that was refused for its input.
    return "".join(ch for ch in str(value or "") if ch.isprintable())[:200]


def case_of(response) -> int | None:
    """The case a request was about: in its URL, its form, or where a new one was created."""
    if (case_id := (request.view_args or {}).get("case_id")) is not None:
        return int(case_id)
    if request.method not in SAFE_METHODS:
        value = submitted_field("case_id")
        if value.isdigit() and int(value) <= MAX_ROW_ID:  # a hand-edited form may overflow
            return int(value)
        if (location := response.headers.get("Location")) and (
            found := CREATED_CASE.search(location)
        ):
            return int(found.group(1))
    return None


def target_of(endpoint: str) -> str:
    """What else the request named by id, e.g. `user:12`; the typed email for a login."""
    if endpoint in ("accounts.login", "accounts.user_unlock", "users_api.unlock_login"):
        email = submitted_field("email")
        return f"email:{str(email).strip().lower()}" if email else ""
    for name in TARGET_ARGUMENTS:
        if (value := (request.view_args or {}).get(name)) is not None:
            return f"{name.removesuffix('_id')}:{value}"
    return ""


def outcome_of(status: int, denied: bool) -> str:
    """success, denied, throttled or failure."""
    if denied:
        return "denied"
    if status == 429:
        return "throttled"
    return "success" if status < 400 else "failure"
