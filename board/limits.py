"""Limits checked before a view runs: time spent queued (load shedding), the body's size and
its JSON nesting depth."""

import re
import time
from itertools import accumulate

from flask import Flask, g, request
from flask_smorest import abort

from board.errors import error_response
from board.server import seconds_queued

# Brackets inside string literals do not nest: drop the strings before counting.
STRING_LITERAL = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (0 for a bare value)."""
    if b"[" not in body and b"{" not in body:
        return 0
    brackets = STRING_LITERAL.sub(b"", body).translate(None, NOT_BRACKETS)
    return max(accumulate(map(DEPTH_STEP.__getitem__, brackets)), default=0)


def queued_seconds(header: str | None) -> float | None:
    """How long the request waited before a thread took it: as the worker measured it, or
    since the proxy's start stamp (`t=<epoch seconds or milliseconds>`)."""
    waited = seconds_queued()
    if header:
        try:
            started = float(header.removeprefix("t="))
        except ValueError:
            return waited
        started = started / 1000 if started > 1e11 else started  # milliseconds
        since_proxy = time.time() - started
        waited = since_proxy if waited is None else max(waited, since_proxy)
    return waited


def register_limits(app: Flask) -> None:
    """Shed requests that queued too long; refuse JSON nested deeper than `MAX_JSON_DEPTH`
    before a parser recurses into it.

    The size limit is Flask's own `MAX_CONTENT_LENGTH`: reading a larger body answers 413.
    """

    @app.before_request
    def shed_stale_requests():
        limit = app.config["QUEUE_TIMEOUT_SECONDS"]
        header = app.config["REQUEST_START_HEADER"]
        waited = queued_seconds(request.headers.get(header) if header else None)
        if limit and waited is not None and waited > limit:
            return error_response(
                503,
                "overloaded",
                "The service is busy; try again in a few seconds.",
                {"queued_seconds": round(waited, 3)},
                headers={"Retry-After": str(app.config["RETRY_AFTER_SECONDS"])},
            )
        return None

    @app.before_request
    def check_json_depth() -> None:
        if request.method not in BODY_METHODS or not request.is_json:
            return
        limit = app.config["MAX_JSON_DEPTH"]
        if json_depth(request.get_data(cache=True)) > limit:
            g.body_refused = True  # nothing after this (the audit included) may parse it
            abort(
                400,
                code="json_too_deep",
                message="The JSON body is nested too deeply.",
                errors={"json": [f"Arrays and objects may nest at most {limit} levels deep."]},
            )
