"""The app factory, configuration and the OpenAPI document."""

import pytest
from flask import Flask

from board.config import load_config, write_instance_secret


def test_refuses_to_start_without_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    app = Flask("probe", instance_path=str(tmp_path / "empty-instance"))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config(app, None)


def test_secret_written_under_instance_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    assert write_instance_secret(tmp_path) is True
    assert write_instance_secret(tmp_path) is False  # never replaced once written
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, None)
    assert len(app.config["SECRET_KEY"]) >= 40


def test_database_url_selects_postgresql_with_psycopg(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/board")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-env")
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/board"
    assert app.config["SECRET_KEY"] == "from-env"


def test_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/transitions",
        "/api/v1/cases/{case_id}/records",
        "/api/v1/boards",
        "/api/v1/sessions",
        "/api/v1/specialists/{specialist_id}/time-off",
    ):
        assert path in spec["paths"], path
    assert "CaseIn" in spec["components"]["schemas"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_api_docs_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
