"""Bearer tokens are for the API: pages refuse them, and on the API the bearer wins."""

from tests.helpers import csrf_token_from


def test_read_token_cannot_open_the_case_edit_page(client, make_case, token_for):
    case_id = make_case()
    headers = {"Authorization": f"Bearer {token_for('coordinator', scope='read')}"}
    response = client.get(f"/cases/{case_id}/edit", headers=headers)
    assert response.status_code == 401
    assert b"Synthetic Patient" not in response.data
    assert b"MRN0000001" not in response.data
    assert b"1960-05-17" not in response.data


def test_write_token_cannot_open_pages_either(client, make_case, token_for):
    case_id = make_case()
    headers = {"Authorization": f"Bearer {token_for('coordinator')}"}
    for path in (f"/cases/{case_id}", "/cases", "/"):
        assert client.get(path, headers=headers).status_code == 401, path


def test_bearer_wins_over_a_session_cookie_on_the_api(app, client, make_user, token_for):
    _user_id, email = make_user("coordinator")
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": email,
            "password": "correct horse battery",
            "remember": "y",
            "csrf_token": csrf_token_from(page.data),
        },
    )
    token = token_for("specialist")
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get("/api/v1/cases", headers=headers)
    second = client.get("/api/v1/cases", headers=headers)
    assert first.status_code == second.status_code == 200
    # The token's owner is a specialist: no patient fields, though the cookie is a coordinator's.
    assert all("patient_name" not in row for row in second.get_json())


def test_a_bearer_write_with_a_cookie_needs_no_csrf_and_acts_as_the_token(
    client, make_user, token_for
):
    _user_id, email = make_user("coordinator")
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": email,
            "password": "correct horse battery",
            "csrf_token": csrf_token_from(page.data),
        },
    )
    headers = {"Authorization": f"Bearer {token_for('specialist', scope='read')}"}
    refused = client.post("/api/v1/tokens", json={"label": "x"}, headers=headers)
    assert refused.status_code == 403  # the read token decides, not the coordinator's cookie
