"""Queued emails reach a real SMTP server (aiosmtpd on loopback), with retries on failure."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from board.common.time import utcnow
from board.extensions import db
from board.notifications.models import Notification
from board.notifications.services import deliver_pending_email, notify, notify_coordinators


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    controller.stop()


def test_queued_email_is_delivered_once(app, smtp_server):
    with app.app_context():
        notify(
            "agenda_published",
            "Breast Tumor Board agenda published",
            "The agenda for Tuesday is ready.",
            email="dr.lee@example.org",
            dedup_key="agenda:1",
        )
        assert (
            notify(
                "agenda_published", "again", "again", email="x@example.org", dedup_key="agenda:1"
            )
            is None
        )
        db.session.commit()
        assert deliver_pending_email() == {"sent": 1, "failed": 0, "gave_up": 0}
        assert deliver_pending_email() == {"sent": 0, "failed": 0, "gave_up": 0}
        stored = db.session.scalar(db.select(Notification))
        assert stored.sent_at is not None and stored.attempts == 1
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["To"] == "dr.lee@example.org"
    assert received["Subject"] == "Breast Tumor Board agenda published"
    assert "The agenda for Tuesday is ready." in received.get_payload()


def test_unreachable_server_is_retried_later_then_given_up(app):
    app.config.update(
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=free_port(),
        MAIL_MAX_ATTEMPTS=3,
        MAIL_RETRY_BASE_SECONDS=60,
    )
    with app.app_context():
        notify(
            "reminder", "Records reminder", "Please send the slides.", email="office@example.org"
        )
        db.session.commit()
        now = utcnow()
        assert deliver_pending_email(now)["failed"] == 1
        message = db.session.scalar(db.select(Notification))
        assert message.sent_at is None and message.attempts == 1
        assert message.next_attempt_at >= now + timedelta(seconds=59)
        assert "ConnectionRefusedError" in message.last_error
        # not due yet: nothing is attempted
        assert deliver_pending_email(now) == {"sent": 0, "failed": 0, "gave_up": 0}
        assert deliver_pending_email(now + timedelta(minutes=2))["failed"] == 1
        assert deliver_pending_email(now + timedelta(minutes=10))["gave_up"] == 1
        db.session.commit()
        assert db.session.scalar(db.select(Notification)).gave_up_at is not None


def test_retry_succeeds_once_the_server_is_back(app):
    port = free_port()
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        notify("reminder", "Records reminder", "Body", email="office@example.org")
        db.session.commit()
        now = utcnow()
        assert deliver_pending_email(now)["failed"] == 1
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert deliver_pending_email(now + timedelta(minutes=5))["sent"] == 1
        finally:
            controller.stop()
    assert len(inbox.messages) == 1


def test_coordinators_get_in_app_messages(app, make_user):
    make_user("coordinator")
    make_user("coordinator")
    make_user("admin")
    with app.app_context():
        assert notify_coordinators("case_moved", "Case moved", "C-ABC moved", "moved:1") == 2
        assert notify_coordinators("case_moved", "Case moved", "C-ABC moved", "moved:1") == 0
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 2


def test_in_app_list_and_mark_read(app, api, api_as, make_user):
    with app.app_context():
        notify_coordinators("case_moved", "C-ABC left the agenda", "Records missing", "k:1")
        db.session.commit()
    listed = api.get("/api/v1/notifications?unread=true").get_json()
    assert [row["subject"] for row in listed] == ["C-ABC left the agenda"]
    other = api_as("coordinator")
    assert other.post(f"/api/v1/notifications/{listed[0]['id']}/read").status_code == 404
    assert api.post(f"/api/v1/notifications/{listed[0]['id']}/read").status_code == 200
    assert api.get("/api/v1/notifications?unread=true").get_json() == []
    assert len(api.get("/api/v1/notifications").get_json()) == 1
