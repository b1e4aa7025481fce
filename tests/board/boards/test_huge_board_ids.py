"""A board id larger than any database integer is 404, never 500."""

import pytest

from tests.helpers import HUGE, assert_error


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards/{}",
    ],
)
def test_huge_id_in_the_path_is_404(strict, api, path):
    assert_error(api.get(path.format(HUGE)), 404, "not_found")
