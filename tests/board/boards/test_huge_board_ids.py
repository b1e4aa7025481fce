"""A board id larger than any database integer is 404, never 500."""

import pytest

from tests.helpers import HUGE


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards/{}",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    response = api.get(path.format(HUGE))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
