"""Health and readiness for the proxy; JSON log lines with a request id and no patient data."""

import json
import logging

import pytest

from board import create_app
from board.logs import json_handler

BROKEN_DATABASE = "sqlite:////nonexistent-directory/board.sqlite3"


def bare_app(database_url: str):
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database_url}
    )


def test_readiness_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ready"


def test_a_database_that_does_not_answer_is_not_ready_but_alive():
    client = bare_app(BROKEN_DATABASE).test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_ready"


def test_a_database_behind_the_code_is_not_ready(tmp_path):
    client = bare_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}").test_client()
    response = client.get("/readyz", headers={"Accept": "text/html"})
    assert response.status_code == 503
    details = response.get_json()["error"]["details"]
    assert details["schema"] == [] and details["expected"]


@pytest.mark.parametrize(
    ("given", "echoed"),
    [("proxy-4f2a.17", True), ("bad id; drop table", False), ("x" * 65, False)],
)
def test_every_response_carries_a_request_id(client, given, echoed):
    returned = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert (returned == given) is echoed
    assert len(returned) <= 64


@pytest.fixture
def json_lines(capsys):
    """Log lines written through the production JSON handler during the test."""
    handler = json_handler()
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    capsys.readouterr()

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]

    yield read
    root.removeHandler(handler)
    root.setLevel(saved_level)


def test_the_access_line_names_the_route_without_query_or_token(client, json_lines):
    listed = client.get("/api/v1/cases?patient_name=Jane%20Doe")
    client.get("/feeds/SECRET-TOKEN-VALUE.ics")
    lines = [line for line in json_lines() if line["logger"] == "board.access"]
    assert [line["path"] for line in lines] == ["/api/v1/cases", "/feeds/[redacted].ics"]
    assert lines[0]["request_id"] == listed.headers["X-Request-ID"]
    assert lines[0]["status"] == 401 and lines[0]["method"] == "GET"
    assert "Jane" not in json.dumps(lines) and "SECRET-TOKEN" not in json.dumps(lines)


def test_a_crash_is_logged_once_with_the_request_id_quoted_to_the_client(
    strict, api, json_lines, monkeypatch
):
    from board.planning import services

    def broken():
        raise RuntimeError("engine state corrupt")

    monkeypatch.setattr(services, "list_runs", broken)
    response = api.get("/api/v1/schedule/runs")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert response.get_json()["error"]["details"] == {"request_id": request_id}
    [crash] = [line for line in json_lines() if line["level"] == "ERROR"]
    assert crash["request_id"] == request_id
    assert "RuntimeError: engine state corrupt" in crash["exc_info"]
