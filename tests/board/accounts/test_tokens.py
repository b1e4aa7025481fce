"""Integration tokens: shown once, stored hashed, revocable at once."""

from board.accounts.models import ApiToken, hash_token
from board.extensions import db


def test_token_is_shown_once_and_stored_hashed(app, api):
    created = api.post("/api/v1/tokens", json={"label": "EHR interface", "scope": "read"})
    assert created.status_code == 201
    secret = created.get_json()["token"]
    assert secret.startswith("tb_") and len(secret) > 40
    listed = api.get("/api/v1/tokens").get_json()
    assert all("token" not in row for row in listed)
    assert {row["label"] for row in listed} >= {"EHR interface"}
    with app.app_context():
        stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert hash_token(secret) in stored
    assert secret not in stored


def test_revoked_token_stops_working_on_the_next_request(client, api):
    created = api.post("/api/v1/tokens", json={"label": "temp"}).get_json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert api.delete(f"/api/v1/tokens/{created['id']}").status_code == 204
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_users_cannot_see_or_revoke_each_others_tokens(api_as):
    first, second = api_as("coordinator"), api_as("coordinator")
    created = first.post("/api/v1/tokens", json={"label": "mine"}).get_json()
    assert created["id"] not in [row["id"] for row in second.get("/api/v1/tokens").get_json()]
    assert second.delete(f"/api/v1/tokens/{created['id']}").status_code == 404
    admin = api_as("admin")
    assert created["id"] in [row["id"] for row in admin.get("/api/v1/tokens").get_json()]
    assert admin.delete(f"/api/v1/tokens/{created['id']}").status_code == 204


def test_token_of_a_deactivated_user_is_refused(app, client, make_user):
    from board.accounts.models import User
    from board.accounts.services import create_api_token

    user_id, _email = make_user("coordinator")
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = create_api_token(user)
        user.active = False
        db.session.commit()
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_bad_scope_is_422(api):
    response = api.post("/api/v1/tokens", json={"scope": "everything"})
    assert response.status_code == 422
    assert "scope" in response.get_json()["error"]["details"]
