"""API token input and output; the secret itself is only ever in the creation answer."""

from marshmallow import Schema, fields, validate

from board.accounts.models import TokenScope


class TokenIn(Schema):
    label = fields.String(load_default="", validate=validate.Length(max=120))
    scope = fields.Enum(TokenScope, by_value=True, load_default=TokenScope.WRITE)


class TokenOut(Schema):
    id = fields.Integer()
    label = fields.String()
    scope = fields.Enum(TokenScope, by_value=True)
    prefix = fields.String()
    owner = fields.Function(lambda token: token.user.email)
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


class CreatedTokenOut(TokenOut):
    token = fields.String(metadata={"description": "Shown once; store it now"})
