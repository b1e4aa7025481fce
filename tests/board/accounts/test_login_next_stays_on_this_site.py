"""`next` after login must stay on this site, whatever tricks browsers normalise."""

import pytest

from tests.helpers import PASSWORD, csrf_token_from


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example.com/",  # browsers read a backslash as a slash: //evil.example.com/
        "/\\/evil.example.com/",
        "/\t/evil.example.com/",  # browsers drop tabs and newlines from URLs
    ],
)
def test_login_next_never_leads_to_another_host(client, make_user, target):
    _user_id, email = make_user("coordinator")
    token = csrf_token_from(client.get("/login").data)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location


def test_login_next_within_the_site_is_followed(client, make_user):
    _user_id, email = make_user("coordinator")
    token = csrf_token_from(client.get("/login").data)
    response = client.post(
        "/login",
        query_string={"next": "/cases?status=ready"},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/cases?status=ready")
