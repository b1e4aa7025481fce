"""Feed links in and out; the secret URL appears only when a link is created or rotated."""

from marshmallow import Schema, fields, validate


class FeedTokenIn(Schema):
    label = fields.String(load_default="", validate=validate.Length(max=120))


class FeedTokenOut(Schema):
    id = fields.Integer()
    label = fields.String()
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    last_fetched_at = fields.AwareDateTime(allow_none=True)
    fetch_count = fields.Integer()


class CreatedFeedTokenOut(FeedTokenOut):
    url = fields.String(metadata={"description": "the feed's link; shown only now"})
    webcal_url = fields.String(metadata={"description": "webcal:// link for calendar apps"})
    google_url = fields.String(metadata={"description": "Google Calendar's add-by-URL page"})
    outlook_url = fields.String(metadata={"description": "Outlook on the web's add-by-URL page"})
