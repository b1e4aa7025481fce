"""Validators say the truth: the ETag is derived from the bytes, Last-Modified moves whenever
the body does (events leaving the feed included), and SEQUENCE only with a visible change."""

import gzip
from datetime import timedelta

from board.extensions import db
from board.feeds import caching
from board.sessions.models import BoardSession, SessionStatus
from tests.helpers import feed_event


def forget_everything() -> None:
    """What a worker restart does to the per-process caches."""
    for cache in (caching.rendered_feeds, caching.compressed_feeds, caching.feed_validators):
        cache.items.clear()


def patch_session(api, session_id: int, **fields):
    current = api.get(f"/api/v1/sessions/{session_id}")
    return api.patch(
        f"/api/v1/sessions/{session_id}", json=fields, headers={"If-Match": current.headers["ETag"]}
    )


def test_last_modified_moves_when_a_session_leaves_the_feed(client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["second"]
    first = client.get(url)
    assert f"session-{session_id}@".encode() in first.data
    moved = patch_session(
        api,
        session_id,
        starts_at=(
            feed_event(first.data, session_id)["DTSTART"].dt + timedelta(days=500)
        ).isoformat(),
    )
    assert moved.status_code == 200

    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert by_date.status_code == 200
    assert f"session-{session_id}@".encode() not in by_date.data
    assert by_date.headers["ETag"] != first.headers["ETag"]


def test_last_modified_moves_when_time_off_removes_a_session(client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["second"]
    first = client.get(url)
    day = feed_event(first.data, session_id)["DTSTART"].dt.date()
    added = api.post(
        f"/api/v1/specialists/{feed_center['specialist_id']}/time-off",
        json={"starts_on": day.isoformat(), "ends_on": day.isoformat(), "reason": "congress"},
    )
    assert added.status_code == 201

    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert by_date.status_code == 200
    assert f"session-{session_id}@".encode() not in by_date.data


def test_editing_a_case_on_a_held_session_changes_bytes_and_etag(app, client, api, feed_center):
    url, session_id = feed_center["board_url"], feed_center["first"]
    with app.app_context():
        db.session.get(BoardSession, session_id).status = SessionStatus.HELD
        db.session.commit()
    before = client.get(url)
    case_id = feed_center["case_ids"][0]
    current = api.get(f"/api/v1/cases/{case_id}")
    edited = api.patch(
        f"/api/v1/cases/{case_id}",
        json={"presenting_physician": "Dr. Newcomer"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert edited.status_code == 200

    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert "Dr. Newcomer" in str(feed_event(after.data, session_id)["DESCRIPTION"])
    assert after.headers["ETag"] != before.headers["ETag"]
    forget_everything()  # a restarted worker renders the same bytes under the same ETag
    again = client.get(url)
    assert (again.headers["ETag"], again.data) == (after.headers["ETag"], after.data)


def test_one_etag_never_names_two_bodies_across_base_urls(app, client, feed_center):
    url = feed_center["specialist_url"]
    here = client.get(url)
    app.config["PUBLIC_BASE_URL"] = "https://boards.example.org"
    public = client.get(url)
    assert "Agenda (log in): https://boards.example.org/sessions/" in str(
        feed_event(public.data, feed_center["second"])["DESCRIPTION"]
    )
    assert public.headers["ETag"] != here.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": here.headers["ETag"]}).status_code == 200


def test_setting_a_location_to_the_boards_own_keeps_sequence_and_etag(client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["second"]
    before = client.get(url)
    same = patch_session(api, session_id, location="Room 4, Cancer Center")
    assert same.status_code == 200
    same_link = patch_session(api, session_id, video_link="https://video.example.org/sarcoma")
    assert same_link.status_code == 200

    after = client.get(url)

    assert (
        feed_event(after.data, session_id)["SEQUENCE"]
        == feed_event(before.data, session_id)["SEQUENCE"]
    )
    assert after.headers["ETag"] == before.headers["ETag"]
    moved = patch_session(api, session_id, location="Room 5")
    assert moved.status_code == 200
    changed = feed_event(client.get(url).data, session_id)
    assert int(changed["SEQUENCE"]) == int(feed_event(before.data, session_id)["SEQUENCE"]) + 1


def test_gzip_when_asked_with_its_own_etag(client, feed_center):
    url = feed_center["specialist_url"]
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) * 5 < len(plain.data)
    identity_tag = plain.headers["ETag"].strip('"')
    assert zipped.headers["ETag"] == f'"{identity_tag}:gzip"'

    revalidated = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert revalidated.status_code == 304 and revalidated.data == b""
    assert revalidated.headers["ETag"] == zipped.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": '"other:gzip"'}).status_code == 200
