"""Session input and output."""

from marshmallow import Schema, fields, validate

from board.common.validation import validate_http_url, validate_row_id, validate_within_reach
from board.sessions.models import SessionStatus

minutes = validate.Range(min=1, max=24 * 60, error="Must be between 1 and 1440 minutes.")


class SessionIn(Schema):
    board_id = fields.Integer(required=True, validate=validate_row_id)
    starts_at = fields.AwareDateTime(required=True, validate=validate_within_reach)
    duration_minutes = fields.Integer(validate=minutes)
    capacity_minutes = fields.Integer(validate=minutes, allow_none=True)
    location = fields.String(validate=validate.Length(max=200), allow_none=True)
    video_link = fields.String(
        validate=[validate.Length(max=500), validate_http_url], allow_none=True
    )
    expected_attendance = fields.Integer(validate=validate.Range(min=0, max=500), allow_none=True)


class SessionPatch(Schema):
    starts_at = fields.AwareDateTime(validate=validate_within_reach)
    duration_minutes = fields.Integer(validate=minutes)
    status = fields.Enum(SessionStatus, by_value=True)
    capacity_minutes = fields.Integer(validate=minutes, allow_none=True)
    location = fields.String(validate=validate.Length(max=200), allow_none=True)
    video_link = fields.String(
        validate=[validate.Length(max=500), validate_http_url], allow_none=True
    )
    expected_attendance = fields.Integer(validate=validate.Range(min=0, max=500), allow_none=True)


class SessionFilters(Schema):
    from_ = fields.AwareDateTime(data_key="from")
    to = fields.AwareDateTime()
    board = fields.Integer(validate=validate_row_id)
    status = fields.Enum(SessionStatus, by_value=True)


class SessionOut(Schema):
    id = fields.Integer()
    board_id = fields.Integer()
    board_name = fields.Function(lambda session: session.board.name)
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    time_zone = fields.Function(lambda session: session.board.time_zone)
    status = fields.Enum(SessionStatus, by_value=True)
    capacity_minutes = fields.Integer()
    location = fields.String()
    video_link = fields.String()
    expected_attendance = fields.Integer(allow_none=True)
    ad_hoc = fields.Function(lambda session: session.occurrence_key is None)
    sequence = fields.Integer()
    version = fields.Integer()
