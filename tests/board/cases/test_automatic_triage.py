"""A new case whose required data is complete leaves `submitted` by itself, recorded as the
service's step; only cases that need a human wait for triage."""

from board.common.time import today
from tests.helpers import case_json, csrf_of, intake_form


def test_complete_cases_are_triaged_by_the_service(api, center):
    awaiting = api.post("/api/v1/cases", json=case_json()).get_json()
    assert awaiting["status"] == "awaiting_records"
    [submitted, triaged] = awaiting["status_history"]
    assert submitted["to_status"] == "submitted"
    assert triaged["to_status"] == "awaiting_records"
    assert triaged["changed_by"] == "Tumor board service"
    assert triaged["reason"] == "Triaged automatically: the required data is complete"

    received = [{"kind": "pathology_report", "received_on": today().isoformat()}]
    ready = api.post(
        "/api/v1/cases",
        json=case_json(patient_mrn="MRN1", records=received, insurer_notice="not_required"),
    ).get_json()
    assert ready["status"] == "ready"


def test_cases_that_need_a_human_wait_in_submitted_and_say_why(api, center):
    bare = api.post("/api/v1/cases", json=case_json(patient_mrn="MRN2", records=[])).get_json()
    review = api.post(
        "/api/v1/cases",
        json=case_json(patient_mrn="MRN3", opinion_kind="pathology_review"),
    ).get_json()
    nowhere = api.post("/api/v1/cases", json=case_json(patient_mrn="MRN4", site="lung")).get_json()
    api.post("/api/v1/cases", json=case_json(patient_mrn="MRN5"))  # triaged
    queue = api.get("/api/v1/cases?status=submitted").get_json()
    assert {case["id"] for case in queue} == {bare["id"], review["id"], nowhere["id"]}
    reasons = {
        case_id: api.get(f"/api/v1/cases/{case_id}/placement").get_json()["reason"]
        for case_id in (bare["id"], review["id"], nowhere["id"])
    }
    assert reasons[bare["id"]] == (
        "Needs a coordinator's triage: no records are listed: say which the reviewers need."
    )
    assert "slides or blocks" in reasons[review["id"]]
    assert "no active board covers this site" in reasons[nowhere["id"]]


def test_the_intake_page_says_the_case_was_triaged(client, login, center):
    login("coordinator")
    token = csrf_of(client.get("/cases/new").data)
    form = intake_form(csrf_token=token)
    page = client.post("/cases/new", data=form, follow_redirects=True)
    assert b"submitted and triaged: awaiting records." in page.data
