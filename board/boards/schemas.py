"""Board input and output."""

from marshmallow import Schema, fields, validate

from board.common.validation import validate_http_url, validate_recurrence, validate_time_zone

positive_minutes = validate.Range(min=1, max=24 * 60, error="Must be between 1 and 1440 minutes.")


class BoardIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    sites = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, error="Name a site.")
    )
    required_specialties = fields.List(fields.String(), load_default=list)
    recurrence = fields.String(required=True, validate=validate_recurrence)
    # The day of the first session (board time); by default the rule's first from today.
    recurrence_starts_on = fields.Date(allow_none=True)
    local_start_time = fields.Time(required=True, format="%H:%M")
    time_zone = fields.String(required=True, validate=validate_time_zone)
    duration_minutes = fields.Integer(required=True, validate=positive_minutes)
    location = fields.String(load_default="", validate=validate.Length(max=200))
    video_link = fields.String(
        load_default="", validate=[validate.Length(max=500), validate_http_url]
    )
    capacity_minutes = fields.Integer(required=True, validate=positive_minutes)
    default_case_minutes = fields.Integer(required=True, validate=positive_minutes)
    records_lead_business_days = fields.Integer(
        load_default=3, validate=validate.Range(min=0, max=30)
    )
    agenda_freeze_hours = fields.Integer(load_default=24, validate=validate.Range(min=0, max=336))
    attendance_target_percent = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=100)
    )
    notes = fields.String(load_default="")
    active = fields.Boolean(load_default=True)
    # A rhythm change that cancels or moves sessions on calendars needs this set (else 409).
    confirm_session_changes = fields.Boolean(load_only=True)


class BoardOut(Schema):
    id = fields.Integer()
    name = fields.String()
    sites = fields.List(fields.String(), attribute="site_codes")
    required_specialties = fields.List(fields.String(), attribute="required_specialty_codes")
    recurrence = fields.String()
    recurrence_starts_on = fields.Date()
    local_start_time = fields.Time(format="%H:%M")
    time_zone = fields.String()
    duration_minutes = fields.Integer()
    location = fields.String()
    video_link = fields.String()
    capacity_minutes = fields.Integer()
    default_case_minutes = fields.Integer()
    records_lead_business_days = fields.Integer()
    agenda_freeze_hours = fields.Integer()
    attendance_target_percent = fields.Integer()
    notes = fields.String()
    active = fields.Boolean()
    version = fields.Integer()


class BoardPatch(BoardIn):
    """Any subset of a board's fields."""


board_in = BoardIn()
board_patch = BoardPatch(partial=True)
