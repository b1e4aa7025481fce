"""The in-app inbox for every role, failed deliveries for admins, and the demo's caught mail."""

import mailbox
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from board.accounts.models import Role
from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.common.forms import perform
from board.common.models import get_or_404
from board.notifications import services
from board.notifications.models import Notification

blueprint = Blueprint("notifications", __name__)


@blueprint.app_context_processor
def unread_notifications() -> dict:
    """The header's unread count, as a function: fragments that show no header never count."""
    return {"unread_count": count_own_unread}


def count_own_unread() -> int:
    """The signed-in user's unread messages, counted once per request."""
    if not current_user or not current_user.is_authenticated:
        return 0
    if "unread_count" not in g:
        g.unread_count = services.count_unread(current_user.id)
    return g.unread_count


@blueprint.route("/notifications")
@require_roles(*EVERYONE)
def inbox():
    """Your messages, newest first; unread ones marked."""
    messages = services.list_notifications(current_user.id, limit=200)
    return render_template("notifications/inbox.html", messages=messages)


@blueprint.route("/notifications/<int:notification_id>/read", methods=["POST"])
@require_roles(*EVERYONE)
def read(notification_id: int):
    """Mark one of your messages read."""
    done = perform(lambda: services.mark_read(current_user.id, notification_id))
    if done.saved and done.result == 0:
        abort(404)
    return redirect(url_for("notifications.inbox"))


@blueprint.route("/notifications/read-all", methods=["POST"])
@require_roles(*EVERYONE)
def read_all():
    """Mark every message of yours read."""
    done = perform(lambda: services.mark_read(current_user.id))
    flash(f"{done.result or 0} message(s) marked read.")
    return redirect(url_for("notifications.inbox"))


@blueprint.route("/notifications/deliveries")
@require_roles(Role.ADMIN)
def deliveries():
    """Emails that failed at least once: retrying on a growing delay, or given up."""
    return render_template(
        "notifications/deliveries.html", failed=services.list_failed_deliveries()
    )


@blueprint.route("/notifications/deliveries/<int:notification_id>/retry", methods=["POST"])
@require_roles(Role.ADMIN)
def retry(notification_id: int):
    """Send a failed email again at the next delivery run."""
    message = get_or_404(Notification, notification_id)
    done = perform(lambda: services.retry_delivery(message))
    flash(done.refusal.message if done.refusal else f"Email to {message.email} queued again.")
    return redirect(url_for("notifications.deliveries"))


@blueprint.route("/notifications/caught-mail")
@require_roles(*STAFF)
def caught_mail():
    """What the demo's local SMTP catcher received (only when it is configured)."""
    folder = current_app.config.get("MAIL_CATCHER_DIR")
    if not folder or not Path(folder).is_dir():
        abort(404)
    box = mailbox.Maildir(folder, create=False)
    messages = []
    for message in box:
        body = message.get_payload(decode=True) if not message.is_multipart() else b""
        date = message.get("Date")
        messages.append(
            {
                "to": message.get("To", ""),
                "subject": message.get("Subject", ""),
                "date": parsedate_to_datetime(date) if date else None,
                "body": (body or b"").decode("utf-8", "replace"),
            }
        )
    messages.sort(key=lambda entry: entry["date"].timestamp() if entry["date"] else 0, reverse=True)
    return render_template("notifications/caught_mail.html", messages=messages, folder=folder)
