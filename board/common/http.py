"""HTTP helpers shared by the API views: JSON answers, ETags and If-Match."""

import json

from flask import Response, jsonify, request
from sqlalchemy import inspect

from board.common.errors import PreconditionRequired, StaleVersion


def etag_of(row) -> str:
    """A strong entity tag naming the row and the version the client read."""
    identity = "-".join(str(part) for part in inspect(row).identity)
    return f"{row.__tablename__}-{identity}-v{row.version}"


def json_response(
    data, status: int = 200, row=None, location: str | None = None, headers=None
) -> Response:
    """A JSON answer, with the row's ETag and a Location for created resources."""
    response = jsonify(data)
    response.status_code = status
    if row is not None:
        response.set_etag(etag_of(row))
    if location is not None:
        response.headers["Location"] = location
    # One URL answers differently per role, so caches must key on the credentials.
    response.vary.update(("Authorization", "Cookie"))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def check_if_match(row) -> None:
    """Refuse an update that does not name the current version (`If-Match` with the ETag)."""
    if not request.if_match:
        raise PreconditionRequired(
            "Send the ETag you read in an If-Match header so no one else's edit is overwritten."
        )
    if request.if_match.star_tag:
        return
    if not request.if_match.contains(etag_of(row)):
        raise StaleVersion(current_version=row.version)


def check_optional_if_match(row) -> None:
    """Like `check_if_match`, for actions where the header is welcome but not required."""
    if request.if_match:
        check_if_match(row)


PAGINATION_HEADER = {
    "X-Pagination": {
        "description": "JSON: total, total_pages, page, page_size, next_page, previous_page",
        "schema": {"type": "string"},
    }
}


def pagination_header(page: int, page_size: int, total: int) -> str:
    """The X-Pagination header telling a client where it is in a listing."""
    total_pages = max(1, -(-total // page_size))
    return json.dumps(
        {
            "total": total,
            "total_pages": total_pages,
            "page": page,
            "page_size": page_size,
            "next_page": page + 1 if page < total_pages else None,
            "previous_page": page - 1 if page > 1 else None,
        }
    )
