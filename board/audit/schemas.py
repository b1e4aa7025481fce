"""Audit rows as the API shows them."""

from marshmallow import Schema, fields


class AuditEventOut(Schema):
    id = fields.Integer()
    occurred_at = fields.AwareDateTime()
    actor_user_id = fields.Integer(allow_none=True)
    actor = fields.String()
    action = fields.String()
    category = fields.String()
    case_id = fields.Integer(allow_none=True)
    target = fields.String()
    endpoint = fields.String()
    method = fields.String()
    client_address = fields.String()
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    prev_hash = fields.String()
    row_hash = fields.String()
