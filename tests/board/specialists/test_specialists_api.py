"""`/api/v1/specialists`: specialists, their memberships and their time off."""

from datetime import date, timedelta

import pytest

from board.accounts.models import User
from board.accounts.services import create_api_token
from board.extensions import db
from tests.helpers import assert_field_refused, assert_fields_missing


def specialist_json(**overrides) -> dict:
    body = {
        "name": "Dr. Ada Okafor",
        "email": "ada.okafor@example.org",
        "specialty": "radiation_oncology",
        "sites": ["lung", "breast"],
        "boards": [],
    }
    body.update(overrides)
    return body


def read(api, specialist_id: int):
    response = api.get(f"/api/v1/specialists/{specialist_id}")
    assert response.status_code == 200
    return response.get_json(), response.headers["ETag"]


def test_create_specialist_answers_201_with_location_and_etag(api, make_board):
    board_id = make_board()
    response = api.post("/api/v1/specialists", json=specialist_json(boards=[board_id]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/specialists/{body['id']}")
    assert response.headers["ETag"] == f'"specialists-{body["id"]}-v1"'
    assert body["name"] == "Dr. Ada Okafor"
    assert body["email"] == "ada.okafor@example.org"
    assert body["specialty"] == "radiation_oncology"
    assert body["sites"] == ["breast", "lung"]  # ordered by code
    assert body["boards"] == [board_id]
    assert body["active"] is True
    assert body["time_off"] == []
    assert body["version"] == 1

    again = api.get(response.headers["Location"])
    assert again.status_code == 200
    assert again.get_json() == body


def test_email_is_stored_lowercase(api):
    response = api.post("/api/v1/specialists", json=specialist_json(email="Ada.Okafor@Example.ORG"))
    assert response.status_code == 201
    assert response.get_json()["email"] == "ada.okafor@example.org"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"specialty": "astrology"}, "specialty", "Unknown specialty: astrology"),
        ({"sites": ["breast", "atlantis"]}, "sites", "Unknown disease site: atlantis"),
        ({"boards": [999999]}, "boards", "Unknown board: 999999"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"email": ""}, "email", "email"),
        ({"name": ""}, "name", "length"),
        ({"boards": ["breast"]}, "boards", "integer"),
        ({"pager": "555"}, "pager", "Unknown field"),
    ],
)
def test_bad_specialist_input_is_422_naming_the_field(api, overrides, field, fragment):
    response = api.post("/api/v1/specialists", json=specialist_json(**overrides))
    assert_field_refused(response, field, fragment)
    assert api.get("/api/v1/specialists").get_json() == []  # nothing written


@pytest.mark.parametrize("email", ["ada.okafor@example.org", "ADA.Okafor@example.org"])
def test_duplicate_email_is_422(api, make_specialist, email):
    make_specialist(email="ada.okafor@example.org")
    response = api.post("/api/v1/specialists", json=specialist_json(email=email))
    assert response.status_code == 422
    assert "already has this email" in str(response.get_json()["error"]["details"]["email"])
    assert len(api.get("/api/v1/specialists").get_json()) == 1


def test_missing_required_fields_are_each_named(api):
    response = api.post("/api/v1/specialists", json={})
    assert_fields_missing(response, ("name", "email", "specialty"))


def test_list_filters_by_board_specialty_and_active(api, make_board, make_specialist):
    breast = make_board()
    lung = make_board(name="Lung Tumor Board", sites=["lung"])
    first = make_specialist(name="Dr. A", specialty="pathology", boards=[breast, lung])
    second = make_specialist(name="Dr. B", specialty="radiology", boards=[lung])
    third = make_specialist(name="Dr. C", specialty="pathology", active=False)

    def listed(**query):
        response = api.get("/api/v1/specialists", query_string=query)
        assert response.status_code == 200
        return [row["id"] for row in response.get_json()]

    assert listed() == [first, second, third]
    assert listed(board=breast) == [first]
    assert listed(board=lung) == [first, second]
    assert listed(specialty="pathology") == [first, third]
    assert listed(active="false") == [third]
    assert listed(active="true", specialty="pathology") == [first]
    assert api.get("/api/v1/specialists?board=lung").status_code == 422


def test_get_unknown_specialist_is_404(api):
    response = api.get("/api/v1/specialists/4242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- changing a specialist ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "Dr. Renamed"}, {"name": "Dr. Renamed"}),
        ({"email": "New@Example.org"}, {"email": "new@example.org"}),
        ({"specialty": "genetics"}, {"specialty": "genetics"}),
        ({"sites": ["lung"]}, {"sites": ["lung"]}),
        ({"sites": []}, {"sites": []}),
        ({"boards": "BOARD"}, {"boards": "BOARD"}),
        ({"active": False}, {"active": False}),
    ],
)
def test_patch_with_current_etag_updates_and_bumps_version(
    api, make_board, make_specialist, change, expected
):
    board_id = make_board()
    specialist_id = make_specialist(sites=["breast"])
    change = {k: [board_id] if v == "BOARD" else v for k, v in change.items()}
    expected = {k: [board_id] if v == "BOARD" else v for k, v in expected.items()}
    _before, etag = read(api, specialist_id)
    response = api.patch(
        f"/api/v1/specialists/{specialist_id}", json=change, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    for name, value in expected.items():
        assert body[name] == value
    assert body["version"] == 2
    assert response.headers["ETag"] == f'"specialists-{specialist_id}-v2"'
    assert read(api, specialist_id) == (body, response.headers["ETag"])


def test_patch_may_keep_its_own_email(api, make_specialist):
    specialist_id = make_specialist(email="same@example.org")
    _before, etag = read(api, specialist_id)
    response = api.patch(
        f"/api/v1/specialists/{specialist_id}",
        json={"email": "same@example.org", "name": "Dr. Same"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "taken@example.org"}, "email"),
        ({"specialty": "astrology"}, "specialty"),
        ({"sites": ["atlantis"]}, "sites"),
        ({"boards": [999999]}, "boards"),
        ({"email": "nope"}, "email"),
    ],
)
def test_patch_bad_input_is_422_and_writes_nothing(api, make_specialist, change, field):
    make_specialist(email="taken@example.org")
    specialist_id = make_specialist()
    before, etag = read(api, specialist_id)
    response = api.patch(
        f"/api/v1/specialists/{specialist_id}", json=change, headers={"If-Match": etag}
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert read(api, specialist_id) == (before, etag)


def test_patch_with_stale_etag_is_412_and_writes_nothing(api, make_board, make_specialist):
    board_id = make_board()
    specialist_id = make_specialist()
    _before, stale = read(api, specialist_id)
    first = api.patch(
        f"/api/v1/specialists/{specialist_id}",
        json={"name": "Dr. First"},
        headers={"If-Match": stale},
    )
    assert first.status_code == 200
    second = api.patch(
        f"/api/v1/specialists/{specialist_id}",
        json={"name": "Dr. Second", "boards": [board_id]},
        headers={"If-Match": stale},
    )
    assert second.status_code == 412
    assert second.get_json()["error"]["code"] == "stale_version"
    after, _etag = read(api, specialist_id)
    assert after["name"] == "Dr. First"
    assert after["boards"] == []
    assert after["version"] == 2


def test_patch_without_if_match_is_428_and_writes_nothing(api, make_specialist):
    specialist_id = make_specialist()
    response = api.patch(f"/api/v1/specialists/{specialist_id}", json={"name": "Dr. X"})
    assert response.status_code == 428
    after, _etag = read(api, specialist_id)
    assert after["name"] != "Dr. X" and after["version"] == 1


def test_patch_unknown_specialist_is_404(api):
    response = api.patch(
        "/api/v1/specialists/4242", json={"name": "Dr. X"}, headers={"If-Match": "*"}
    )
    assert response.status_code == 404


# --- time off -----------------------------------------------------------------------------

TIME_OFF = {"starts_on": "2026-12-21", "ends_on": "2027-01-01", "reason": "Holidays"}


def time_off_path(specialist_id: int, entry_id: int | None = None) -> str:
    path = f"/api/v1/specialists/{specialist_id}/time-off"
    return path if entry_id is None else f"{path}/{entry_id}"


def test_add_list_and_remove_time_off(api, make_specialist):
    specialist_id = make_specialist()
    version_before = read(api, specialist_id)[0]["version"]
    created = api.post(time_off_path(specialist_id), json=TIME_OFF)
    assert created.status_code == 201, created.get_json()
    entry = created.get_json()
    assert created.headers["Location"].endswith(time_off_path(specialist_id))
    assert entry["starts_on"] == "2026-12-21" and entry["ends_on"] == "2027-01-01"
    assert entry["reason"] == "Holidays"

    earlier = api.post(
        time_off_path(specialist_id), json={"starts_on": "2026-08-03", "ends_on": "2026-08-07"}
    )
    assert earlier.status_code == 201
    assert earlier.get_json()["reason"] == ""

    listed = api.get(time_off_path(specialist_id))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.get_json()] == [earlier.get_json()["id"], entry["id"]]
    specialist = read(api, specialist_id)[0]
    assert [row["id"] for row in specialist["time_off"]] == [row["id"] for row in listed.get_json()]
    assert specialist["version"] > version_before

    removed = api.delete(time_off_path(specialist_id, entry["id"]))
    assert removed.status_code == 204
    assert removed.data == b""
    assert [row["id"] for row in api.get(time_off_path(specialist_id)).get_json()] == [
        earlier.get_json()["id"]
    ]
    assert api.delete(time_off_path(specialist_id, entry["id"])).status_code == 404


def test_single_day_time_off_is_accepted(api, make_specialist):
    specialist_id = make_specialist()
    response = api.post(
        time_off_path(specialist_id), json={"starts_on": "2026-09-01", "ends_on": "2026-09-01"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2026-12-21", "ends_on": "2026-12-20"}, "ends_on"),
        ({"starts_on": "2026-01-01", "ends_on": "2027-06-01"}, "ends_on"),
        ({"starts_on": "2026-13-01", "ends_on": "2026-12-20"}, "starts_on"),
        ({"ends_on": "2026-12-20"}, "starts_on"),
        ({**TIME_OFF, "reason": "x" * 201}, "reason"),
    ],
)
def test_bad_time_off_is_422_and_writes_nothing(api, make_specialist, body, field):
    specialist_id = make_specialist()
    response = api.post(time_off_path(specialist_id), json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert api.get(time_off_path(specialist_id)).get_json() == []


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_time_off_of_unknown_specialist_is_404(api, method):
    path = time_off_path(4242, 1 if method == "DELETE" else None)
    response = api.request(method, path, json=TIME_OFF if method == "POST" else None)
    assert response.status_code == 404


def test_time_off_of_another_specialist_cannot_be_removed(api, make_specialist):
    owner = make_specialist()
    other = make_specialist()
    entry = api.post(time_off_path(owner), json=TIME_OFF).get_json()
    response = api.delete(time_off_path(other, entry["id"]))
    assert response.status_code == 404
    assert len(api.get(time_off_path(owner)).get_json()) == 1


# --- who may do what ----------------------------------------------------------------------


class TokenClient:
    """The test client sending one user's bearer token."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)

    def delete(self, path, **kwargs):
        return self.client.delete(path, headers=self.headers, **kwargs)


@pytest.fixture
def specialist_api(app, client, make_specialist, make_user):
    """An API client acting as the user linked to a specialist, and that specialist's id."""
    specialist_id = make_specialist()
    user_id, _email = make_user("specialist", specialist_id=specialist_id)
    with app.app_context():
        token = create_api_token(db.session.get(User, user_id), scope="write")
        db.session.commit()
    return TokenClient(client, token), specialist_id


def test_specialists_manage_their_own_time_off(api, specialist_api):
    caller, specialist_id = specialist_api
    created = caller.post(time_off_path(specialist_id), json=TIME_OFF)
    assert created.status_code == 201, created.get_json()
    assert len(caller.get(time_off_path(specialist_id)).get_json()) == 1
    removed = caller.delete(time_off_path(specialist_id, created.get_json()["id"]))
    assert removed.status_code == 204
    assert api.get(time_off_path(specialist_id)).get_json() == []


def test_specialists_may_not_touch_someone_elses_time_off(api, specialist_api, make_specialist):
    caller, _own_id = specialist_api
    other = make_specialist()
    entry = api.post(time_off_path(other), json=TIME_OFF).get_json()

    added = caller.post(time_off_path(other), json=TIME_OFF)
    assert added.status_code == 403
    assert added.get_json()["error"]["code"] == "forbidden"
    removed = caller.delete(time_off_path(other, entry["id"]))
    assert removed.status_code == 403
    assert [row["id"] for row in api.get(time_off_path(other)).get_json()] == [entry["id"]]


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_staff_manage_anyones_time_off(api_as, make_specialist, role):
    caller = api_as(role)
    specialist_id = make_specialist()
    created = caller.post(time_off_path(specialist_id), json=TIME_OFF)
    assert created.status_code == 201
    removed = caller.delete(time_off_path(specialist_id, created.get_json()["id"]))
    assert removed.status_code == 204


def test_read_token_may_not_add_time_off(api, api_as, make_specialist):
    specialist_id = make_specialist()
    response = api_as("coordinator", "read").post(time_off_path(specialist_id), json=TIME_OFF)
    assert response.status_code == 403
    assert api.get(time_off_path(specialist_id)).get_json() == []


@pytest.mark.parametrize(
    "path", ["/api/v1/specialists", "/api/v1/specialists/1", "/api/v1/specialists/1/time-off"]
)
def test_no_credentials_is_401(client, make_specialist, path):
    make_specialist()
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("role", "scope"), [("specialist", "write"), ("coordinator", "read")])
def test_specialists_and_read_tokens_may_not_write_specialists(
    api, api_as, make_specialist, role, scope
):
    specialist_id = make_specialist()
    caller = api_as(role, scope)
    created = caller.post("/api/v1/specialists", json=specialist_json())
    assert created.status_code == 403
    changed = caller.patch(
        f"/api/v1/specialists/{specialist_id}",
        json={"name": "Dr. Hijacked"},
        headers={"If-Match": "*"},
    )
    assert changed.status_code == 403
    names = [row["name"] for row in api.get("/api/v1/specialists").get_json()]
    assert "Dr. Hijacked" not in names and "Dr. Ada Okafor" not in names


def test_specialists_may_read_specialists(specialist_api, make_specialist):
    caller, own_id = specialist_api
    other = make_specialist()
    listed = caller.get("/api/v1/specialists")
    assert listed.status_code == 200
    assert {own_id, other} <= {row["id"] for row in listed.get_json()}
    assert caller.get(f"/api/v1/specialists/{other}").status_code == 200
    assert caller.get(time_off_path(own_id)).status_code == 200
    assert caller.get(time_off_path(other)).status_code == 403  # least access: their own only


def test_time_off_dates_round_trip(api, make_specialist):
    specialist_id = make_specialist()
    start = date(2027, 2, 1)
    body = {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=4)).isoformat()}
    entry = api.post(time_off_path(specialist_id), json=body).get_json()
    assert date.fromisoformat(entry["ends_on"]) - date.fromisoformat(entry["starts_on"]) == (
        timedelta(days=4)
    )
