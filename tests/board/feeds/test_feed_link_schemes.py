"""Calendar links use the scheme and host the server is reached by (or the configured public
base URL), and offer webcal, Google's and Outlook's add-by-URL pages; attendance is offered
only while a session can still be attended."""

from urllib.parse import parse_qs, urlsplit

from board.extensions import db
from board.sessions.models import BoardSession, SessionStatus
from tests.helpers import csrf_of, csrf_token_from, feed_event


def created_link(api, feed_center, **request) -> dict:
    answer = api.post(
        f"/api/v1/specialists/{feed_center['specialist_id']}/feed-tokens",
        json={"label": "Phone"},
        **request,
    )
    assert answer.status_code == 201
    return answer.get_json()


def test_plain_http_server_gives_http_links(api, feed_center):
    link = created_link(api, feed_center)
    assert link["url"].startswith("http://localhost/feeds/")
    assert link["webcal_url"] == "webcal://" + link["url"].removeprefix("http://")


def test_links_name_the_calendar_apps_add_by_url_pages(api, feed_center):
    link = created_link(api, feed_center)
    google = urlsplit(link["google_url"])
    assert (google.scheme, google.netloc) == ("https", "calendar.google.com")
    assert parse_qs(google.query)["cid"] == [link["webcal_url"]]
    outlook = urlsplit(link["outlook_url"])
    assert outlook.netloc == "outlook.office.com" and "addfromweb" in outlook.path
    assert parse_qs(outlook.query)["url"] == [link["url"]]
    assert parse_qs(outlook.query)["name"][0].startswith("Tumor boards · Dr. Specialist")


def test_behind_a_trusted_tls_proxy_links_are_https(another_app, feed_center):
    from tests.helpers import ApiClient

    proxied = another_app(TRUSTED_PROXIES=1)
    coordinator = proxied.test_client()
    from board.accounts.models import User
    from board.accounts.services import create_api_token, create_user

    with proxied.app_context():
        user = create_user("proxy-coordinator@example.org", "coordinator", "pw-not-used-here")
        db.session.flush()
        token = create_api_token(db.session.get(User, user.id))
        db.session.commit()
    api = ApiClient(coordinator, token)
    link = created_link(api, feed_center, headers={"X-Forwarded-Proto": "https"})
    assert link["url"].startswith("https://localhost/feeds/")
    # Without a trusted proxy the header is not believed.
    plain = ApiClient(another_app().test_client(), token)
    assert created_link(plain, feed_center, headers={"X-Forwarded-Proto": "https"})[
        "url"
    ].startswith("http://")


def test_a_configured_public_base_url_wins(app, api, client, feed_center):
    app.config["PUBLIC_BASE_URL"] = "https://boards.example.org/"
    link = created_link(api, feed_center)
    assert link["url"].startswith("https://boards.example.org/feeds/")
    assert link["webcal_url"].startswith("webcal://boards.example.org/feeds/")
    description = str(
        feed_event(client.get(feed_center["specialist_url"]).data, feed_center["second"])[
            "DESCRIPTION"
        ]
    )
    assert "Confirm or decline: https://boards.example.org/feeds/" in description


def test_the_page_offers_every_way_to_subscribe(client, login, feed_center):
    login("coordinator")
    page = client.get(f"/specialists/{feed_center['specialist_id']}")
    issued = client.post(
        f"/specialists/{feed_center['specialist_id']}/feeds",
        data={"label": "Phone", "csrf_token": csrf_of(page.data)},
    )
    assert issued.status_code == 201
    for expected in (
        b'value="http://localhost/feeds/',
        b'href="webcal://localhost/feeds/',
        b'href="https://calendar.google.com/calendar/r?cid=webcal',
        b'href="https://outlook.office.com/calendar/0/addfromweb?url=http',
    ):
        assert expected in issued.data, expected


def test_held_sessions_offer_no_attendance(app, client, feed_center):
    session_id, secret = feed_center["second"], feed_center["specialist_secret"]
    with app.app_context():
        db.session.get(BoardSession, session_id).status = SessionStatus.HELD
        db.session.commit()
    event = feed_event(client.get(feed_center["specialist_url"]).data, session_id)
    assert "Confirm or decline" not in str(event["DESCRIPTION"])
    page = client.get(f"/feeds/{secret}/sessions/{session_id}/attendance")
    assert page.status_code == 200
    assert b"I will attend" not in page.data and b"no answer is needed" in page.data


def test_a_session_under_way_offers_no_attendance_and_refuses_an_answer(app, client, feed_center):
    from datetime import timedelta

    from board.common.time import utcnow

    session_id, secret = feed_center["second"], feed_center["specialist_secret"]
    path = f"/feeds/{secret}/sessions/{session_id}/attendance"
    csrf = csrf_token_from(client.get(path).data)
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        session.starts_at = utcnow() - timedelta(minutes=10)
        session.ends_at = utcnow() + timedelta(minutes=50)
        db.session.commit()
    page = client.get(path)
    assert b"I will attend" not in page.data and b"no answer is needed" in page.data
    refused = client.post(path, data={"confirm": "1", "csrf_token": csrf})
    assert refused.status_code == 409
