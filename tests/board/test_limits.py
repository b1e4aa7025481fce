"""Input limits: body size (413), JSON depth (400), and every refusal in the one error shape."""

import pytest
from sqlalchemy import text

from board.api import ErrorOut
from board.limits import json_depth

JSON = {"Content-Type": "application/json"}


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = response.get_json()
    ErrorOut().load(body)  # raises when the body does not match the documented schema
    assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": 2}]}', 3),
        (b'{"a": "[[[[ {{{ inside a string"}', 1),
        (b'["an \\" escaped quote [[["]', 1),
        (b'["a backslash \\\\", [[]]]', 3),
    ],
)
def test_json_depth_counts_nesting_outside_strings(text, depth):
    assert json_depth(text) == depth


def test_deeply_nested_json_is_refused_with_a_400(strict, api):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/v1/cases", data=body, headers=JSON)
    error = assert_error_shape(response, 400, "json_too_deep")
    assert "32" in error["details"]["json"][0]


def test_json_at_the_depth_limit_reaches_validation(strict, api):
    body = "[" * 32 + "]" * 32
    response = api.post("/api/v1/cases", data=body, headers=JSON)
    assert_error_shape(response, 422, "validation_failed")


def test_a_body_over_the_size_limit_is_refused_with_a_413(strict, api):
    strict.config["MAX_CONTENT_LENGTH"] = 1000
    body = '{"clinical_question": "' + "x" * 2000 + '"}'
    response = api.post("/api/v1/cases", data=body, headers=JSON)
    error = assert_error_shape(response, 413, "request_entity_too_large")
    assert "1000 bytes" in error["message"]


def test_the_default_size_limit_is_one_megabyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_a_page_form_over_the_size_limit_gets_the_413_page(strict, login, client):
    login("coordinator")
    strict.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/cases/new", data={"clinical_question": "x" * 2000})
    assert response.status_code == 413
    assert b"Traceback" not in response.data


def test_invalid_json_matches_the_documented_error_schema(strict, api):
    response = api.post("/api/v1/cases", data="{not json", headers=JSON)
    error = assert_error_shape(response, 400, "invalid_json")
    assert error["details"] == {"json": ["Invalid JSON body."]}


def test_a_statement_over_the_database_time_limit_answers_503(app, token_for, monkeypatch):
    from board import create_app
    from board.extensions import db
    from board.planning import services

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL cancels statements; SQLite has no statement timeout")
    limited = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "DATABASE_STATEMENT_TIMEOUT_MS": 100,
        }
    )
    monkeypatch.setattr(
        services, "list_runs", lambda: db.session.execute(text("SELECT pg_sleep(2)"))
    )
    headers = {"Authorization": f"Bearer {token_for('coordinator')}"}
    response = limited.test_client().get("/api/v1/schedule/runs", headers=headers)
    error = assert_error_shape(response, 503, "database_timeout")
    assert response.headers["Retry-After"] == "5" and error["details"] == {}
    with limited.app_context():
        db.engine.dispose()
