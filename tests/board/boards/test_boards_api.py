"""`/api/v1/boards`: registering, reading and changing boards."""

import pytest

from tests.helpers import assert_field_refused, assert_fields_missing


def board_json(**overrides) -> dict:
    body = {
        "name": "Thoracic Tumor Board",
        "sites": ["lung", "thoracic_other"],
        "required_specialties": ["thoracic_surgery", "medical_oncology", "pathology"],
        "recurrence": "FREQ=WEEKLY;BYDAY=WE",
        "local_start_time": "07:30",
        "time_zone": "America/Chicago",
        "duration_minutes": 60,
        "location": "Conference room 4B",
        "video_link": "https://video.example.org/thoracic",
        "capacity_minutes": 50,
        "default_case_minutes": 10,
        "records_lead_business_days": 2,
        "agenda_freeze_hours": 48,
        "attendance_target_percent": 75,
    }
    body.update(overrides)
    return body


def test_create_board_answers_201_with_location_and_etag(api):
    response = api.post("/api/v1/boards", json=board_json())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/boards/{body['id']}")
    assert response.headers["ETag"] == f'"boards-{body["id"]}-v1"'
    assert body["version"] == 1
    assert body["name"] == "Thoracic Tumor Board"
    assert body["sites"] == ["lung", "thoracic_other"]  # ordered by code
    assert body["required_specialties"] == ["medical_oncology", "pathology", "thoracic_surgery"]
    assert body["local_start_time"] == "07:30"
    assert body["time_zone"] == "America/Chicago"
    assert body["capacity_minutes"] == 50 and body["default_case_minutes"] == 10
    assert body["active"] is True

    again = api.get(response.headers["Location"])
    assert again.status_code == 200
    assert again.headers["ETag"] == response.headers["ETag"]
    assert again.get_json() == body


def test_create_board_fills_defaults(api):
    body = board_json()
    for optional in ("location", "video_link", "records_lead_business_days", "notes"):
        body.pop(optional, None)
    response = api.post("/api/v1/boards", json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["location"] == "" and created["video_link"] == ""
    assert created["records_lead_business_days"] == 3
    assert created["notes"] == ""


def test_list_boards_is_ordered_by_name(api, make_board):
    make_board(name="Zeta Board")
    make_board(name="Alpha Board", sites=["lung"])
    response = api.get("/api/v1/boards")
    assert response.status_code == 200
    assert [board["name"] for board in response.get_json()] == ["Alpha Board", "Zeta Board"]


def test_list_boards_is_empty_without_boards(api):
    response = api.get("/api/v1/boards")
    assert response.status_code == 200
    assert response.get_json() == []


def test_get_unknown_board_is_404(api):
    response = api.get("/api/v1/boards/4242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_patch_unknown_board_is_404(api):
    response = api.patch("/api/v1/boards/4242", json={"notes": "x"}, headers={"If-Match": "*"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"sites": ["atlantis"]}, "sites", "Unknown disease site: atlantis"),
        ({"sites": []}, "sites", "Name a site"),
        ({"required_specialties": ["astrology"]}, "required_specialties", "Unknown specialty"),
        ({"recurrence": "FREQ=SOMETIMES"}, "recurrence", "Cannot read"),
        ({"recurrence": "BYDAY=TU"}, "recurrence", "needs FREQ"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=TU;DTSTART=20260106T070000"}, "recurrence", "DTSTART"),
        ({"recurrence": "DTSTART:20260106T070000\nRRULE:FREQ=WEEKLY"}, "recurrence", ""),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"duration_minutes": 0}, "duration_minutes", "between 1 and 1440"),
        ({"duration_minutes": -30}, "duration_minutes", "between 1 and 1440"),
        ({"capacity_minutes": 0}, "capacity_minutes", "between 1 and 1440"),
        ({"default_case_minutes": 0}, "default_case_minutes", "between 1 and 1440"),
        ({"default_case_minutes": 51}, "default_case_minutes", "longer than the session"),
        ({"video_link": "ftp://video.example.org/x"}, "video_link", "https://"),
        ({"video_link": "javascript:alert(1)"}, "video_link", "https://"),
        ({"local_start_time": "25:00"}, "local_start_time", "time"),
        ({"name": ""}, "name", "length"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Unknown field"),
    ],
)
def test_bad_board_input_is_422_naming_the_field(api, overrides, field, fragment):
    response = api.post("/api/v1/boards", json=board_json(**overrides))
    assert_field_refused(response, field, fragment)
    assert api.get("/api/v1/boards").get_json() == []  # nothing written


def test_missing_required_fields_are_each_named(api):
    response = api.post("/api/v1/boards", json={})
    assert_fields_missing(
        response, ("name", "sites", "recurrence", "local_start_time", "time_zone")
    )


def test_duplicate_board_name_is_422(api, make_board):
    make_board(name="Thoracic Tumor Board")
    response = api.post("/api/v1/boards", json=board_json())
    assert response.status_code == 422
    assert "already has this name" in str(response.get_json()["error"]["details"]["name"])
    assert len(api.get("/api/v1/boards").get_json()) == 1


# --- changing a board ---------------------------------------------------------------------


def read(api, board_id: int):
    response = api.get(f"/api/v1/boards/{board_id}")
    assert response.status_code == 200
    return response.get_json(), response.headers["ETag"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"duration_minutes": 90, "capacity_minutes": 80}, {"capacity_minutes": 80}),
        ({"local_start_time": "12:15"}, {"local_start_time": "12:15"}),
        ({"time_zone": "Europe/Paris"}, {"time_zone": "Europe/Paris"}),
        ({"sites": ["breast", "lung"]}, {"sites": ["breast", "lung"]}),
        ({"required_specialties": ["genetics"]}, {"required_specialties": ["genetics"]}),
        ({"required_specialties": []}, {"required_specialties": []}),
        ({"recurrence": "FREQ=MONTHLY;BYDAY=1TH"}, {"recurrence": "FREQ=MONTHLY;BYDAY=1TH"}),
        ({"active": False}, {"active": False}),
    ],
)
def test_patch_with_current_etag_updates_and_bumps_version(api, make_board, change, expected):
    board_id = make_board()
    _before, etag = read(api, board_id)
    response = api.patch(f"/api/v1/boards/{board_id}", json=change, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    for name, value in expected.items():
        assert body[name] == value
    assert body["version"] == 2
    assert response.headers["ETag"] == f'"boards-{board_id}-v2"'
    after, new_etag = read(api, board_id)
    assert after == body and new_etag == response.headers["ETag"]


def test_patch_keeps_the_fields_it_was_not_given(api, make_board):
    board_id = make_board()
    before, etag = read(api, board_id)
    response = api.patch(
        f"/api/v1/boards/{board_id}", json={"notes": "Room moved"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200
    after = response.get_json()
    assert after["notes"] == "Room moved"
    unchanged = {k: v for k, v in before.items() if k not in ("notes", "version")}
    assert {k: after[k] for k in unchanged} == unchanged


def test_patch_with_stale_etag_is_412_and_writes_nothing(api, make_board):
    board_id = make_board()
    _before, stale = read(api, board_id)
    first = api.patch(
        f"/api/v1/boards/{board_id}", json={"location": "Room 1"}, headers={"If-Match": stale}
    )
    assert first.status_code == 200
    second = api.patch(
        f"/api/v1/boards/{board_id}",
        json={"location": "Room 2", "sites": ["lung"]},
        headers={"If-Match": stale},
    )
    assert second.status_code == 412
    error = second.get_json()["error"]
    assert error["code"] == "stale_version"
    assert error["details"] == {"current_version": 2}
    after, _etag = read(api, board_id)
    assert after["location"] == "Room 1"
    assert after["sites"] == ["breast"]
    assert after["version"] == 2


def test_patch_without_if_match_is_428_and_writes_nothing(api, make_board):
    board_id = make_board()
    response = api.patch(f"/api/v1/boards/{board_id}", json={"location": "Room 9"})
    assert response.status_code == 428
    assert response.get_json()["error"]["code"] == "precondition_required"
    after, _etag = read(api, board_id)
    assert after["location"] == "" and after["version"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"default_case_minutes": 61}, "default_case_minutes"),  # capacity stays 60
        ({"capacity_minutes": 4}, "default_case_minutes"),  # per-case stays 5
        ({"sites": []}, "sites"),
        ({"sites": ["breast", "atlantis"]}, "sites"),
        ({"recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "Other Board"}, "name"),
    ],
)
def test_patch_bad_input_is_422_and_writes_nothing(api, make_board, change, field):
    make_board(name="Other Board", sites=["lung"])
    board_id = make_board()
    before, etag = read(api, board_id)
    response = api.patch(f"/api/v1/boards/{board_id}", json=change, headers={"If-Match": etag})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert read(api, board_id) == (before, etag)


def test_patch_may_keep_its_own_name(api, make_board):
    board_id = make_board(name="Breast Tumor Board")
    _before, etag = read(api, board_id)
    response = api.patch(
        f"/api/v1/boards/{board_id}",
        json={"name": "Breast Tumor Board", "notes": "same name"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.get_json()


# --- who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/boards", "/api/v1/boards/1"])
def test_no_credentials_is_401(client, make_board, path):
    make_board()
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_no_credentials_may_not_create(client, api):
    response = client.post("/api/v1/boards", json=board_json())
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert api.get("/api/v1/boards").get_json() == []


@pytest.mark.parametrize(("role", "scope"), [("specialist", "write"), ("coordinator", "read")])
def test_specialists_and_read_tokens_may_not_write_boards(api, api_as, make_board, role, scope):
    board_id = make_board()
    caller = api_as(role, scope)
    created = caller.post("/api/v1/boards", json=board_json())
    assert created.status_code == 403
    assert created.get_json()["error"]["code"] == "forbidden"
    changed = caller.patch(
        f"/api/v1/boards/{board_id}", json={"location": "Basement"}, headers={"If-Match": "*"}
    )
    assert changed.status_code == 403
    boards = api.get("/api/v1/boards").get_json()
    assert len(boards) == 1
    assert boards[0]["location"] == "" and boards[0]["version"] == 1


@pytest.mark.parametrize(("role", "scope"), [("specialist", "write"), ("coordinator", "read")])
def test_specialists_and_read_tokens_may_read_boards(api_as, make_board, role, scope):
    board_id = make_board()
    caller = api_as(role, scope)
    listed = caller.get("/api/v1/boards")
    assert listed.status_code == 200
    assert [board["id"] for board in listed.get_json()] == [board_id]
    one = caller.get(f"/api/v1/boards/{board_id}")
    assert one.status_code == 200
    assert one.get_json()["name"] == "Breast Tumor Board"


def test_admins_may_write_boards(api_as):
    response = api_as("admin").post("/api/v1/boards", json=board_json())
    assert response.status_code == 201
