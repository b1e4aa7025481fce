"""Queue notifications and deliver the queued emails over SMTP with retries."""

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app

from board.accounts.models import Role, User
from board.common.errors import Conflict
from board.common.time import utcnow
from board.extensions import db
from board.notifications.models import Notification


def notify(
    kind: str,
    subject: str,
    body: str,
    email: str | None = None,
    user_id: int | None = None,
    dedup_key: str | None = None,
) -> Notification | None:
    """Queue one message; a message with an already-used `dedup_key` is not queued again."""
    if dedup_key is not None:
        exists = db.session.scalar(
            db.select(Notification.id).where(Notification.dedup_key == dedup_key)
        )
        if exists is not None:
            return None
    message = Notification(
        kind=kind,
        subject=subject,
        body=body,
        email=email,
        user_id=user_id,
        dedup_key=dedup_key,
        next_attempt_at=utcnow() if email else None,
    )
    db.session.add(message)
    db.session.flush()
    return message


def notify_coordinators(kind: str, subject: str, body: str, dedup_key: str | None = None) -> int:
    """Put a message in every active coordinator's in-app list; returns how many."""
    return notify_role(Role.COORDINATOR, kind, subject, body, dedup_key)


def notify_admins(kind: str, subject: str, body: str, dedup_key: str | None = None) -> int:
    """Put a message in every active admin's in-app list; returns how many."""
    return notify_role(Role.ADMIN, kind, subject, body, dedup_key)


def notify_role(role: Role, kind: str, subject: str, body: str, dedup_key: str | None) -> int:
    """Put a message in the in-app list of every active user with `role`; returns how many."""
    users = db.session.scalars(db.select(User).where(User.role == role, User.active.is_(True)))
    sent = 0
    for user in users.all():
        key = f"{dedup_key}:user-{user.id}" if dedup_key else None
        sent += notify(kind, subject, body, user_id=user.id, dedup_key=key) is not None
    return sent


def count_unread(user_id: int) -> int:
    """How many of a user's in-app messages are unread."""
    return db.session.scalar(
        db.select(db.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one of the user's messages read (or all of them); returns how many changed."""
    query = db.select(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    rows = db.session.scalars(query).all()
    for row in rows:
        row.read_at = utcnow()
    db.session.flush()
    return len(rows)


def list_failed_deliveries() -> list[Notification]:
    """Emails not sent yet that failed at least once: given up first, then by age."""
    return list(
        db.session.scalars(
            db.select(Notification)
            .where(
                Notification.email.is_not(None),
                Notification.sent_at.is_(None),
                Notification.attempts > 0,
            )
            .order_by(Notification.gave_up_at.is_(None), Notification.id)
        )
    )


def retry_delivery(message: Notification) -> Notification:
    """Send a failed email again at the next delivery run, with a fresh set of attempts."""
    if message.email is None or message.sent_at is not None:
        raise Conflict("Only an email not delivered yet can be retried.")
    message.gave_up_at = None
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()
    return message


def list_notifications(user_id: int, unread_only: bool = False, limit: int = 50) -> list:
    """A user's in-app messages, newest first."""
    query = (
        db.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query))


def deliver_pending_email(now: datetime | None = None) -> dict:
    """Send every due email; failures are retried later with a growing delay."""
    now = now or utcnow()
    config = current_app.config
    due = db.session.scalars(
        db.select(Notification)
        .where(
            Notification.email.is_not(None),
            Notification.sent_at.is_(None),
            Notification.gave_up_at.is_(None),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.id)
        .limit(config["MAIL_BATCH_SIZE"])
    ).all()
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    if not due:
        return counts
    try:
        connection = open_smtp_connection()
    except (OSError, smtplib.SMTPException) as error:
        for message in due:
            record_failure(message, error, now, counts)
        db.session.flush()
        return counts
    with connection:
        for message in due:
            try:
                connection.send_message(build_email(message))
            except (OSError, smtplib.SMTPException) as error:
                record_failure(message, error, now, counts)
            else:
                message.sent_at = utcnow()
                message.attempts += 1
                counts["sent"] += 1
            # Commit per message so a crash never sends a message twice.
            db.session.commit()
    return counts


def record_failure(message: Notification, error: Exception, now: datetime, counts: dict) -> None:
    """Count a failed attempt and schedule the next one, or give up after the last.

    Giving up is never silent: every admin gets an in-app message pointing at the list of
    failed deliveries, where the email can be sent again.
    """
    config = current_app.config
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        message.gave_up_at = now
        counts["gave_up"] += 1
        notify_admins(
            "delivery_failed",
            f"Email not delivered: {message.subject}"[:200],
            f"The email to {message.email} failed {message.attempts} times "
            f"({message.last_error}). Retry it from the failed deliveries page.",
            dedup_key=f"delivery-failed:{message.id}:{message.attempts}",
        )
    else:
        delay = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
        message.next_attempt_at = now + timedelta(seconds=delay)
        counts["failed"] += 1


def open_smtp_connection() -> smtplib.SMTP:
    """Connect and log in to the configured SMTP server."""
    config = current_app.config
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(
            config["MAIL_HOST"],
            config["MAIL_PORT"],
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = smtplib.SMTP(config["MAIL_HOST"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            connection.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return connection


def build_email(message: Notification) -> EmailMessage:
    """The email for one queued notification."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.email
    email["Subject"] = message.subject
    email["Message-ID"] = f"<notification-{message.id}@{current_app.config['BOARD_DOMAIN']}>"
    email.set_content(message.body)
    return email
