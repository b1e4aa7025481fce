"""Strict headers on every response: CSP without inline code, no framing, HSTS over HTTPS,
and no caching of anything that may carry patient data."""

import re
from pathlib import Path

import pytest

from board.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_policy_allows_no_inline_code_and_no_framing():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "style-src 'self';" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_inline_script_or_style(path):
    source = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert "<style" not in source
    assert not re.search(r"\sstyle=", source), "style attribute"
    assert not re.search(r"\son[a-z]+=", source), "inline event handler"


def test_every_kind_of_response_carries_the_headers(client, login, make_case, api):
    case_id = make_case()
    responses = {
        "login page": client.get("/login"),
        "missing page": client.get("/no-such-page"),
        "api": api.get(f"/api/v1/cases/{case_id}"),
        "api error": api.get("/api/v1/cases/999999"),
        "unauthenticated api": client.get("/api/v1/cases"),
        "feed": client.get("/feeds/not-a-token.ics"),
    }
    login("coordinator")
    responses["case page"] = client.get(f"/cases/{case_id}")
    for name, response in responses.items():
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert "Strict-Transport-Security" not in response.headers, name  # plain http here


@pytest.mark.parametrize("path", ["/cases/{case_id}", "/cases", "/"])
def test_pages_with_patient_data_are_never_stored(client, login, make_case, path):
    case_id = make_case()
    login("coordinator")
    response = client.get(path.format(case_id=case_id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_api_answers_are_never_stored(api, make_case):
    response = api.get(f"/api/v1/cases/{make_case()}")
    assert response.headers["Cache-Control"] == "no-store"


def test_static_assets_may_be_cached(client):
    response = client.get("/static/board.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_count(app, make_user):
    from board import create_app
    from board.audit.models import AuditEvent
    from board.extensions import db
    from tests.helpers import log_in

    keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME")
    proxied = create_app({**{key: app.config[key] for key in keys}, "TRUSTED_PROXIES": 1})
    client = proxied.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    client.environ_base = {
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
    }
    response = client.get("/login", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers
    _user_id, email = make_user("coordinator")
    log_in(client, email, password="wrong password!")
    with proxied.app_context():
        address = db.session.scalars(db.select(AuditEvent.client_address)).one()
    with proxied.app_context():
        db.engine.dispose()  # in a context of its own, once the session gave its connection back
    assert address == "203.0.113.9"


def test_api_docs_page_allows_only_its_own_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'sha256-" in policy and "script-src 'self' 'sha256-" in policy
    assert "frame-ancestors 'none'" in policy
