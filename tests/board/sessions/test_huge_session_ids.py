"""Session ids larger than any database integer are 404/422, never 500."""

import pytest

from tests.helpers import HUGE, assert_error


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/{}",
        "/api/v1/sessions/{}/ics",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    assert_error(api.get(path.format(HUGE)), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/sessions?board={HUGE}",
    ],
)
def test_huge_filter_is_422(strict, api, query):
    assert_error(api.get(query), 422, "validation_failed")


def test_huge_ids_in_bodies_are_422(strict, api, center):
    session = api.post(
        "/api/v1/sessions", json={"board_id": HUGE, "starts_at": "2031-01-07T12:00:00+00:00"}
    )
    assert session.status_code == 422
    assert "board_id" in session.get_json()["error"]["details"]
