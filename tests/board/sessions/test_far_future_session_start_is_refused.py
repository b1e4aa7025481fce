"""A session start at the edge of the calendar is refused at the door."""

import pytest

from tests.helpers import patch_as_read


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59+00:00", "3000-01-01T10:00:00+00:00"])
def test_session_start_far_in_the_future_is_422(api, center, starts_at):
    created = api.post(
        "/api/v1/sessions", json={"board_id": center["board_id"], "starts_at": starts_at}
    )
    assert created.status_code == 422, created.get_json()
    assert "starts_at" in created.get_json()["error"]["details"]
    session_id = center["sessions"][0]
    moved = patch_as_read(api, f"/api/v1/sessions/{session_id}", {"starts_at": starts_at})
    assert moved.status_code == 422, moved.get_json()
