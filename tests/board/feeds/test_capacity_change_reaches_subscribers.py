"""A session's capacity shows in its event ("n of m minutes"): changing it is a visible change."""

from tests.helpers import feed_event, patch_as_read


def test_session_capacity_change_reaches_subscribers(client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["first"]
    first = client.get(url)
    before = feed_event(first.data, session_id)
    changed = patch_as_read(api, f"/api/v1/sessions/{session_id}", {"capacity_minutes": 45})
    assert changed.status_code == 200, changed.get_json()
    revalidated = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 200, "the feed's bytes changed, so must its ETag"
    after = feed_event(revalidated.data, session_id)
    assert "of 45 minutes" in str(after["DESCRIPTION"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
