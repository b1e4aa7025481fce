"""Login sessions live server-side: logout ends them, they expire idle and old."""

from datetime import timedelta

import pytest

from board.accounts.models import LoginSession
from board.common.time import utcnow
from board.extensions import db
from tests.helpers import csrf_of, csrf_token_from, log_in


def captured_cookie(client) -> str:
    return client.get_cookie("session", domain="localhost").value


def replay(app, cookie: str):
    """A second browser holding a copy of the session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie, domain="localhost")
    return other


def test_a_cookie_captured_before_logout_opens_nothing_after_it(app, client, make_user, make_case):
    make_case()
    _user_id, email = make_user("coordinator")
    home = log_in(client, email, follow=True)
    cookie = captured_cookie(client)
    assert replay(app, cookie).get("/cases").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(home.data)})
    for path in ("/", "/cases"):
        response = replay(app, cookie).get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    with app.app_context():
        ended = db.session.scalars(db.select(LoginSession)).one()
        assert ended.ended_at is not None and ended.end_reason == "logout"


def test_login_starts_a_new_session_and_a_new_csrf_token(app, client, make_user):
    _user_id, email = make_user("coordinator")
    before = csrf_token_from(client.get("/login").data)
    pre_login_cookie = captured_cookie(client)
    home = log_in(client, email, follow=True)
    assert csrf_of(home.data) != before
    assert captured_cookie(client) != pre_login_cookie
    refused = client.post("/api/v1/tokens", json={"label": "x"}, headers={"X-CSRFToken": before})
    assert refused.status_code == 400
    second = app.test_client()
    log_in(second, email)
    with app.app_context():
        hashes = db.session.scalars(db.select(LoginSession.token_hash)).all()
    assert len(set(hashes)) == 2


@pytest.mark.parametrize(
    ("created_ago", "seen_ago", "still_in"),
    [
        (timedelta(minutes=40), timedelta(minutes=29), True),
        (timedelta(minutes=40), timedelta(minutes=31), False),  # idle 30 minutes
        (timedelta(hours=11, minutes=50), timedelta(minutes=1), True),
        (timedelta(hours=12, minutes=1), timedelta(minutes=1), False),  # absolute 12 hours
    ],
)
def test_sessions_end_when_idle_or_too_old(app, client, make_user, created_ago, seen_ago, still_in):
    _user_id, email = make_user("coordinator")
    log_in(client, email)
    with app.app_context():
        row = db.session.scalars(db.select(LoginSession)).one()
        row.created_at = utcnow() - created_ago
        row.last_seen_at = utcnow() - seen_ago
        db.session.commit()
    assert (client.get("/").status_code == 200) is still_in


def test_timeouts_are_settings(app, client, make_user):
    app.config["SESSION_IDLE_MINUTES"] = 5
    _user_id, email = make_user("coordinator")
    log_in(client, email)
    with app.app_context():
        db.session.scalars(db.select(LoginSession)).one().last_seen_at = utcnow() - timedelta(
            minutes=6
        )
        db.session.commit()
    assert client.get("/").status_code == 302


def test_use_moves_the_idle_deadline(app, client, make_user):
    _user_id, email = make_user("coordinator")
    log_in(client, email)
    with app.app_context():
        db.session.scalars(db.select(LoginSession)).one().last_seen_at = utcnow() - timedelta(
            minutes=20
        )
        db.session.commit()
    assert client.get("/cases").status_code == 200
    with app.app_context():
        seen = db.session.scalars(db.select(LoginSession)).one().last_seen_at
    assert utcnow() - seen < timedelta(minutes=1)


def test_session_cookie_is_secure_and_http_only_by_default(client, make_user):
    _user_id, email = make_user("coordinator")
    response = log_in(client, email)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_there_is_no_remember_me(client):
    assert b"remember" not in client.get("/login").data.lower()


def test_changing_your_password_ends_your_other_sessions(app, client, make_user):
    _user_id, email = make_user("coordinator")
    other_device = app.test_client()
    log_in(other_device, email)
    home = log_in(client, email, follow=True)
    token = csrf_of(client.get("/account/password").data)
    wrong = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": "nope", "password": "plum kettle orbit 77"},
    )
    assert wrong.status_code == 422
    weak = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "correct horse battery",
            "password": "a" * 14,
        },
    )
    assert weak.status_code == 422
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "correct horse battery",
            "password": "plum kettle orbit 77",
        },
    )
    assert changed.status_code == 302
    assert client.get("/cases").status_code == 200  # this browser has a new session
    assert other_device.get("/cases").status_code == 302  # the other one ended
    assert home.status_code == 200
    assert log_in(app.test_client(), email, password="plum kettle orbit 77").status_code == 302
