"""Case ids and page numbers larger than any database integer are 404/422, never 500."""

import pytest

from tests.helpers import HUGE, assert_error, case_json


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/{}",
        "/api/v1/cases/{}/records",
        "/api/v1/cases/{}/placement",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    assert_error(api.get(path.format(HUGE)), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/cases?board={HUGE}",
        f"/api/v1/cases?page={HUGE}",
    ],
)
def test_huge_filter_is_422(strict, api, query):
    assert_error(api.get(query), 422, "validation_failed")


def test_huge_ids_in_bodies_are_422(strict, api, center):
    case = api.post("/api/v1/cases", json=case_json(requested_specialist_id=HUGE))
    assert case.status_code == 422
    assert "requested_specialist_id" in case.get_json()["error"]["details"]
