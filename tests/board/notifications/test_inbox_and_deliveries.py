"""Notifications that reach people: the inbox page, failed deliveries for admins, the demo's
mail catcher, and the coordinators told when a session with an agenda loses its quorum."""

import socket
from datetime import timedelta

from board.agendas.deadlines import warn_lost_quorums
from board.agendas.services import place_case
from board.cases.models import Case
from board.common.time import local_date, utcnow
from board.extensions import db
from board.notifications.catcher import start_catcher
from board.notifications.models import Notification
from board.notifications.services import deliver_pending_email, notify
from board.sessions.models import BoardSession
from board.specialists.models import TimeOff
from tests.helpers import csrf_of


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def queue_for(app, user_id: int, count: int) -> list[int]:
    with app.app_context():
        ids = [
            notify("test", f"Message {n}", f"Body {n}", user_id=user_id).id for n in range(count)
        ]
        db.session.commit()
        return ids


def test_every_role_has_an_inbox_with_an_unread_count(app, client, login, make_user):
    other, _email = make_user("coordinator")
    queue_for(app, other, 1)
    for role in ("specialist", "coordinator", "admin"):
        user_id = login(role)
        first, _second = queue_for(app, user_id, 2)
        home = client.get("/").data.decode()
        assert 'aria-label="2 unread"' in home, role
        page = client.get("/notifications")
        assert page.status_code == 200 and page.data.count(b'data-testid="notification"') == 2
        token = csrf_of(page.data)
        assert (
            client.post(f"/notifications/{first}/read", data={"csrf_token": token}).status_code
            == 302
        )
        assert 'aria-label="1 unread"' in client.get("/notifications").data.decode()
        client.post("/notifications/read-all", data={"csrf_token": token})
        assert "unread-count" not in client.get("/notifications").data.decode()
    with app.app_context():
        # Nobody else's message was touched.
        assert (
            db.session.scalar(db.select(Notification.read_at).where(Notification.user_id == other))
            is None
        )


def test_a_message_of_someone_else_cannot_be_marked_read(app, client, login, make_user):
    other, _email = make_user("coordinator")
    [theirs] = queue_for(app, other, 1)
    login("coordinator")
    token = csrf_of(client.get("/notifications").data)
    assert (
        client.post(f"/notifications/{theirs}/read", data={"csrf_token": token}).status_code == 404
    )


def test_given_up_deliveries_are_shown_to_admins_and_can_be_retried(
    app, client, login, api_as, make_user
):
    admin, _email = make_user("admin")
    app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT_SECONDS=1)
    with app.app_context():
        message_id = notify("test", "Agenda published", "Body", email="dr@example.org").id
        db.session.commit()
        now = utcnow()
        for _attempt in range(app.config["MAIL_MAX_ATTEMPTS"]):
            deliver_pending_email(now)
            db.session.commit()
            now += timedelta(days=1)
        message = db.session.get(Notification, message_id)
        assert message.gave_up_at is not None and message.sent_at is None
        [told] = db.session.scalars(
            db.select(Notification).where(
                Notification.kind == "delivery_failed", Notification.user_id == admin
            )
        ).all()
        assert "dr@example.org" in told.body
    failed = api_as("admin").get("/api/v1/notifications/deliveries/failed")
    assert failed.status_code == 200
    [row] = failed.get_json()
    assert (
        row["id"] == message_id and row["gave_up_at"] and "ConnectionRefused" in row["last_error"]
    )
    assert api_as("coordinator").get("/api/v1/notifications/deliveries/failed").status_code == 403

    login("admin")
    page = client.get("/notifications/deliveries")
    assert b"gave up" in page.data and b"dr@example.org" in page.data
    retried = client.post(
        f"/notifications/deliveries/{message_id}/retry", data={"csrf_token": csrf_of(page.data)}
    )
    assert retried.status_code == 302
    with app.app_context():
        message = db.session.get(Notification, message_id)
        assert message.gave_up_at is None and message.attempts == 0
    login("coordinator")
    assert client.get("/notifications/deliveries").status_code == 403


def test_the_demo_catcher_keeps_every_email_for_the_caught_mail_page(app, client, login, tmp_path):
    folder = tmp_path / "caught"
    catcher = start_catcher(folder, free_port())
    try:
        app.config.update(
            MAIL_HOST="127.0.0.1", MAIL_PORT=catcher.port, MAIL_CATCHER_DIR=str(folder)
        )
        with app.app_context():
            notify(
                "test",
                "Records reminder C-ABC123",
                "Please send the slides.",
                email="x@example.org",
            )
            db.session.commit()
            assert deliver_pending_email()["sent"] == 1
            db.session.commit()
    finally:
        catcher.stop()
    login("coordinator")
    page = client.get("/notifications/caught-mail")
    assert page.status_code == 200
    assert b"Records reminder C-ABC123" in page.data and b"Please send the slides." in page.data
    app.config["MAIL_CATCHER_DIR"] = None
    assert client.get("/notifications/caught-mail").status_code == 404


def test_coordinators_are_told_once_when_a_session_with_an_agenda_loses_its_quorum(
    app, center, ready_case, make_user
):
    coordinator, _email = make_user("coordinator")
    case_id = ready_case()
    with app.app_context():
        session = db.session.get(BoardSession, center["sessions"][0])
        place_case(db.session.get(Case, case_id), session, None)
        db.session.commit()
        assert warn_lost_quorums() == 0
        day = local_date(session.starts_at, session.board.time_zone)
        db.session.add(
            TimeOff(specialist_id=center["people"]["pathology"], starts_on=day, ends_on=day)
        )
        db.session.commit()
        assert warn_lost_quorums() == 1
        assert warn_lost_quorums() == 0  # told once
        db.session.commit()
        [told] = db.session.scalars(
            db.select(Notification).where(
                Notification.kind == "quorum_lost", Notification.user_id == coordinator
            )
        ).all()
    assert "nobody expected for Pathology" in told.body and "away or declined" in told.body
