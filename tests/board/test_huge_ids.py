"""Ids larger than any database integer, anywhere a client can send one, are 404/422, never 500.

One table for every domain: the cap lives in one place (the `int` route converter and
`validate_row_id`), so one test covers every route that takes an id.
"""

import pytest

from tests.helpers import HUGE, assert_error, case_json


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards/{}",
        "/api/v1/cases/{}",
        "/api/v1/cases/{}/records",
        "/api/v1/cases/{}/placement",
        "/api/v1/sessions/{}",
        "/api/v1/sessions/{}/ics",
        "/api/v1/specialists/{}",
        "/api/v1/specialists/{}/time-off",
        "/api/v1/schedule/runs/{}",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    assert_error(api.get(path.format(HUGE)), 404, "not_found")


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
    assert_error(api.get(query), 422, "validation_failed")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/cases", case_json(requested_specialist_id=HUGE), "requested_specialist_id"),
        (
            "/api/v1/sessions",
            {"board_id": HUGE, "starts_at": "2031-01-07T12:00:00+00:00"},
            "board_id",
        ),
        (
            "/api/v1/specialists",
            {"name": "Dr. X", "email": "x@example.org", "specialty": "pathology", "boards": [HUGE]},
            "boards",
        ),
    ],
)
def test_huge_ids_in_bodies_are_422(strict, api, center, path, body, field):
    response = api.post(path, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize("beyond", [2**31, 2**63 - 2])
def test_an_id_past_the_integer_columns_is_404_on_every_database(strict, api, beyond):
    assert_error(api.get(f"/api/v1/cases/{beyond}"), 404, "not_found")
    assert_error(api.get(f"/api/v1/cases/{beyond}/placement"), 404, "not_found")
