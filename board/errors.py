"""One error shape for the API, friendly pages for the browser; never a traceback."""

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from board.common.errors import DomainError, StaleVersion
from board.extensions import db

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by its timeout


def wants_json() -> bool:
    """API paths and JSON clients get JSON errors; everything else gets a page."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers=None
) -> Response:
    """Build the one error answer, as JSON or as a page."""
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    else:
        response = Response(
            render_template("error.html", status=status, message=message, details=details or {}),
            mimetype="text/html",
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException) -> Response:
    """Map any HTTP exception (webargs' 422 included) onto the error shape."""
    if isinstance(error, InternalServerError) and error.original_exception is not None:
        # Flask has logged the traceback already ("Exception on <path>"), with the request id.
        db.session.rollback()
    data = getattr(error, "data", None) or {}
    details = data.get("errors") or flatten_webargs_messages(data.get("messages"))
    code = data.get("code") or (error.name or "error").lower().replace(" ", "_")
    message = data.get("message") or error.description or error.name
    if error.code == 500 and "request_id" in g:
        details = {"request_id": g.request_id}  # what to quote when reporting the error
    if error.code == 422:
        code, message = "validation_failed", "Some fields are not valid."
    elif error.code == 400 and "json" in details and not data.get("message"):
        code, message = "invalid_json", "The request body is not valid JSON."
    elif error.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        message = f"The request body is larger than the limit of {limit} bytes."
    headers = data.get("headers") or {}
    if error.code == 405 and (allowed := error.get_headers()):
        headers = {**dict(allowed), **headers}
        headers.pop("Content-Type", None)
    return error_response(error.code or 500, code, message, details, headers)


def flatten_webargs_messages(messages: dict | None) -> dict:
    """webargs nests field messages under their location; one location reads better flat.

    `details` is documented as an object: a location's bare list (webargs' "Invalid JSON
    body.") stays under its location's name.
    """
    if not messages:
        return {}
    if len(messages) == 1 and isinstance(only := next(iter(messages.values())), dict):
        return only
    return messages


def handle_domain_error(error: DomainError) -> Response:
    """Services' deliberate errors carry their own status and details."""
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.details)


def handle_stale_data(_error: StaleDataError) -> Response:
    """A concurrent writer won the race at flush time."""
    db.session.rollback()
    return handle_domain_error(StaleVersion())


def handle_overflow(_error: Exception) -> Response:
    """A value the database cannot hold, e.g. a huge number in a hand-edited form field."""
    db.session.rollback()
    return error_response(422, "validation_failed", "A number in the request is out of range.")


def handle_operational_error(error: OperationalError) -> Response:
    """A statement cancelled by the statement timeout is a 503; anything else stays a 500."""
    db.session.rollback()
    if getattr(error.orig, "sqlstate", None) == QUERY_CANCELED:
        return error_response(
            503,
            "database_timeout",
            "The database took too long to answer; try again in a moment.",
            headers={"Retry-After": str(current_app.config["RETRY_AFTER_SECONDS"])},
        )
    raise error


def register_error_pages(app: Flask) -> None:
    """Register the handlers; the API's own registration is replaced by `handle_http_exception`."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(OverflowError, handle_overflow)  # SQLite
    app.register_error_handler(DataError, handle_overflow)  # PostgreSQL
    app.register_error_handler(OperationalError, handle_operational_error)
