"""Logging in and out in the browser, with CSRF on every form."""

from tests.helpers import PASSWORD, csrf_token_from, log_in


def test_pages_redirect_to_login_when_logged_out(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_then_home_then_logout(client, make_user):
    _user_id, email = make_user("coordinator")
    response = log_in(client, email, follow=True)
    assert response.status_code == 200
    assert b"Cases by status" in response.data
    assert email.encode() in response.data

    token = csrf_token_from(response.data)
    logged_out = client.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    assert b"You are logged out" in logged_out.data
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_inline_message(client, make_user):
    _user_id, email = make_user("coordinator")
    response = log_in(client, email, password="not the password")
    assert response.status_code == 422
    assert b"Email or password is not right" in response.data
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    _user_id, email = make_user("coordinator")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"CSRF" in response.data
    assert b"Traceback" not in response.data
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, make_user):
    _user_id, email = make_user("coordinator")
    log_in(client, email)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_login_never_redirects_to_another_site(client, make_user):
    _user_id, email = make_user("coordinator")
    token = csrf_token_from(client.get("/login").data)
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_deactivated_user_cannot_log_in(app, client, make_user):
    from board.accounts.models import User
    from board.extensions import db

    user_id, email = make_user("coordinator")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert log_in(client, email).status_code == 422


def test_cookie_session_api_write_needs_csrf_header(client, make_user):
    _user_id, email = make_user("coordinator")
    home = log_in(client, email, follow=True)
    refused = client.post("/api/v1/tokens", json={"label": "x"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"
    assert "CSRF" in refused.get_json()["error"]["message"]
    accepted = client.post(
        "/api/v1/tokens",
        json={"label": "laptop"},
        headers={"X-CSRFToken": csrf_token_from(home.data)},
    )
    assert accepted.status_code == 201
