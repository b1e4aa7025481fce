"""Specialist ids larger than any database integer are 404/422, never 500."""

import pytest

from tests.helpers import HUGE


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/specialists/{}",
        "/api/v1/specialists/{}/time-off",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    response = api.get(path.format(HUGE))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/specialists?board={HUGE}",
    ],
)
def test_huge_filter_is_422(strict, api, query):
    response = api.get(query)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_huge_ids_in_bodies_are_422(strict, api, center):
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
