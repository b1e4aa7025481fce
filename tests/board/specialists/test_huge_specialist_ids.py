"""Specialist ids larger than any database integer are 404/422, never 500."""

import pytest

from tests.helpers import HUGE, assert_error


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/specialists/{}",
        "/api/v1/specialists/{}/time-off",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    assert_error(api.get(path.format(HUGE)), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/specialists?board={HUGE}",
    ],
)
def test_huge_filter_is_422(strict, api, query):
    assert_error(api.get(query), 422, "validation_failed")


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
