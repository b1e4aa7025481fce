"""Feed content, checked byte by byte and by parsers that did not write it: vobject (with
validation, and its own reading of our VTIMEZONE), `ical` (the strict parser Home Assistant
uses), recurring-ical-events, Mozilla's ical.js (Thunderbird's, under Node) and libical
(Evolution's)."""

import re
from datetime import UTC, datetime, timedelta

import icalendar
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

from tests.calendar_readers import instants_by_icaljs, instants_by_libical, read_with_icaljs


def unfold(body: bytes) -> str:
    text = body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    return text.replace("\r\n", "\n")


def test_wire_format(client, feed_center):
    response = client.get(feed_center["specialist_url"], headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # CRLF only
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a UTF-8 character
    assert "Ärzte" in unfold(body)


def test_calendar_properties(client, feed_center):
    text = unfold(client.get(feed_center["specialist_url"]).data)
    calendar_part = text.split("BEGIN:VTIMEZONE")[0]
    for expected in (
        "VERSION:2.0",
        "PRODID:-//Tumor Board Scheduling//",
        f"UID:specialist-{feed_center['specialist_id']}-feed@",
        "NAME:Tumor boards · Dr. Specialist",
        "X-WR-CALNAME:Tumor boards · Dr. Specialist",
        "DESCRIPTION:",
        "X-WR-CALDESC:",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert expected in calendar_part, expected
    assert "METHOD:" not in text


def test_one_event_per_expected_session(app, client, feed_center, stored_sessions):
    text = unfold(client.get(feed_center["specialist_url"]).data)
    uids = re.findall(r"^UID:session-(\d+)@tumorboard\.example\.org$", text, re.M)
    shown = {int(uid) for uid in uids}
    assert len(uids) == len(shown)
    sessions = stored_sessions(feed_center["sessions"])
    now = datetime.now(UTC)
    in_window = {
        sid
        for sid, s in sessions.items()
        if now - timedelta(days=31) < s.starts_at < now + timedelta(days=365)
    }
    expected = in_window - {feed_center["away"]}  # declined sessions stay, marked declined
    assert shown == expected
    assert "RRULE" not in text.split("END:VTIMEZONE")[-1]  # no recurring events

    board_text = unfold(client.get(feed_center["board_url"]).data)
    board_shown = {int(u) for u in re.findall(r"^UID:session-(\d+)@", board_text, re.M)}
    assert {feed_center["away"], feed_center["declined"]} <= board_shown
    assert board_shown == in_window


def test_three_parsers_agree_with_the_database(app, client, feed_center, stored_sessions):
    body = client.get(feed_center["specialist_url"]).data
    sessions = stored_sessions()

    parsed = vobject.readOne(body.decode(), validate=True)
    by_vobject = {
        int(event.uid.value.split("-")[1].split("@")[0]): (
            event.dtstart.value.astimezone(UTC),
            event.dtend.value.astimezone(UTC),
        )
        for event in parsed.vevent_list
    }
    strict = IcsCalendarStream.calendar_from_ics(body.decode())
    by_ical = {
        int(event.uid.split("-")[1].split("@")[0]): (
            event.dtstart.astimezone(UTC),
            event.dtend.astimezone(UTC),
        )
        for event in strict.events
    }
    expanded = recurring_ical_events.of(icalendar.Calendar.from_ical(body)).between(
        datetime.now(UTC) - timedelta(days=40), datetime.now(UTC) + timedelta(days=400)
    )
    by_recurring = {
        int(str(event["UID"]).split("-")[1].split("@")[0]): (
            event["DTSTART"].dt.astimezone(UTC),
            event["DTEND"].dt.astimezone(UTC),
        )
        for event in expanded
    }
    by_icaljs = {
        int(uid.split("-")[1].split("@")[0]): instants
        for uid, instants in instants_by_icaljs(body).items()
    }
    by_libical = {
        int(uid.split("-")[1].split("@")[0]): instants
        for uid, instants in instants_by_libical(body).items()
    }
    assert by_vobject.keys() == by_ical.keys() == by_recurring.keys()
    assert by_vobject.keys() == by_icaljs.keys() == by_libical.keys()
    assert len(by_vobject) > 40
    for session_id, instants in by_vobject.items():
        truth = (sessions[session_id].starts_at, sessions[session_id].ends_at)
        assert instants == truth == by_ical[session_id] == by_recurring[session_id]
        assert by_icaljs[session_id] == by_libical[session_id] == truth


def test_icaljs_reads_names_summaries_and_reminders(client, feed_center):
    read = read_with_icaljs(client.get(feed_center["specialist_url"]).data)
    assert read["name"].startswith("Tumor boards · ")
    events = {event["uid"].split("@")[0]: event for event in read["events"]}
    first = events[f"session-{feed_center['first']}"]
    assert first["summary"] == "Sarcoma & Skin Tumor Board — Ärzte"
    assert first["alarms"] == ["-PT30M"]
    assert events[f"session-{feed_center['declined']}"]["summary"].startswith("Declined: ")
    assert events[f"session-{feed_center['declined']}"]["alarms"] == []


def test_vtimezone_uses_yearly_rules_and_matches_zoneinfo(client, feed_center):
    text = unfold(client.get(feed_center["specialist_url"]).data)
    zones = re.findall(r"BEGIN:VTIMEZONE\n(.*?)END:VTIMEZONE", text, re.S)
    tzids = set(re.findall(r"DTSTART;TZID=([^:]+):", text))
    assert [re.search(r"TZID:(.*)", zone).group(1).strip() for zone in zones] == sorted(tzids)
    for zone in zones:
        assert "RDATE" not in zone
        assert zone.count("RRULE:FREQ=YEARLY") == 2  # one STANDARD, one DAYLIGHT
        assert "BEGIN:STANDARD" in zone and "BEGIN:DAYLIGHT" in zone


def test_cancelled_session_stays_marked_cancelled(app, client, feed_center):
    calendar = icalendar.Calendar.from_ical(client.get(feed_center["specialist_url"]).data)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    cancelled = events[f"session-{feed_center['cancelled']}@tumorboard.example.org"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]).startswith("Cancelled: ")
    normal = events[f"session-{feed_center['first']}@tumorboard.example.org"]
    assert str(normal["STATUS"]) == "CONFIRMED"


def test_description_lists_the_agenda_without_patient_data(app, client, feed_center):
    body = client.get(feed_center["specialist_url"]).data
    calendar = icalendar.Calendar.from_ical(body)
    first = next(
        e
        for e in calendar.walk("VEVENT")
        if str(e["UID"]) == f"session-{feed_center['first']}@tumorboard.example.org"
    )
    description = str(first["DESCRIPTION"])
    lines = [line for line in description.splitlines() if re.match(r"^\d+\. C-", line)]
    assert len(lines) == 2
    assert lines[0].startswith("1. C-") and lines[1].startswith("2. C-")
    for line in lines:
        assert "Breast · board · routine · 5 min · presented by Dr. Presenter · staging" in line
    assert "/sessions/" in description and "/agenda" in description
    assert "/attendance" in description
    assert str(first["LOCATION"]) == "Room 4, Cancer Center · https://video.example.org/sarcoma"
    assert "https://video.example.org/sarcoma" in description
    text = unfold(body) + body.decode()
    for name, mrn, born, diagnosis in feed_center["patients"]:
        words = [*name.split(), mrn, born.isoformat(), born.strftime("%Y%m%d"), diagnosis]
        words += [diagnosis.split(",")[0]]
        for secret in words:
            assert secret not in text, secret


def test_board_feed_has_no_attendance_links(client, feed_center):
    assert "/attendance" not in unfold(client.get(feed_center["board_url"]).data)


def test_only_upcoming_sessions_offer_an_attendance_link(client, feed_center):
    calendar = icalendar.Calendar.from_ical(client.get(feed_center["specialist_url"]).data)
    now = datetime.now(UTC)
    for event in calendar.walk("VEVENT"):
        description = str(event["DESCRIPTION"])
        upcoming = event["DTSTART"].dt > now + timedelta(days=1)
        cancelled = str(event["STATUS"]) == "CANCELLED"
        past = event["DTEND"].dt < now - timedelta(days=1)
        answered = str(event["SUMMARY"]).startswith("Declined")
        offer = "Change your answer:" if answered else "Confirm or decline:"
        if upcoming and not cancelled:
            assert offer in description
        if past or cancelled:
            assert "/attendance" not in description
