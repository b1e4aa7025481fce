"""Input limits checked before any view reads the body: its size and its JSON nesting depth."""

import re
from itertools import accumulate

from flask import Flask, g, request
from flask_smorest import abort

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


def register_limits(app: Flask) -> None:
    """Refuse JSON nested deeper than `MAX_JSON_DEPTH` before a parser recurses into it.

    The size limit is Flask's own `MAX_CONTENT_LENGTH`: reading a larger body answers 413.
    """

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
