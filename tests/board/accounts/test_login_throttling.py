"""Guessing passwords: failures lock the email and the address, unknown emails look known."""

from board.accounts.models import LoginAttempt
from board.extensions import db
from tests.helpers import PASSWORD, log_in


def fail(client, email: str, times: int) -> None:
    for _ in range(times):
        assert log_in(client, email, password="wrong password!").status_code == 422


def test_the_right_password_is_refused_after_five_failures(client, make_user):
    _user_id, email = make_user("coordinator")
    fail(client, email, 5)
    locked = log_in(client, email)
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.data
    assert client.get("/").status_code == 302


def test_a_success_clears_earlier_failures(client, make_user):
    _user_id, email = make_user("coordinator")
    fail(client, email, 4)
    assert log_in(client, email).status_code == 302
    fail(client, email, 4)
    assert log_in(client, email).status_code == 302


def test_failures_expire_with_the_window(app, client, make_user):
    from datetime import timedelta

    _user_id, email = make_user("coordinator")
    fail(client, email, 5)
    with app.app_context():
        for attempt in db.session.scalars(db.select(LoginAttempt)):
            attempt.attempted_at -= timedelta(minutes=16)
        db.session.commit()
    assert log_in(client, email).status_code == 302


def test_one_address_trying_many_emails_is_throttled(app, client, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    _user_id, email = make_user("coordinator")
    for number in range(6):
        assert log_in(client, f"guess{number}@example.org").status_code == 422
    assert log_in(client, email).status_code == 429
    other_address = app.test_client()
    other_address.environ_base = {"REMOTE_ADDR": "10.9.8.7"}
    assert log_in(other_address, email).status_code == 302


def test_unknown_and_known_emails_get_the_same_answer(client, make_user):
    _user_id, email = make_user("coordinator")
    known = log_in(client, email, password="wrong password!")
    unknown = log_in(client, "nobody@example.org", password="wrong password!")
    assert known.status_code == unknown.status_code == 422
    assert known.data.replace(email.encode(), b"") == unknown.data.replace(
        b"nobody@example.org", b""
    )
    fail(client, "nobody@example.org", 4)
    assert log_in(client, "nobody@example.org").status_code == 429  # locked like a real one


def test_an_unknown_email_still_costs_a_password_hash(app, client, monkeypatch):
    import board.accounts.services as services

    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(
        services, "check_password_hash", lambda *args: checked.append(1) or real(*args)
    )
    log_in(client, "nobody@example.org", password=PASSWORD)
    assert checked == [1]


def test_attempts_are_counted_in_the_database(app, client, make_user):
    """Another worker (a fresh app on the same database) sees the same failures."""
    from board import create_app

    _user_id, email = make_user("coordinator")
    fail(client, email, 5)
    keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME")
    other_app = create_app({key: app.config[key] for key in keys})
    assert log_in(other_app.test_client(), email).status_code == 429
    with other_app.app_context():
        db.engine.dispose()
