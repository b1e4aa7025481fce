"""The audit trail: a row for every access to patient data and every security event."""

from board.audit.models import AuditEvent
from board.extensions import db
from tests.helpers import csrf_of, log_in


def events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_reading_a_case_page_is_recorded(app, client, make_user, make_case):
    case_id = make_case()
    user_id, email = make_user("coordinator")
    log_in(client, email)
    assert client.get(f"/cases/{case_id}").status_code == 200
    (row,) = events(app, endpoint="cases.case_page")
    assert (row.actor_user_id, row.actor, row.action, row.category) == (
        user_id,
        email,
        "read",
        "case",
    )
    assert (row.case_id, row.outcome, row.status_code) == (case_id, "success", 200)
    assert row.client_address == "127.0.0.1"
    assert row.occurred_at.tzinfo is not None


def test_api_reads_name_the_integration_token(app, client, api, make_case):
    case_id = make_case()
    assert api.get(f"/api/v1/cases/{case_id}").status_code == 200
    assert api.get("/api/v1/cases").status_code == 200
    read, listed = events(app, action="read")
    assert read.actor.startswith("token:tb_") and read.case_id == case_id
    assert listed.category == "case_list"


def test_logins_failed_and_succeeded_and_logout(app, client, make_user):
    user_id, email = make_user("coordinator")
    log_in(client, email, password="wrong password!")
    home = log_in(client, email, follow=True)
    client.post("/logout", data={"csrf_token": csrf_of(home.data)})
    rows = [r for r in events(app) if r.category == "login"]
    assert [(r.action, r.outcome) for r in rows] == [
        ("login", "failure"),
        ("login", "success"),
        ("logout", "success"),
    ]
    assert rows[0].actor == "anonymous" and rows[0].target == f"email:{email}"
    assert rows[1].actor_user_id == rows[2].actor_user_id == user_id


def test_denied_attempts_are_recorded(app, client, login, make_case):
    case_id = make_case()
    assert client.get(f"/cases/{case_id}/edit").status_code == 302  # not logged in
    login("specialist")
    assert client.get(f"/cases/{case_id}/edit").status_code == 403
    denied = events(app, outcome="denied")
    assert [(r.actor == "anonymous", r.case_id) for r in denied] == [
        (True, case_id),
        (False, case_id),
    ]


def test_account_changes_are_recorded(app, api_as, make_user):
    admin = api_as("admin")
    user_id, _email = make_user("coordinator")
    etag = admin.get(f"/api/v1/users/{user_id}").headers["ETag"]
    admin.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers={"If-Match": etag})
    admin.post(f"/api/v1/users/{user_id}/password", json={"password": "plum kettle orbit seventy"})
    rows = events(app, method="PATCH") + events(app, category="password")
    assert [(r.category, r.action, r.target) for r in rows] == [
        ("account", "update", f"user:{user_id}"),
        ("password", "update", f"user:{user_id}"),
    ]


def test_creating_a_case_names_the_new_case(app, api):
    from tests.helpers import case_json

    created = api.post("/api/v1/cases", json=case_json())
    assert created.status_code == 201
    (row,) = events(app, endpoint="cases_api.submit_case")
    assert row.action == "create" and row.case_id == created.get_json()["id"]


def test_admins_filter_and_export_and_the_export_is_audited(app, client, login, make_case):
    case_id = make_case(patient_mrn="MRN4242")
    other_case = make_case()
    login("admin")
    client.get(f"/cases/{case_id}")
    client.get(f"/cases/{other_case}")
    token = csrf_of(client.get("/audit").data)
    page = client.post("/audit", data={"csrf_token": token, "patient": "MRN4242"})
    assert page.status_code == 200
    assert page.data.count(b"<tr><td>") == 1  # only the one read of that patient's case
    assert b"cases.case_page" not in page.data and b"<td>read</td>" in page.data
    assert b"MRN4242" not in page.data.replace(b'value="MRN4242"', b"")  # no PHI in the rows
    export = client.post(
        "/audit/export.csv", data={"csrf_token": token, "case": case_id, "action": "read"}
    )
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,occurred_at,actor_user_id")
    assert len(lines) == 2
    (exported,) = events(app, action="export")
    assert exported.category == "audit" and exported.outcome == "success"


def test_the_audit_trail_is_for_admins_only(client, login, api_as):
    login("coordinator")
    assert client.get("/audit").status_code == 403
    assert (
        client.post(
            "/audit/export.csv", data={"csrf_token": csrf_of(client.get("/").data)}
        ).status_code
        == 403
    )
    assert api_as("coordinator").get("/api/v1/audit-events").status_code == 403
    assert api_as("admin").get("/api/v1/audit-events").status_code == 200


def test_assets_and_health_checks_are_not_recorded(app, client):
    client.get("/healthz")
    client.get("/login")
    assert events(app) == []


def test_the_scheduler_s_changes_are_recorded_as_the_system(app, center, ready_case):
    from board.audit.services import verify_chain
    from board.jobs.process import run_firing

    ready_case()
    run_firing(app, "assign", "test-host:1")
    (row,) = events(app, actor="system:scheduler")
    assert (row.action, row.category, row.actor_user_id) == ("update", "agenda", None)
    assert row.target.startswith("run:")
    with app.app_context():
        assert verify_chain() == []


def test_deleting_a_case_keeps_its_audit_rows(app, client, login, make_case):
    from sqlalchemy import text

    from board.audit.services import verify_chain

    case_id = make_case()
    login("coordinator")
    client.get(f"/cases/{case_id}")
    with app.app_context():
        for table in ("record_items", "case_status_changes"):
            db.session.execute(text(f"DELETE FROM {table} WHERE case_id = :id"), {"id": case_id})
        db.session.execute(text("DELETE FROM cases WHERE id = :id"), {"id": case_id})
        db.session.commit()
        assert verify_chain() == []
    assert [row.action for row in events(app, case_id=case_id)] == ["read"]


def test_commands_that_change_accounts_and_tokens_are_recorded(app, runner):
    from board.audit.services import verify_chain

    args = ["board", "create-user", "lead@example.org", "--role", "coordinator"]
    assert runner.invoke(args=[*args, "--password", "plum kettle orbit seventy"]).exit_code == 0
    secret = runner.invoke(args=["board", "create-token", "lead@example.org"]).output.strip()
    assert runner.invoke(args=["board", "revoke-token", secret[:10]]).exit_code == 0
    rows = events(app, actor="system:command")
    assert [(row.action, row.category) for row in rows] == [
        ("create", "account"),
        ("create", "token"),
        ("delete", "token"),
    ]
    with app.app_context():
        assert verify_chain() == []
