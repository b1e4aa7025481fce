"""Admins manage accounts in pages and API; weak passwords are refused."""

import pytest

from board.accounts.models import LoginSession, Role, User
from board.audit.models import AuditEvent
from board.extensions import db
from tests.helpers import csrf_of, log_in, row

STRONG = "plum kettle orbit seventy"


@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaa", "password1234", "qwertyuiop12", "short"])
def test_weak_passwords_are_refused(api_as, password):
    admin = api_as("admin")
    body = {"email": "new@example.org", "role": "coordinator", "password": password}
    response = admin.post("/api/v1/users", json=body)
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["details"]


def test_a_long_passphrase_is_judged_not_refused_with_a_500(api_as):
    admin = api_as("admin")
    weak = {"email": "long@example.org", "role": "coordinator", "password": "0" * 100}
    assert admin.post("/api/v1/users", json=weak).status_code == 422
    strong = {**weak, "password": (STRONG + " ") * 4}
    assert admin.post("/api/v1/users", json=strong).status_code == 201


def test_a_password_made_of_the_email_is_refused(api_as):
    body = {
        "email": "oncology.nurse@example.org",
        "role": "coordinator",
        "password": "oncology.nurse",
    }
    assert api_as("admin").post("/api/v1/users", json=body).status_code == 422


def test_admin_creates_disables_and_enables_a_user_by_api(app, client, api_as):
    admin = api_as("admin")
    created = admin.post(
        "/api/v1/users",
        json={"email": "new@example.org", "role": "coordinator", "password": STRONG},
    )
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    assert log_in(client, "new@example.org", password=STRONG).status_code == 302
    etag = admin.get(f"/api/v1/users/{user_id}").headers["ETag"]
    disabled = admin.patch(
        f"/api/v1/users/{user_id}", json={"active": False}, headers={"If-Match": etag}
    )
    assert disabled.status_code == 200 and disabled.get_json()["active"] is False
    assert client.get("/").status_code == 302  # their open session ended
    assert log_in(client, "new@example.org", password=STRONG).status_code == 422
    enabled = admin.patch(
        f"/api/v1/users/{user_id}",
        json={"active": True},
        headers={"If-Match": disabled.headers["ETag"]},
    )
    assert enabled.status_code == 200
    assert log_in(client, "new@example.org", password=STRONG).status_code == 302


def test_role_change_and_password_reset_end_sessions(app, client, api_as, make_user):
    admin = api_as("admin")
    user_id, email = make_user("coordinator")
    log_in(client, email)
    assert client.get("/cases").status_code == 200
    etag = admin.get(f"/api/v1/users/{user_id}").headers["ETag"]
    changed = admin.patch(
        f"/api/v1/users/{user_id}", json={"role": "admin"}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200
    assert client.get("/cases").status_code == 302
    log_in(client, email)
    assert (
        admin.post(f"/api/v1/users/{user_id}/password", json={"password": STRONG}).status_code
        == 204
    )
    assert client.get("/cases").status_code == 302
    assert log_in(client, email, password=STRONG).status_code == 302
    with app.app_context():
        reasons = db.session.scalars(
            db.select(LoginSession.end_reason).where(LoginSession.user_id == user_id)
        ).all()
    assert {"role_changed", "password_changed"} <= set(reasons)
    assert row(app, User, user_id).role == Role.ADMIN


def test_user_administration_is_for_admins_only(api_as):
    for role in ("coordinator", "specialist"):
        assert api_as(role).get("/api/v1/users").status_code == 403


def test_admin_cannot_disable_themselves(app, client, login):
    admin_id = login("admin")
    page = client.get(f"/users/{admin_id}")
    version = row(app, User, admin_id).version
    refused = client.post(
        f"/users/{admin_id}",
        data={"csrf_token": csrf_of(page.data), "version": version, "role": "admin"},
    )
    assert refused.status_code == 409
    assert row(app, User, admin_id).active


def test_admin_pages_create_disable_reset_and_unlock(app, client, login, make_user):
    login("admin")
    page = client.get("/users")
    assert page.status_code == 200
    token = csrf_of(page.data)
    weak = client.post(
        "/users",
        data={
            "csrf_token": token,
            "email": "x@example.org",
            "role": "coordinator",
            "password": "aaaaaaaaaaaa",
        },
    )
    assert weak.status_code == 422
    created = client.post(
        "/users",
        data={
            "csrf_token": token,
            "email": "x@example.org",
            "role": "coordinator",
            "password": STRONG,
        },
    )
    assert created.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "x@example.org"))
        user_id, version = user.id, user.version
    saved = client.post(
        f"/users/{user_id}",
        data={"csrf_token": token, "version": version, "role": "coordinator", "name": "X"},
    )
    assert saved.status_code == 302
    assert not row(app, User, user_id).active
    reset = client.post(
        f"/users/{user_id}/password", data={"csrf_token": token, "password": "12345678901234"}
    )
    assert reset.status_code == 422

    other = app.test_client()
    _locked_id, locked_email = make_user("coordinator")
    for _ in range(5):
        log_in(other, locked_email, password="wrong password!")
    assert log_in(other, locked_email).status_code == 429
    listing = client.get("/users")
    assert locked_email.encode() in listing.data
    assert (
        client.post("/users/unlock", data={"csrf_token": token, "email": locked_email}).status_code
        == 302
    )
    assert log_in(other, locked_email).status_code == 302


def test_locked_logins_by_api(app, api_as, make_user, client):
    _user_id, email = make_user("coordinator")
    for _ in range(5):
        log_in(client, email, password="wrong password!")
    admin = api_as("admin")
    locked = admin.get("/api/v1/users/locked-logins").get_json()
    assert [entry["email"] for entry in locked] == [email]
    assert (
        admin.post("/api/v1/users/locked-logins/unlock", json={"email": email}).status_code == 204
    )
    assert admin.get("/api/v1/users/locked-logins").get_json() == []


def test_a_json_body_that_is_not_an_object_is_refused_and_still_audited(api_as):
    response = api_as("admin").post("/api/v1/users/locked-logins/unlock", json=[None, None])
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_a_nul_byte_in_an_email_is_refused_and_still_audited(app, api_as):
    response = api_as("admin").post(
        "/api/v1/users/locked-logins/unlock", json={"email": "nul\u0000@example.org"}
    )
    # Nothing to unlock (204) or refused (422); never a 500, and the attempt is on record.
    assert response.status_code in (204, 422)
    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.endpoint == "users_api.unlock_login")
        ).all()
    assert events and "\x00" not in events[-1].target
