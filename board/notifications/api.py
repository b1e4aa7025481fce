"""`/api/v1/notifications`: the signed-in user's in-app messages."""

from flask import abort
from flask_login import current_user
from marshmallow import Schema, fields

from board.accounts.models import Role
from board.accounts.permissions import EVERYONE, require_roles
from board.common.http import Blueprint
from board.common.models import get_or_404
from board.extensions import db
from board.notifications import services
from board.notifications.models import Notification

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
    return services.list_notifications(current_user.id, unread_only=filters["unread"])


@blueprint.route("/<int:notification_id>/read", methods=["POST"])
@require_roles(*EVERYONE)
@blueprint.response(200, NotificationOut)
def mark_read(notification_id: int):
    """Mark one of your messages read."""
    message = db.session.get(Notification, notification_id)
    if message is None or message.user_id != current_user.id:
        abort(404)
    services.mark_read(current_user.id, notification_id)
    db.session.commit()
    return message


class DeliveryOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    email = fields.String()
    subject = fields.String()
    created_at = fields.AwareDateTime()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    gave_up_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String()


@blueprint.route("/deliveries/failed", methods=["GET"])
@require_roles(Role.ADMIN)
@blueprint.response(200, DeliveryOut(many=True))
def failed_deliveries():
    """Emails that failed at least once (admins): retrying, or given up after the last try."""
    return services.list_failed_deliveries()


@blueprint.route("/deliveries/<int:notification_id>/retry", methods=["POST"])
@require_roles(Role.ADMIN)
@blueprint.response(200, DeliveryOut)
def retry_failed_delivery(notification_id: int):
    """Send a failed email again at the next delivery run (admins)."""
    message = services.retry_delivery(get_or_404(Notification, notification_id))
    db.session.commit()
    return message
