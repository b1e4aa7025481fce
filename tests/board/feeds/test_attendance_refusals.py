"""An answer the session's state forbids is refused on the page itself, and nothing is stored."""

import re

from board.extensions import db
from board.sessions.models import SessionAttendance


def test_answering_a_cancelled_session_is_refused_on_the_page(app, client, feed_center):
    path = (
        f"/feeds/{feed_center['specialist_secret']}/sessions/{feed_center['cancelled']}/attendance"
    )
    page = client.get(path)
    assert page.status_code == 200
    assert b"I will attend" not in page.data and b"no answer is needed" in page.data
    secret = feed_center["specialist_secret"]
    open_page = client.get(f"/feeds/{secret}/sessions/{feed_center['second']}/attendance")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', open_page.data)
    with app.app_context():
        stored_before = db.session.scalar(db.select(db.func.count()).select_from(SessionAttendance))

    refused = client.post(path, data={"confirm": "1", "csrf_token": token.group(1).decode()})

    assert refused.status_code == 409
    assert b"no answer is needed" in refused.data and b'role="alert"' in refused.data
    with app.app_context():
        stored_after = db.session.scalar(db.select(db.func.count()).select_from(SessionAttendance))
    assert stored_after == stored_before
