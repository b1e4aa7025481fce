"""Session ids larger than any database integer are 404/422, never 500."""

import pytest

from tests.helpers import HUGE


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/{}",
        "/api/v1/sessions/{}/ics",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    response = api.get(path.format(HUGE))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/sessions?board={HUGE}",
    ],
)
def test_huge_filter_is_422(strict, api, query):
    response = api.get(query)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_huge_ids_in_bodies_are_422(strict, api, center):
    session = api.post(
        "/api/v1/sessions", json={"board_id": HUGE, "starts_at": "2031-01-07T12:00:00+00:00"}
    )
    assert session.status_code == 422
    assert "board_id" in session.get_json()["error"]["details"]
