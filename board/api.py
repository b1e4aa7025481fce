"""The JSON API under /api/v1, described by an OpenAPI document built from the schemas."""

from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields

from board.accounts.api import blueprint as tokens
from board.accounts.api import users_blueprint as users
from board.audit.api import blueprint as audit
from board.boards.api import blueprint as boards
from board.cases.api import blueprint as cases
from board.feeds.api import blueprint as feeds
from board.notifications.api import blueprint as notifications
from board.planning.api import blueprint as schedule
from board.sessions.api import blueprint as sessions
from board.specialists.api import blueprint as specialists
from board.vocabulary.api import blueprint as vocabulary


class ErrorBody(Schema):
    code = fields.String(metadata={"description": "Machine-readable error code"})
    message = fields.String(metadata={"description": "What went wrong, for a person"})
    details = fields.Dict(metadata={"description": "Field messages or other details"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)


class BoardApi(Api):
    """flask-smorest with this service's one error shape documented."""

    ERROR_SCHEMA = ErrorOut


api = BoardApi()


def register_api(app: Flask) -> None:
    """Bind the API and register one blueprint per domain."""
    api.init_app(app)
    for blueprint in (
        audit,
        boards,
        cases,
        feeds,
        notifications,
        schedule,
        sessions,
        specialists,
        tokens,
        users,
        vocabulary,
    ):
        api.register_blueprint(blueprint)
