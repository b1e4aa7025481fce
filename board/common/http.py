"""The API's blueprint and HTTP helpers: ETags, If-Match and the X-Pagination header."""

import functools

import flask_smorest
from flask import request
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import inspect
from webargs.flaskparser import FlaskParser
from werkzeug.http import quote_etag

from board.common.errors import PreconditionRequired, StaleVersion


def etag_of(row) -> str:
    """A strong entity tag naming the row and the version the client read."""
    identity = "-".join(str(part) for part in inspect(row).identity)
    return f"{row.__tablename__}-{identity}-v{row.version}"


def with_etag(row, location: str | None = None):
    """The row for `@response` to dump, with its ETag (and its Location when just created)."""
    headers = {"ETag": quote_etag(etag_of(row))}
    if location is not None:
        headers["Location"] = location
    return row, headers


class ShownOnce:
    """A row plus values shown in this one answer only (a new secret), for `@response` to dump."""

    def __init__(self, row, **values):
        self._row = row
        self.__dict__.update(values)

    def __getattr__(self, name: str):
        return getattr(self._row, name)


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


MAX_PAGE = 10**9
MAX_PAGE_SIZE = 200


class PageBounds(Schema):
    """`page` and `page_size` as this API has always bounded them, checked in one answer."""

    class Meta:
        unknown = EXCLUDE

    # flask-smorest puts no upper bound on the page number, but an offset past any database
    # integer would fail in the query instead of answering 422.
    page = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


page_bounds = PageBounds()


class PageParser(FlaskParser):
    """flask-smorest's parser of the page arguments, refusing what `PageBounds` refuses."""

    def pre_load(self, location_data, *, schema, req, location):
        page_bounds.load(location_data)
        return location_data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint with this API's conventions.

    A dumped answer varies with the credentials (one URL answers differently per role), and
    `@paginate` takes `page` (1 on) and `page_size` (50 by default, at most 200) and answers
    the X-Pagination header this API has always sent.
    """

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": MAX_PAGE_SIZE}
    PAGINATION_ARGUMENTS_PARSER = PageParser()

    def response(self, status_code, schema=None, **kwargs):
        """flask-smorest's `@response`; answers dumped with a schema vary on the credentials."""
        document_and_dump = super().response(status_code, schema, **kwargs)
        if schema is None:
            return document_and_dump

        def decorator(func):
            view = document_and_dump(func)

            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                response = view(*args, **kwargs)
                response.vary.update(("Authorization", "Cookie"))
                return response

            return wrapper

        return decorator

    # flask-smorest's own header has first_page and last_page but no page_size, and leaves
    # out the keys it has no value for; clients already read this one.
    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict:
        total_pages = max(1, -(-item_count // page_size))
        return {
            "total": item_count,
            "total_pages": total_pages,
            "page": page,
            "page_size": page_size,
            "next_page": page + 1 if page < total_pages else None,
            "previous_page": page - 1 if page > 1 else None,
        }

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {}).update(PAGINATION_HEADER)
