"""Vocabulary entries in and out."""

from marshmallow import Schema, fields, validate


class TermIn(Schema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z][a-z0-9_]{1,39}$", error="Use lowercase letters, digits, _."
        ),
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    active = fields.Boolean(load_default=True)


class TermPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    active = fields.Boolean()


class TermOut(Schema):
    code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    version = fields.Integer()
