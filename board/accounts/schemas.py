"""API token input and output; the secret itself is only ever in the creation answer."""

from marshmallow import Schema, fields, validate

from board.accounts.models import Role, TokenScope


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


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    specialist_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class UserIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    name = fields.String(load_default="", validate=validate.Length(max=120))
    role = fields.String(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    specialist_id = fields.Integer(load_default=None, allow_none=True)


class UserPatch(Schema):
    name = fields.String(validate=validate.Length(max=120))
    role = fields.Enum(Role, by_value=True)
    active = fields.Boolean()
    specialist_id = fields.Integer(allow_none=True)


class PasswordIn(Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class LockedLoginOut(Schema):
    email = fields.String()
    failures = fields.Integer()
    last_attempt_at = fields.AwareDateTime()
    user_id = fields.Integer(allow_none=True)


class UnlockIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))


user_patch = UserPatch()
