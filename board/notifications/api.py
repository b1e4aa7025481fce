"""`/api/v1/notifications`: the signed-in user's in-app messages."""

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields

from board.accounts.permissions import EVERYONE, require_roles
from board.common.http import Blueprint
from board.common.time import utcnow
from board.extensions import db
from board.notifications.models import Notification
from board.notifications.services import list_notifications

blueprint = Blueprint(
    "notifications_api", __name__, url_prefix="/api/v1/notifications", description="In-app list"
)


class NotificationFilters(Schema):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    subject = fields.String()
    body = fields.String()
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.arguments(NotificationFilters, location="query")
@blueprint.response(200, NotificationOut(many=True))
def list_own(filters):
    """Your messages, newest first (`?unread=true` for unread only)."""
    return list_notifications(current_user.id, unread_only=filters["unread"])


@blueprint.route("/<int:notification_id>/read", methods=["POST"])
@require_roles(*EVERYONE)
@blueprint.response(200, NotificationOut)
def mark_read(notification_id: int):
    """Mark one of your messages read."""
    message = db.session.get(Notification, notification_id)
    if message is None or message.user_id != current_user.id:
        abort(404)
    if message.read_at is None:
        message.read_at = utcnow()
    db.session.commit()
    return message
