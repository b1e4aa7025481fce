"""What subscribers expect: reminders, a join button, calendar colour and zone, answers shown,
and a one-off download that carries no subscription properties."""

from datetime import timedelta

import icalendar

from board.extensions import db
from board.sessions.models import AttendanceAnswer, SessionAttendance
from board.specialists.models import Specialist
from tests.helpers import csrf_of, feed_event


def events_of(body: bytes) -> dict[int, icalendar.Event]:
    return {
        int(str(e["UID"]).split("-")[1].split("@")[0]): e
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }


def test_each_session_reminds_30_minutes_before_except_declined_and_cancelled(client, feed_center):
    events = events_of(client.get(feed_center["specialist_url"]).data)
    alarm = events[feed_center["first"]].walk("VALARM")
    assert len(alarm) == 1
    assert alarm[0]["TRIGGER"].dt == timedelta(minutes=-30)
    assert str(alarm[0]["ACTION"]) == "DISPLAY"
    assert str(alarm[0]["UID"]) == f"reminder-{feed_center['first']}@tumorboard.example.org"
    assert not events[feed_center["declined"]].walk("VALARM")
    assert not events[feed_center["cancelled"]].walk("VALARM")
    board_events = events_of(client.get(feed_center["board_url"]).data)
    assert not board_events[feed_center["first"]].walk("VALARM")  # a wall screen, nobody's


def test_the_reminder_is_each_specialists_own_setting(app, client, login, feed_center):
    login("coordinator")
    url = f"/specialists/{feed_center['specialist_id']}"
    page = client.get(url)
    assert b'name="reminder_minutes"' in page.data
    with app.app_context():
        specialist = db.session.get(Specialist, feed_center["specialist_id"])
        form = {
            "name": specialist.name,
            "email": specialist.email,
            "specialty": specialist.specialty_code,
            "boards": [str(b) for b in specialist.board_ids],
            "active": "y",
            "reminder_minutes": "10",
            "version": str(specialist.version),
            "csrf_token": csrf_of(page.data),
        }
    assert client.post(url, data=form).status_code == 302
    alarm = feed_event(client.get(feed_center["specialist_url"]).data, feed_center["first"])
    assert alarm.walk("VALARM")[0]["TRIGGER"].dt == timedelta(minutes=-10)

    with app.app_context():
        form["version"] = str(db.session.get(Specialist, feed_center["specialist_id"]).version)
    form["reminder_minutes"] = ""
    assert client.post(url, data=form).status_code == 302
    body = client.get(feed_center["specialist_url"]).data
    assert b"BEGIN:VALARM" not in body


def test_the_video_link_is_a_join_button(client, feed_center):
    event = feed_event(client.get(feed_center["specialist_url"]).data, feed_center["first"])
    conference = event["CONFERENCE"]
    assert str(conference) == "https://video.example.org/sarcoma"
    assert conference.params["VALUE"] == "URI"
    assert conference.params["FEATURE"] == "VIDEO"
    assert conference.params["LABEL"] == "Join video"
    assert str(event["URL"]) == "https://video.example.org/sarcoma"
    assert "https://video.example.org/sarcoma" in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert description.startswith("Join video: https://video.example.org/sarcoma")


def test_the_calendar_has_a_name_colour_and_time_zone(client, feed_center):
    calendar = icalendar.Calendar.from_ical(client.get(feed_center["specialist_url"]).data)
    assert str(calendar["X-WR-TIMEZONE"]) == "America/New_York"
    assert str(calendar["COLOR"]) == "steelblue"
    assert str(calendar["NAME"]).startswith("Tumor boards · ")
    board = icalendar.Calendar.from_ical(client.get(feed_center["board_url"]).data)
    assert str(board["COLOR"]) == "teal"
    assert str(board["NAME"]) == "Sarcoma & Skin Tumor Board — Ärzte"


def test_a_confirmed_session_says_so(app, client, feed_center):
    with app.app_context():
        db.session.add(
            SessionAttendance(
                session_id=feed_center["first"],
                specialist_id=feed_center["specialist_id"],
                answer=AttendanceAnswer.CONFIRMED,
            )
        )
        db.session.commit()
    event = feed_event(client.get(feed_center["specialist_url"]).data, feed_center["first"])
    description = str(event["DESCRIPTION"])
    assert description.startswith("You confirmed that you will attend.")
    assert "Change your answer: " in description
    assert str(event["TRANSP"]) == "OPAQUE" and event.walk("VALARM")


def test_a_declined_session_stays_marked_and_leaves_the_quorum(app, client, feed_center):
    event = feed_event(client.get(feed_center["specialist_url"]).data, feed_center["declined"])
    assert str(event["SUMMARY"]) == "Declined: Sarcoma & Skin Tumor Board — Ärzte"
    assert str(event["STATUS"]) == "CONFIRMED"  # the session happens; this person is away
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "not counted for its quorum" in str(event["DESCRIPTION"])

    from board.sessions.models import BoardSession
    from board.sessions.services import expected_attendees

    with app.app_context():
        declined = db.session.get(BoardSession, feed_center["declined"])
        first = db.session.get(BoardSession, feed_center["first"])
        assert feed_center["specialist_id"] not in {s.id for s in expected_attendees(declined)}
        assert feed_center["specialist_id"] in {s.id for s in expected_attendees(first)}


def test_a_single_session_download_carries_only_what_an_import_needs(api, feed_center):
    body = api.get(f"/api/v1/sessions/{feed_center['first']}/ics").data
    calendar = icalendar.Calendar.from_ical(body)
    for subscription_only in (
        "NAME",
        "X-WR-CALNAME",
        "X-WR-CALDESC",
        "REFRESH-INTERVAL",
        "X-PUBLISHED-TTL",
        "COLOR",
        "UID",
        "X-WR-TIMEZONE",
    ):
        assert subscription_only not in calendar, subscription_only
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"session-{feed_center['first']}@tumorboard.example.org"
    assert len(calendar.walk("VTIMEZONE")) == 1
