"""Specialist and time-off input and output."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from board.common.validation import validate_row_id


class SpecialistIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(required=True)
    specialty = fields.String(required=True)
    sites = fields.List(fields.String(), load_default=list)
    boards = fields.List(fields.Integer(validate=validate_row_id), load_default=list)
    active = fields.Boolean(load_default=True)
    # Minutes before each session that their calendar feed reminds them; None: no reminder.
    reminder_minutes = fields.Integer(
        allow_none=True, load_default=30, validate=validate.Range(min=1, max=7 * 24 * 60)
    )


class TimeOffIn(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def check_order(self, data, **_kwargs):
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("The last day cannot come before the first.", "ends_on")
        if (data["ends_on"] - data["starts_on"]).days > 366:
            raise ValidationError("Time off longer than a year: deactivate instead.", "ends_on")


class TimeOffOut(Schema):
    id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()


class SpecialistOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.Email()
    specialty = fields.String(attribute="specialty_code")
    sites = fields.List(fields.String(), attribute="site_codes")
    boards = fields.List(fields.Integer(), attribute="board_ids")
    active = fields.Boolean()
    reminder_minutes = fields.Integer(allow_none=True)
    time_off = fields.List(fields.Nested(TimeOffOut))
    version = fields.Integer()


class SpecialistPatch(SpecialistIn):
    """Any subset of a specialist's fields."""


specialist_patch = SpecialistPatch(partial=True)
time_off_in = TimeOffIn()
