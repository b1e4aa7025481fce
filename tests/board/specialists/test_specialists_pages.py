"""The specialists directory: a specialist page, time off, feed links, and who may see it."""

from datetime import timedelta

from board.common.forms import STALE_MESSAGE
from board.common.time import today
from board.extensions import db
from board.feeds.models import FeedToken
from board.specialists.models import Specialist, TimeOff
from tests.helpers import csrf_of, row


def test_specialist_page_time_off_and_feed_links(app, client, login, make_specialist):
    specialist_id = make_specialist()
    login("coordinator")
    url = f"/specialists/{specialist_id}"
    token = csrf_of(client.get(url).data)
    assert client.post(f"{url}/feeds", data={"label": "Phone"}).status_code == 400
    issued = client.post(f"{url}/feeds", data={"label": "Phone", "csrf_token": token})
    assert issued.status_code == 201 and b"webcal://" in issued.data and b"Copy link" in issued.data
    for calendar_app in (b"Google Calendar", b"From URL", b"Outlook", b"Apple Calendar"):
        assert calendar_app in issued.data
    with app.app_context():
        token_id = db.session.scalars(db.select(FeedToken.id)).one()
    rotated = client.post(f"{url}/feeds/{token_id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 201
    with app.app_context():
        live = db.session.scalars(db.select(FeedToken).where(FeedToken.revoked_at.is_(None))).one()
        live_id = live.id
    assert (
        client.post(f"{url}/feeds/{live_id}/revoke", data={"csrf_token": token}).status_code == 302
    )
    assert row(app, FeedToken, live_id).revoked_at is not None

    start = today() + timedelta(days=10)
    bad = client.post(
        f"{url}/time-off",
        data={
            "starts_on": start.isoformat(),
            "ends_on": (start - timedelta(days=2)).isoformat(),
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and b"cannot come before" in bad.data
    assert b"<p>Nothing was saved.</p>" in bad.data
    with app.app_context():
        assert db.session.scalars(db.select(TimeOff)).all() == []
    good = client.post(
        f"{url}/time-off",
        data={"starts_on": start.isoformat(), "ends_on": start.isoformat(), "csrf_token": token},
    )
    assert good.status_code == 302

    version = row(app, Specialist, specialist_id).version
    form = {
        "name": "Dr. Renamed",
        "email": "renamed@example.org",
        "specialty": "pathology",
        "active": "y",
    }
    stale = client.post(url, data={**form, "version": version - 1, "csrf_token": token})
    assert stale.status_code == 412 and row(app, Specialist, specialist_id).name != "Dr. Renamed"
    assert STALE_MESSAGE.encode() in stale.data
    assert f'name="version" value="{version}"'.encode() in stale.data  # the form is current
    assert b"Dr. Renamed" in stale.data  # what was typed is kept
    bad_email = client.post(
        url, data={**form, "email": "nope", "version": version, "csrf_token": token}
    )
    assert bad_email.status_code == 422 and b"<p>Nothing was saved.</p>" in bad_email.data
    assert (
        client.post(url, data={**form, "version": version, "csrf_token": token}).status_code == 302
    )
    assert row(app, Specialist, specialist_id).name == "Dr. Renamed"


def test_a_specialist_sees_only_their_own_page(app, client, login, make_specialist):
    own = make_specialist()
    other = make_specialist()
    login("specialist", specialist_id=own)
    assert client.get(f"/specialists/{own}").status_code == 200
    assert client.get(f"/specialists/{other}").status_code == 403
    assert client.get("/specialists").status_code == 403
    token = csrf_of(client.get("/").data)
    assert client.post(f"/specialists/{other}/feeds", data={"csrf_token": token}).status_code == 403
    assert (
        client.post(f"/specialists/{own}", data={"name": "x", "csrf_token": token}).status_code
        == 403
    )
