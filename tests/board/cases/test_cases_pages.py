"""Case intake, the case page's forms: CSRF, roles, stale versions and bad input."""

from datetime import timedelta

from board.cases.models import Case, CaseStatus, RecordItem
from board.common.time import today
from board.extensions import db
from tests.helpers import csrf_of, intake_form, row


def count_cases(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Case))


def test_intake_creates_the_case_with_its_checklist(app, client, login):
    login("coordinator")
    token = csrf_of(client.get("/cases/new").data)
    response = client.post("/cases/new", data={**intake_form(), "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(db.select(Case)).one()
        assert case.priority.value == "urgent"
        assert sorted(r.kind.value for r in case.records) == ["imaging", "pathology_report"]
        assert case.missing_record_kinds == ["pathology_report"]
        assert "Synthetic" not in response.headers["Location"]


def test_intake_with_bad_input_shows_inline_messages_and_writes_nothing(app, client, login):
    login("coordinator")
    token = csrf_of(client.get("/cases/new").data)
    form = intake_form(referring_email="not-an-email", decision_due_on="2001-01-01")
    del form["patient_mrn"]
    response = client.post("/cases/new", data={**form, "csrf_token": token})
    assert response.status_code == 422
    assert b'id="referring_email-error"' in response.data
    assert b'id="decision_due_on-error"' in response.data
    assert b'id="patient_mrn-error"' in response.data
    assert b'value="Synthetic Intake"' in response.data  # the input is kept
    assert count_cases(app) == 0


def test_intake_without_csrf_token_is_refused(app, client, login):
    login("coordinator")
    assert client.post("/cases/new", data=intake_form()).status_code == 400
    assert count_cases(app) == 0


def test_specialists_may_not_submit_and_see_no_patient_data(app, client, login, make_case):
    case_id = make_case()
    login("specialist")
    assert client.get("/cases/new").status_code == 403
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert b"Synthetic Patient" not in page.data and b"MRN0000001" not in page.data
    token = csrf_of(page.data)
    refused = client.post("/cases/new", data={**intake_form(), "csrf_token": token})
    assert refused.status_code == 403
    assert count_cases(app) == 1


def test_logged_out_intake_redirects_to_login(client):
    response = client.get("/cases/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_edit_with_a_stale_version_saves_nothing_and_keeps_the_input(app, client, login, make_case):
    case_id = make_case()
    login("coordinator")
    page = client.get(f"/cases/{case_id}/edit")
    token = csrf_of(page.data)
    old_version = row(app, Case, case_id).version
    with app.app_context():  # someone else saves meanwhile
        db.session.get(Case, case_id).clinical_question = "Changed by a colleague?"
        db.session.commit()
    form = intake_form(clinical_question="My own better question?")
    form.pop("record_kind")
    response = client.post(
        f"/cases/{case_id}/edit", data={**form, "version": old_version, "csrf_token": token}
    )
    assert response.status_code == 412
    assert b"Changed by someone else" in response.data
    assert b"My own better question?" in response.data
    assert b"Changed by a colleague?" in response.data
    assert row(app, Case, case_id).clinical_question == "Changed by a colleague?"


def test_edit_with_bad_input_is_422(app, client, login, make_case):
    case_id = make_case()
    login("coordinator")
    token = csrf_of(client.get(f"/cases/{case_id}/edit").data)
    version = row(app, Case, case_id).version
    response = client.post(
        f"/cases/{case_id}/edit",
        data={"clinical_question": "x", "version": version, "csrf_token": token},
    )
    assert response.status_code == 422
    assert b'id="clinical_question-error"' in response.data
    assert row(app, Case, case_id).clinical_question != "x"


def test_mark_received_makes_the_case_ready(app, client, login, make_case):
    case_id = make_case(records=[{"kind": "pathology_report"}])
    with app.app_context():
        from board.cases.services import transition_case

        transition_case(db.session.get(Case, case_id), CaseStatus.AWAITING_RECORDS, "triage")
        db.session.commit()
        record = db.session.scalars(db.select(RecordItem)).one()
        record_id, version = record.id, record.version
    login("coordinator")
    token = csrf_of(client.get(f"/cases/{case_id}").data)
    url = f"/cases/{case_id}/records/{record_id}/received"
    assert client.post(url, data={"version": version}).status_code == 400
    assert row(app, RecordItem, record_id).received_on is None
    stale = client.post(url, data={"version": version + 5, "csrf_token": token})
    assert stale.status_code == 412 and b"Someone else changed" in stale.data
    future = (today() + timedelta(days=3)).isoformat()
    bad = client.post(url, data={"version": version, "received_on": future, "csrf_token": token})
    assert bad.status_code == 422 and b"in the future" in bad.data
    assert row(app, RecordItem, record_id).received_on is None
    done = client.post(url, data={"version": version, "csrf_token": token})
    assert done.status_code == 302
    assert row(app, Case, case_id).status == CaseStatus.READY


def test_insurer_notice_and_transition_forms(app, client, login, make_case):
    case_id = make_case()
    login("coordinator")
    token = csrf_of(client.get(f"/cases/{case_id}").data)
    version = row(app, Case, case_id).version
    bad = client.post(
        f"/cases/{case_id}/insurer-notice",
        data={"insurer_notice": "sent", "version": version, "csrf_token": token},
    )
    assert bad.status_code == 422 and b"Give the date the notice was sent" in bad.data
    ok = client.post(
        f"/cases/{case_id}/insurer-notice",
        data={
            "insurer_notice": "sent",
            "insurer_notice_sent_on": today().isoformat(),
            "version": version,
            "csrf_token": token,
        },
    )
    assert ok.status_code == 302
    stale = client.post(
        f"/cases/{case_id}/transition",
        data={"to": "awaiting_records", "version": version, "csrf_token": token},
    )
    assert stale.status_code == 412
    version = row(app, Case, case_id).version
    moved = client.post(
        f"/cases/{case_id}/transition",
        data={"to": "awaiting_records", "version": version, "csrf_token": token},
    )
    assert moved.status_code == 302
    assert row(app, Case, case_id).status == CaseStatus.AWAITING_RECORDS
    login("specialist")
    # A fresh token for the specialist's own session, so only the role check can refuse.
    specialist_token = csrf_of(client.get("/").data)
    refused = client.post(
        f"/cases/{case_id}/transition",
        data={
            "to": "withdrawn",
            "version": row(app, Case, case_id).version,
            "csrf_token": specialist_token,
        },
    )
    assert refused.status_code == 403
    assert row(app, Case, case_id).status == CaseStatus.AWAITING_RECORDS


def test_find_a_session_proposes_without_changing_anything(app, client, login, center, ready_case):
    case_id = ready_case()
    login("coordinator")
    token = csrf_of(client.get(f"/cases/{case_id}").data)
    response = client.post(f"/cases/{case_id}/find-session", data={"csrf_token": token})
    assert response.status_code == 200
    assert b"The scheduler proposes" in response.data
    assert row(app, Case, case_id).status == CaseStatus.READY
