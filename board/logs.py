"""Logging that never carries patient data or capability tokens."""

import logging
import re

from flask import Flask

# Feed capability tokens travel in URLs; keep them out of every log line.
TOKEN_IN_PATH = re.compile(r"(/feeds/)[^/\s.?]+")


class RedactTokens(logging.Filter):
    """Replace feed tokens in log messages with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/feeds/" in message:
            record.msg = TOKEN_IN_PATH.sub(r"\1[redacted]", message)
            record.args = ()
        return True


def register_logging(app: Flask) -> None:
    """Attach the redaction filter to the app's and the server's loggers."""
    redact = RedactTokens()
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name, "board"):
        logging.getLogger(name).addFilter(redact)
