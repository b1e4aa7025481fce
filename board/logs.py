"""Logging that never carries patient data or capability tokens: JSON lines with a request id.

Every request gets an id (the proxy's `X-Request-ID` when it sends a sane one), returned in
the response's `X-Request-ID` header and put on every log line written while it is handled.
One access line per request names the route, never the query string, which is the one place
a search term could carry patient data.
"""

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

# Feed capability tokens travel in URLs; keep them out of every log line.
TOKEN_IN_PATH = re.compile(r"(/feeds/)[^/\s.?]+")
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_HEADER = "X-Request-ID"

access_log = logging.getLogger("board.access")


def redact(text: str) -> str:
    """The text with feed tokens replaced by a placeholder."""
    return TOKEN_IN_PATH.sub(r"\1[redacted]", text) if "/feeds/" in text else text


class RedactTokens(logging.Filter):
    """Replace feed tokens in log messages with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/feeds/" in message:
            record.msg = redact(message)
            record.args = ()
        return True


class AddRequestId(logging.Filter):
    """Put the current request's id on the record ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class StderrHandler(logging.StreamHandler):
    """A stream handler on whatever `sys.stderr` is now (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def json_handler() -> logging.Handler:
    """The one JSON-lines handler of the process, with redaction and the request id."""
    handler = StderrHandler()
    handler.set_name("board-json")
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    )
    handler.addFilter(RedactTokens())
    handler.addFilter(AddRequestId())
    return handler


def install_json_logging() -> None:
    """Send every logger's records to stderr as JSON lines, once per process."""
    root = logging.getLogger()
    if any(handler.get_name() == "board-json" for handler in root.handlers):
        return
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler())
    root.setLevel(logging.INFO)
    logging.getLogger("board").removeHandler(default_handler)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def register_logging(app: Flask) -> None:
    """Redact tokens on the app's and the server's loggers; JSON lines and request ids."""
    redact_filter = RedactTokens()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name, "board"):
        logging.getLogger(name).addFilter(redact_filter)
    log_format = app.config["LOG_FORMAT"] or ("text" if app.debug or app.testing else "json")
    if log_format == "json":
        install_json_logging()

    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id")
        if request_id is None:  # a request that failed before the first hook ran
            return response
        response.headers[REQUEST_ID_HEADER] = request_id
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": redact(request.path),
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
                "user_id": user.get_id() if (user := g.get("_login_user")) else None,
            },
        )
        return response
