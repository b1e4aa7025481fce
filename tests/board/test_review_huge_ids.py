"""Ids and page numbers larger than any database integer are answered 404/422, never 500."""

import pytest

HUGE = 10**20


@pytest.fixture
def strict(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as the 500 a client gets
    return app


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/{}",
        "/api/v1/cases/{}/records",
        "/api/v1/cases/{}/placement",
        "/api/v1/boards/{}",
        "/api/v1/sessions/{}",
        "/api/v1/sessions/{}/ics",
        "/api/v1/specialists/{}",
        "/api/v1/specialists/{}/time-off",
        "/api/v1/schedule/runs/{}",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    response = api.get(path.format(HUGE))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/cases?board={HUGE}",
        f"/api/v1/cases?page={HUGE}",
        f"/api/v1/sessions?board={HUGE}",
        f"/api/v1/specialists?board={HUGE}",
    ],
)
def test_huge_filter_is_422(strict, api, query):
    response = api.get(query)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_huge_ids_in_bodies_are_422(strict, api, center):
    from tests.board.cases.test_cases_api import case_json

    case = api.post("/api/v1/cases", json=case_json(requested_specialist_id=HUGE))
    assert case.status_code == 422
    assert "requested_specialist_id" in case.get_json()["error"]["details"]
    session = api.post(
        "/api/v1/sessions", json={"board_id": HUGE, "starts_at": "2031-01-07T12:00:00+00:00"}
    )
    assert session.status_code == 422
    assert "board_id" in session.get_json()["error"]["details"]
    person = api.post(
        "/api/v1/specialists",
        json={
            "name": "Dr. X",
            "email": "x@example.org",
            "specialty": "pathology",
            "boards": [HUGE],
        },
    )
    assert person.status_code == 422
    assert "boards" in person.get_json()["error"]["details"]
