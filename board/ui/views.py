"""The workspace blueprint; each page module adds its routes to it."""

from flask import Blueprint

blueprint = Blueprint("ui", __name__)

from board.ui import boards, cases, dashboard, specialists  # noqa: E402, F401 - adds routes
