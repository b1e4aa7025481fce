"""Feed HTTP behaviour, change tracking, links and attendance answers."""

import logging
import re
from datetime import timedelta

import icalendar

from board.extensions import db
from board.feeds.models import FeedToken
from board.logs import RedactTokens
from board.planning.models import ScheduleRun
from board.sessions.models import AttendanceAnswer, SessionAttendance
from tests.helpers import ApiClient, csrf_token_from, feed_event, patch_as_read, wait_until


def test_conditional_requests_get_304(client, feed_center):
    url = feed_center["specialist_url"]
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert not etag.startswith("W/")  # strong validator
    assert first.headers["Cache-Control"] == "private, no-cache"
    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b""
    assert by_etag.headers["ETag"] == etag
    assert modified

    # Last-Modified never claims the future: within the second of the latest change it is
    # the current second, which that change is newer than; once the second is over it holds.
    def revalidated_by_date():
        since = client.get(url).headers["Last-Modified"]
        answer = client.get(url, headers={"If-Modified-Since": since})
        return answer if answer.status_code == 304 else None

    by_date = wait_until(revalidated_by_date, timeout=5)
    assert by_date.headers["ETag"] == etag
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_unchanged_feed_is_byte_identical(client, feed_center):
    url = feed_center["specialist_url"]
    first = client.get(url).data
    from board.feeds import views

    views.rendered.items.clear()  # render again from scratch, not from the cache
    assert client.get(url).data == first


def test_visible_change_bumps_sequence_and_keeps_uid(app, client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["second"]
    before_body = client.get(url).data
    before = feed_event(before_body, session_id)
    moved = patch_as_read(api, f"/api/v1/sessions/{session_id}", {"location": "Room 9"})
    assert moved.status_code == 200
    after_body = client.get(url).data
    after = feed_event(after_body, session_id)
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert str(after["LOCATION"]) == "Room 9 · https://video.example.org/sarcoma"
    assert after["DTSTAMP"].dt == after["LAST-MODIFIED"].dt
    assert after["LAST-MODIFIED"].dt >= before["LAST-MODIFIED"].dt  # second resolution
    # other events are untouched
    untouched = feed_event(after_body, feed_center["first"])
    assert untouched.to_ical() == feed_event(before_body, feed_center["first"]).to_ical()


def test_rescheduling_keeps_the_uid_and_moves_the_event(client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["second"]
    before = feed_event(client.get(url).data, session_id)
    current = api.get(f"/api/v1/sessions/{session_id}")
    new_start = before["DTSTART"].dt + timedelta(hours=2)
    response = api.patch(
        f"/api/v1/sessions/{session_id}",
        json={"starts_at": new_start.isoformat()},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert response.status_code == 200
    after = feed_event(client.get(url).data, session_id)
    assert after["UID"] == before["UID"]
    assert after["DTSTART"].dt == new_start
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_agenda_change_bumps_sequence(app, client, api, feed_center):
    url, session_id = feed_center["specialist_url"], feed_center["first"]
    before = feed_event(client.get(url).data, session_id)
    case_id = feed_center["case_ids"][0]
    changed = patch_as_read(api, f"/api/v1/cases/{case_id}", {"priority": "urgent"})
    assert changed.status_code == 200
    after = feed_event(client.get(url).data, session_id)
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert "· urgent ·" in str(after["DESCRIPTION"])


def test_unknown_tokens_get_404_revoked_410_and_guessing_429(app, client, api, feed_center):
    assert client.get("/feeds/not-a-real-token.ics").status_code == 404
    specialist = feed_center["specialist_id"]
    revoked = api.delete(
        f"/api/v1/specialists/{specialist}/feed-tokens/{feed_center['specialist_token_id']}"
    )
    assert revoked.status_code == 204
    for _ in range(30):  # a stale subscription polled often is not a guess
        assert client.get(feed_center["specialist_url"]).status_code == 410
    for _ in range(19):
        assert client.get("/feeds/guess.ics").status_code == 404
    limited = client.get("/feeds/guess.ics")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


def test_guessing_never_blocks_a_valid_token_from_the_same_address(app, client, feed_center):
    for _ in range(25):
        client.get("/feeds/guess.ics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert (
        client.get("/feeds/guess.ics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 429
    )
    valid = client.get(feed_center["board_url"], environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert valid.status_code == 200
    secret = feed_center["specialist_secret"]
    page = client.get(
        f"/feeds/{secret}/sessions/{feed_center['second']}/attendance",
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert page.status_code == 200
    # another address is not limited
    other = client.get("/feeds/guess.ics", environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert other.status_code == 404


def test_the_guessing_limit_is_shared_by_every_worker(app, client, another_app, feed_center):
    """The counts are rows, not one worker's memory: a fresh app (another worker) sees them."""
    for _ in range(20):
        client.get("/feeds/guess.ics", environ_base={"REMOTE_ADDR": "198.51.100.4"})
    other_worker = another_app()
    answer = other_worker.test_client().get(
        "/feeds/guess.ics", environ_base={"REMOTE_ADDR": "198.51.100.4"}
    )
    assert answer.status_code == 429


def test_an_ipv6_client_is_counted_by_its_64(app, client, feed_center):
    for host in range(20):
        client.get("/feeds/guess.ics", environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{host:x}"})
    answer = client.get("/feeds/guess.ics", environ_base={"REMOTE_ADDR": "2001:db8:1:2:ffff::1"})
    assert answer.status_code == 429


def test_forwarded_for_is_believed_only_from_a_configured_proxy(another_app, feed_center):
    def guesses(proxied_app, client_address):
        client = proxied_app.test_client()
        headers = {"X-Forwarded-For": client_address}
        answers = [
            client.get(
                "/feeds/guess.ics", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}
            )
            for _ in range(21)
        ]
        return answers[-1].status_code

    direct = another_app()
    # Without a trusted proxy the header is ignored: every guess counts for 10.0.0.1.
    assert guesses(direct, "203.0.113.1") == 429
    behind_proxy = another_app(TRUSTED_PROXIES=1)
    # Behind one trusted proxy each client is counted on its own address.
    assert guesses(behind_proxy, "203.0.113.2") == 429
    assert guesses(behind_proxy, "203.0.113.3") == 429
    fresh = behind_proxy.test_client().get(
        "/feeds/guess.ics",
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert fresh.status_code == 404


def test_feed_link_api_create_list_rotate_revoke(app, client, api, feed_center):
    base = f"/api/v1/specialists/{feed_center['specialist_id']}/feed-tokens"
    created = api.post(base, json={"label": "Phone"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["url"].startswith("http") and body["url"].endswith(".ics")
    assert body["webcal_url"].startswith("webcal://")
    secret = body["url"].rsplit("/", 1)[1][: -len(".ics")]
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    fetch = client.get(f"/feeds/{secret}.ics")
    assert fetch.status_code == 200
    listed = api.get(base).get_json()
    assert all("url" not in row for row in listed)
    phone = next(row for row in listed if row["id"] == body["id"])
    assert phone["last_fetched_at"] is not None and phone["fetch_count"] == 1
    with app.app_context():
        stored = db.session.scalars(db.select(FeedToken.token_hash)).all()
        assert secret not in " ".join(stored)

    rotated = api.post(f"{base}/{body['id']}/rotate")
    assert rotated.status_code == 201
    new_secret = rotated.get_json()["url"].rsplit("/", 1)[1][: -len(".ics")]
    assert client.get(f"/feeds/{secret}.ics").status_code == 410
    assert client.get(f"/feeds/{new_secret}.ics").status_code == 200
    assert rotated.get_json()["label"] == "Phone"


def test_who_may_manage_feed_links(app, api_as, make_user, feed_center):
    specialist_base = f"/api/v1/specialists/{feed_center['specialist_id']}/feed-tokens"
    board_base = f"/api/v1/boards/{feed_center['board_id']}/feed-tokens"
    stranger = api_as("specialist")
    assert stranger.post(specialist_base, json={}).status_code == 403
    assert stranger.get(specialist_base).status_code == 403
    assert stranger.post(board_base, json={}).status_code == 403
    coordinator = api_as("coordinator")
    assert coordinator.post(specialist_base, json={}).status_code == 201
    assert coordinator.post(board_base, json={"label": "Wall screen"}).status_code == 201

    from board.accounts.models import User
    from board.accounts.services import create_api_token

    user_id, _ = make_user("specialist", specialist_id=feed_center["specialist_id"])
    with app.app_context():
        token = create_api_token(db.session.get(User, user_id))
        db.session.commit()

    owner = ApiClient(coordinator.client, token)
    own = owner.post(specialist_base, json={"label": "Laptop"})
    assert own.status_code == 201
    assert owner.delete(f"{specialist_base}/{own.get_json()['id']}").status_code == 204
    assert owner.post(specialist_base, json={"label": "x" * 200}).status_code == 422


def test_session_ics_download(client, api, feed_center):
    response = api.get(f"/api/v1/sessions/{feed_center['first']}/ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert len(calendar.walk("VEVENT")) == 1
    assert client.get(f"/api/v1/sessions/{feed_center['first']}/ics").status_code == 401


def test_attendance_page_get_shows_post_answers(app, client, api, feed_center):
    body = client.get(feed_center["specialist_url"]).data
    description = str(feed_event(body, feed_center["second"])["DESCRIPTION"])
    link = re.search(r"Confirm or decline: (\S+)", description).group(1)
    path = link.split("localhost", 1)[1]

    page = client.get(path)
    assert page.status_code == 200
    assert b"I cannot attend" in page.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SessionAttendance)) == 1

    assert client.post(path, data={"decline": "1"}).status_code == 400  # no CSRF token
    declined = client.post(path, data={"decline": "1", "csrf_token": csrf_token_from(page.data)})
    assert declined.status_code == 200 and b"declined" in declined.data
    with app.app_context():
        answer = db.session.scalar(
            db.select(SessionAttendance).where(
                SessionAttendance.session_id == feed_center["second"]
            )
        )
        assert answer.answer == AttendanceAnswer.DECLINED
        runs = db.session.scalars(db.select(ScheduleRun.trigger)).all()
        assert "attendance declined" in runs
    # The declined session stays in the specialist's feed, marked and not busy.
    declined_event = feed_event(
        client.get(feed_center["specialist_url"]).data, feed_center["second"]
    )
    assert str(declined_event["SUMMARY"]).startswith("Declined: ")
    assert str(declined_event["TRANSP"]) == "TRANSPARENT"
    assert "You declined this session" in str(declined_event["DESCRIPTION"])
    assert not declined_event.walk("VALARM")
    board_event = feed_event(client.get(feed_center["board_url"]).data, feed_center["second"])
    assert not str(board_event["SUMMARY"]).startswith("Declined")


def test_attendance_for_another_boards_session_is_404(app, client, feed_center):
    from board.sessions.models import BoardSession

    with app.app_context():
        other = db.session.scalar(
            db.select(BoardSession.id).where(BoardSession.board_id != feed_center["board_id"])
        )
    secret = feed_center["specialist_secret"]
    assert client.get(f"/feeds/{secret}/sessions/{other}/attendance").status_code == 404


def test_tokens_are_redacted_from_log_lines(feed_center):
    secret = feed_center["specialist_secret"]
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"GET /feeds/%s.ics HTTP/1.1" 200', (secret,), None
    )
    assert RedactTokens().filter(record)
    assert secret not in record.getMessage()
    assert "/feeds/[redacted]" in record.getMessage()


def test_renaming_a_disease_site_changes_the_feed_and_its_etag(client, api_as, feed_center):
    url = feed_center["specialist_url"]
    before = client.get(url)
    admin = api_as("admin")
    renamed = patch_as_read(admin, "/api/v1/disease-sites/breast", {"name": "Breast (incl. DCIS)"})
    assert renamed.status_code == 200
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Breast (incl. DCIS)" in str(feed_event(after.data, feed_center["first"])["DESCRIPTION"])
