"""Each specialist's event says what they must prepare: their cases, the records to re-read,
the records status and when preparation is due — without patient identifiers."""

import re
from datetime import date

from board.cases.models import Case, RecordItem, RecordKind
from board.extensions import db
from board.specialists.models import Specialist
from tests.helpers import feed_event


def description(client, feed_center, url_key="specialist_url") -> str:
    body = client.get(feed_center[url_key]).data
    return str(feed_event(body, feed_center["first"])["DESCRIPTION"])


def give_records(app, case_id: int, *kinds_received: tuple[RecordKind, bool]) -> None:
    with app.app_context():
        case = db.session.get(Case, case_id)
        for kind, received in kinds_received:
            case.records.append(
                RecordItem(kind=kind, received_on=date(2026, 1, 5) if received else None)
            )
        db.session.commit()


def test_a_pathologist_sees_slides_to_reread_and_missing_records(app, client, feed_center):
    first_case, second_case = feed_center["case_ids"]
    give_records(
        app,
        first_case,
        (RecordKind.PATHOLOGY_REPORT, True),
        (RecordKind.SLIDES_BLOCKS, False),
    )
    give_records(app, second_case, (RecordKind.IMAGING, True))
    text = description(client, feed_center)
    with app.app_context():
        reference = db.session.get(Case, first_case).reference
        other = db.session.get(Case, second_case).reference
    assert "Your preparation (1 case)" in text
    assert (
        f"- {reference}: re-read pathology report, slides blocks · records missing: slides blocks"
        in text
    )
    assert f"- {other}:" not in text  # imaging only: nothing for a pathologist to re-read
    assert re.search(r"Records due: \w{3} \d\d \w{3} \d{4} \(\d+ business days ahead\)", text)
    assert re.search(r"Prep due: \w{3} \d\d \w{3} \d{4} \d\d:\d\d \(agenda freeze\)", text)


def test_requested_and_presenting_specialists_see_their_cases(app, client, feed_center):
    first_case, second_case = feed_center["case_ids"]
    with app.app_context():
        specialist = db.session.get(Specialist, feed_center["specialist_id"])
        specialist.specialty_code = "medical_oncology"  # nothing to re-read
        db.session.get(Case, first_case).requested_specialist_id = specialist.id
        db.session.get(Case, second_case).presenting_physician = specialist.name
        db.session.commit()
        references = [db.session.get(Case, c).reference for c in (first_case, second_case)]
    text = description(client, feed_center)
    assert "Your preparation (2 cases)" in text
    assert f"- {references[0]}: you are the requested specialist · records all in" in text
    assert f"- {references[1]}: you present it · records all in" in text
    assert "Your preparation" not in description(client, feed_center, "board_url")


def test_a_record_arriving_changes_the_event(app, client, api, feed_center):
    first_case = feed_center["case_ids"][0]
    give_records(app, first_case, (RecordKind.SLIDES_BLOCKS, False))
    before = client.get(feed_center["specialist_url"])
    assert "missing: slides blocks" in str(
        feed_event(before.data, feed_center["first"])["DESCRIPTION"]
    )
    with app.app_context():
        record_id = db.session.scalar(
            db.select(RecordItem.id).where(RecordItem.case_id == first_case)
        )
    received = api.patch(
        f"/api/v1/cases/{first_case}/records/{record_id}", json={"received_on": "2026-01-06"}
    )
    assert received.status_code == 200, received.get_json()

    after = client.get(
        feed_center["specialist_url"], headers={"If-None-Match": before.headers["ETag"]}
    )

    assert after.status_code == 200
    event = feed_event(after.data, feed_center["first"])
    assert "records all in" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) > int(feed_event(before.data, feed_center["first"])["SEQUENCE"])
