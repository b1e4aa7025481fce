"""Domain errors raised by services; `board.errors` turns them into HTTP answers."""


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    """Input that cannot be accepted; `details` maps each field to its messages."""

    status = 422
    code = "validation_failed"

    def __init__(self, details: dict, message: str = "Some fields are not valid."):
        super().__init__(message, details)


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"


class StaleVersion(DomainError):
    """The client read an older version than the one stored."""

    status = 412
    code = "stale_version"

    def __init__(self, current_version: int | None = None):
        message = "This record was changed by someone else. Reload it and try again."
        details = {} if current_version is None else {"current_version": current_version}
        super().__init__(message, details)


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"


def require_version(row, seen_version: int | None) -> None:
    """Refuse a change made on an outdated view of `row` (or of nothing, if `row` is None)."""
    current = row.version if row is not None else None
    if seen_version != current:
        raise StaleVersion(current_version=current)


def field_error(field: str, message: str) -> ValidationFailed:
    """A validation failure on one field."""
    return ValidationFailed({field: [message]})
