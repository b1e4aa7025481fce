"""`/api/v1/cases`: intake, reading, editing, transitions and records."""

from datetime import timedelta

import pytest

from board.common.time import today
from tests.helpers import assert_field_refused, assert_fields_missing, case_json

PATIENT_KEYS = {"patient_name", "patient_mrn", "patient_birth_date", "patient_sex"}


def test_submit_case_answers_201_with_location_and_etag(api):
    response = api.post("/api/v1/cases", json=case_json())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    assert response.headers["ETag"] == f'"cases-{body["id"]}-v1"'
    assert body["status"] == "submitted"
    assert body["reference"].startswith("C-")
    assert body["patient_name"] == "Synthetic Patient"
    assert body["extra_specialties"] == ["genetics"]
    assert [r["kind"] for r in body["records"]] == ["pathology_report", "imaging"]
    assert body["records_complete"] is False
    assert body["status_history"][0]["to_status"] == "submitted"

    again = api.get(response.headers["Location"])
    assert again.status_code == 200
    assert again.get_json() == body


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"site": "atlantis"}, "site", "Unknown disease site"),
        ({"decision_due_on": "2001-01-01"}, "decision_due_on", "past"),
        ({"patient_birth_date": "2999-01-01"}, "patient_birth_date", "future"),
        ({"discussion_minutes": 0}, "discussion_minutes", "between 1 and 240"),
        ({"discussion_minutes": -5}, "discussion_minutes", "between 1 and 240"),
        ({"requested_specialist_id": 999999}, "requested_specialist_id", "Unknown specialist"),
        ({"opinion_kind": "individual"}, "requested_specialist_id", "requested specialist"),
        ({"extra_specialties": ["astrology"]}, "extra_specialties", "Unknown specialty"),
        ({"referring_email": "not-an-email"}, "referring_email", "email"),
        ({"priority": "whenever"}, "priority", "Must be one of"),
        ({"insurer_notice": "approved"}, "insurer_notice_sent_on", "date the notice was sent"),
        ({"records": [{"kind": "tea_leaves"}]}, "records", "Must be one of"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Unknown field"),
        ({"clinical_question": ""}, "clinical_question", "between 5 and 4000"),
    ],
)
def test_bad_case_input_is_422_naming_the_field(api, overrides, field, fragment):
    response = api.post("/api/v1/cases", json=case_json(**overrides))
    assert_field_refused(response, field, fragment)
    assert api.get("/api/v1/cases").get_json() == []  # nothing written


def test_missing_required_fields_are_each_named(api):
    response = api.post("/api/v1/cases", json={})
    assert_fields_missing(
        response, ("patient_name", "patient_mrn", "site", "clinical_question", "decision_due_on")
    )


def test_body_that_is_not_json_is_a_clear_error(api):
    response = api.post("/api/v1/cases", data="patient=1", content_type="text/plain")
    assert response.status_code == 422
    assert "error" in response.get_json()


def test_list_filters_and_paginates(api, make_case, make_board):
    make_board()
    for number in range(5):
        make_case(patient_mrn=f"MRN{number}", priority="urgent" if number % 2 else "routine")
    make_case(site="lung", patient_mrn="MRN-lung")

    page = api.get("/api/v1/cases?page_size=2&page=2")
    assert page.status_code == 200
    assert len(page.get_json()) == 2
    assert '"total": 6' in page.headers["X-Pagination"]

    urgent = api.get("/api/v1/cases?priority=urgent").get_json()
    assert {case["priority"] for case in urgent} == {"urgent"} and len(urgent) == 2
    assert len(api.get("/api/v1/cases?site=lung").get_json()) == 1
    assert len(api.get("/api/v1/cases?board=1").get_json()) == 5  # the breast board
    assert len(api.get("/api/v1/cases?status=submitted").get_json()) == 6
    assert api.get("/api/v1/cases?status=lost").status_code == 422
    assert api.get("/api/v1/cases?page=0").status_code == 422


def test_get_unknown_case_is_404(api):
    response = api.get("/api/v1/cases/4242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_patch_with_current_etag_updates_and_bumps_version(api, make_case):
    case_id = make_case()
    etag = api.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    response = api.patch(
        f"/api/v1/cases/{case_id}", json={"priority": "emergent"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["priority"] == "emergent"
    assert response.get_json()["version"] == 2
    assert response.headers["ETag"] != etag


def test_patch_with_stale_etag_is_412_and_writes_nothing(api, make_case):
    case_id = make_case()
    stale = api.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    first = api.patch(
        f"/api/v1/cases/{case_id}", json={"priority": "urgent"}, headers={"If-Match": stale}
    )
    assert first.status_code == 200
    second = api.patch(
        f"/api/v1/cases/{case_id}", json={"priority": "emergent"}, headers={"If-Match": stale}
    )
    assert second.status_code == 412
    assert second.get_json()["error"]["code"] == "stale_version"
    assert api.get(f"/api/v1/cases/{case_id}").get_json()["priority"] == "urgent"


def test_patch_without_if_match_is_428(api, make_case):
    case_id = make_case()
    response = api.patch(f"/api/v1/cases/{case_id}", json={"priority": "urgent"})
    assert response.status_code == 428
    assert api.get(f"/api/v1/cases/{case_id}").get_json()["version"] == 1


def test_patch_bad_input_is_422_and_writes_nothing(api, make_case):
    case_id = make_case()
    etag = api.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    response = api.patch(
        f"/api/v1/cases/{case_id}",
        json={"priority": "urgent", "opinion_kind": "individual"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 422
    assert "requested_specialist_id" in response.get_json()["error"]["details"]
    assert api.get(f"/api/v1/cases/{case_id}").get_json()["priority"] == "routine"


@pytest.mark.parametrize(
    ("path", "target", "expected"),
    [
        ([], "awaiting_records", 200),
        ([], "withdrawn", 200),
        ([], "scheduled", 409),
        ([], "discussed", 409),
        ([], "closed", 409),
        (["withdrawn"], "awaiting_records", 409),
        (["withdrawn"], "withdrawn", 409),
        (["ready"], "scheduled", 200),
        (["ready", "scheduled"], "discussed", 200),
        (["ready", "scheduled", "discussed"], "closed", 200),
        (["ready", "scheduled", "discussed", "closed"], "withdrawn", 409),
        (["ready", "scheduled", "discussed", "closed"], "ready", 409),
    ],
)
def test_status_transitions_follow_the_state_machine(api, make_case, path, target, expected):
    case_id = make_case()
    for step in path:
        done = api.post(
            f"/api/v1/cases/{case_id}/transitions", json={"to": step, "reason": "Setup"}
        )
        assert done.status_code == 200, done.get_json()
    response = api.post(
        f"/api/v1/cases/{case_id}/transitions", json={"to": target, "reason": "Triage"}
    )
    assert response.status_code == expected, response.get_json()
    case = api.get(f"/api/v1/cases/{case_id}").get_json()
    if expected == 200:
        assert case["status"] == target
        last = case["status_history"][-1]
        assert last["to_status"] == target and last["reason"] == "Triage"
        assert last["changed_by"].startswith("coordinator")
    else:
        assert response.get_json()["error"]["code"] == "conflict"
        assert case["status"] == (path[-1] if path else "submitted")


def test_ready_is_refused_while_records_are_missing(api, make_case):
    case_id = make_case(records=[{"kind": "slides_blocks"}])
    response = api.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "ready"})
    assert response.status_code == 409
    assert "slides blocks" in response.get_json()["error"]["message"]


def test_unknown_transition_target_is_422(api, make_case):
    case_id = make_case()
    response = api.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "teleported"})
    assert response.status_code == 422
    assert "to" in response.get_json()["error"]["details"]


def test_marking_the_last_record_received_makes_the_case_ready(api, make_case):
    case_id = make_case(records=[{"kind": "pathology_report"}])
    api.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "awaiting_records"})
    added = api.post(f"/api/v1/cases/{case_id}/records", json={"items": [{"kind": "imaging"}]})
    assert added.status_code == 201
    assert added.headers["Location"].endswith(f"/cases/{case_id}/records")
    records = api.get(f"/api/v1/cases/{case_id}/records").get_json()
    assert [r["kind"] for r in records] == ["pathology_report", "imaging"]

    for record in records:
        marked = api.patch(
            f"/api/v1/cases/{case_id}/records/{record['id']}",
            json={"received_on": today().isoformat()},
        )
        assert marked.status_code == 200
    case = api.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["records_complete"] is True
    assert case["status"] == "ready"
    assert case["status_history"][-1]["reason"].startswith("Records complete")


def test_record_received_in_the_future_is_422(api, make_case):
    case_id = make_case(records=[{"kind": "labs"}])
    record_id = api.get(f"/api/v1/cases/{case_id}/records").get_json()[0]["id"]
    response = api.patch(
        f"/api/v1/cases/{case_id}/records/{record_id}",
        json={"received_on": (today() + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 422
    assert "received_on" in response.get_json()["error"]["details"]


def test_record_of_another_case_is_404(api, make_case):
    first = make_case(records=[{"kind": "labs"}])
    second = make_case()
    record_id = api.get(f"/api/v1/cases/{first}/records").get_json()[0]["id"]
    response = api.patch(f"/api/v1/cases/{second}/records/{record_id}", json={"note": "wrong case"})
    assert response.status_code == 404


def test_empty_records_list_is_422(api, make_case):
    case_id = make_case()
    response = api.post(f"/api/v1/cases/{case_id}/records", json={"items": []})
    assert response.status_code == 422
    assert "items" in response.get_json()["error"]["details"]


# --- who may do what ----------------------------------------------------------------------


def test_no_credentials_is_401(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(client):
    response = client.get("/api/v1/cases", headers={"Authorization": "Bearer tb_made_up"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/cases", case_json()),
        ("PATCH", "/api/v1/cases/{id}", {"priority": "urgent"}),
        ("POST", "/api/v1/cases/{id}/transitions", {"to": "withdrawn"}),
        ("POST", "/api/v1/cases/{id}/records", {"items": [{"kind": "labs"}]}),
    ],
)
@pytest.mark.parametrize(("role", "scope"), [("specialist", "write"), ("coordinator", "read")])
def test_specialists_and_read_tokens_may_not_write_cases(
    api_as, make_case, method, path, body, role, scope
):
    case_id = make_case()
    caller = api_as(role, scope)
    response = caller.request(method, path.format(id=case_id), json=body, headers={"If-Match": "*"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("role", "scope", "sees_patient"),
    [
        ("admin", "write", True),
        ("coordinator", "write", True),
        ("coordinator", "read", False),
        ("specialist", "write", False),
    ],
)
def test_patient_fields_only_for_coordinators_and_admins(
    api_as, make_case, role, scope, sees_patient
):
    case_id = make_case()
    caller = api_as(role, scope)
    one = caller.get(f"/api/v1/cases/{case_id}").get_json()
    listed = caller.get("/api/v1/cases").get_json()[0]
    for body in (one, listed):
        assert bool(PATIENT_KEYS & body.keys()) is sees_patient
        assert ("first_opinion_diagnosis" in body) is sees_patient
        for visible in ("reference", "site", "opinion_kind", "clinical_question", "priority"):
            assert visible in body
    text = str(one) + str(listed)
    assert ("MRN0000001" in text) is sees_patient
    assert ("Synthetic Patient" in text) is sees_patient
