"""A board's calendar links on its page: create, fetch, rotate, revoke; CSRF, roles, bad input."""

import re

from board.extensions import db
from board.feeds.models import FeedToken
from tests.helpers import csrf_of, row


def tokens(app) -> list[FeedToken]:
    with app.app_context():
        found = db.session.scalars(db.select(FeedToken).order_by(FeedToken.id)).all()
        db.session.expunge_all()
        return found


def shown_link(html: bytes) -> str:
    match = re.search(rb'value="([^"]+)" data-testid="feed-url"', html)
    assert match, "the new link is shown"
    return match.group(1).decode()


# --- board calendar links ------------------------------------------------------------------


def test_board_calendar_link_create_fetch_rotate_revoke(app, client, login, make_board):
    board_id = make_board()
    login("coordinator")
    url = f"/boards/{board_id}"
    page = client.get(url)
    assert b"Calendar links" in page.data and b"No calendar links yet." in page.data
    token = csrf_of(page.data)

    issued = client.post(f"{url}/feeds", data={"label": "Room 4", "csrf_token": token})
    assert issued.status_code == 201
    assert b"webcal://" in issued.data and b"Copy link" in issued.data
    for calendar_app in (b"Google Calendar", b"From URL", b"Outlook", b"Apple Calendar"):
        assert calendar_app in issued.data
    [link] = tokens(app)
    assert (link.board_id, link.specialist_id, link.label) == (board_id, None, "Room 4")

    feed = client.get(shown_link(issued.data).removeprefix("http://localhost"))
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data
    listed = client.get(url).data.decode()
    assert "Room 4" in listed and "never" not in listed
    assert re.search(r"<td>1</td>\s*<td>active</td>", listed), "fetch count and state"
    assert "webcal://" not in listed  # the secret is shown only once

    rotated = client.post(f"{url}/feeds/{link.id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 201 and b"webcal://" in rotated.data
    old, new = tokens(app)
    assert old.revoked_at is not None and new.revoked_at is None and new.label == "Room 4"
    again = client.post(f"{url}/feeds/{old.id}/rotate", data={"csrf_token": token})
    assert again.status_code == 409 and b"already revoked" in again.data
    assert len(tokens(app)) == 2

    revoked = client.post(f"{url}/feeds/{new.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302 and revoked.location.endswith(f"{url}#feeds")
    assert row(app, FeedToken, new.id).revoked_at is not None
    assert client.get(shown_link(rotated.data).removeprefix("http://localhost")).status_code == 410
    assert b"revoked " in client.get(url).data


def test_board_calendar_links_need_csrf(app, client, login, make_board):
    board_id = make_board()
    login("coordinator")
    url = f"/boards/{board_id}"
    assert client.post(f"{url}/feeds", data={"label": "Room"}).status_code == 400
    assert tokens(app) == []
    token = csrf_of(client.get(url).data)
    assert client.post(f"{url}/feeds", data={"csrf_token": token}).status_code == 201
    [link] = tokens(app)
    assert client.post(f"{url}/feeds/{link.id}/rotate").status_code == 400
    assert client.post(f"{url}/feeds/{link.id}/revoke").status_code == 400
    [still] = tokens(app)
    assert still.revoked_at is None


def test_board_calendar_links_are_for_staff_only(app, client, login, make_board):
    board_id = make_board()
    login("admin")
    url = f"/boards/{board_id}"
    token = csrf_of(client.get(url).data)
    assert client.post(f"{url}/feeds", data={"csrf_token": token}).status_code == 201
    [link] = tokens(app)

    login("specialist")
    token = csrf_of(client.get("/").data)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/feeds", data={"csrf_token": token}).status_code == 403
    for action in ("rotate", "revoke"):
        response = client.post(f"{url}/feeds/{link.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    [unchanged] = tokens(app)
    assert unchanged.revoked_at is None


def test_board_calendar_link_bad_input_is_shown_inline(
    app, client, login, make_board, make_specialist
):
    board_id = make_board()
    other_board = make_board(name="Thoracic Tumor Board", sites=["lung"])
    login("coordinator")
    url = f"/boards/{board_id}"
    token = csrf_of(client.get(url).data)

    too_long = client.post(f"{url}/feeds", data={"label": "x" * 121, "csrf_token": token})
    assert too_long.status_code == 422
    assert b'id="label-error"' in too_long.data and b"At most 120 characters." in too_long.data
    assert b"Nothing was saved." in too_long.data
    assert tokens(app) == []

    # Another board's link, and a specialist's link, are not this board's to change.
    client.post(f"/boards/{other_board}/feeds", data={"csrf_token": token})
    specialist_id = make_specialist()
    client.post(f"/specialists/{specialist_id}/feeds", data={"csrf_token": token})
    for link in tokens(app):
        for action in ("rotate", "revoke"):
            response = client.post(f"{url}/feeds/{link.id}/{action}", data={"csrf_token": token})
            assert response.status_code == 404 and b"No such feed link." in response.data
    assert all(link.revoked_at is None for link in tokens(app))


def test_new_board_page_has_no_links_section(client, login):
    login("coordinator")
    page = client.get("/boards/new")
    assert page.status_code == 200 and b"Calendar links" not in page.data


# --- overdue records -----------------------------------------------------------------------


# --- attendance when the meeting finishes --------------------------------------------------
