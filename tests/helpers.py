"""Plain helpers shared by test modules: logging in, reading pages and rows, waiting.

Test modules import from here, never from another test module or from a conftest.
"""

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import icalendar

from board.common.time import today, utcnow
from board.extensions import db
from board.sessions.models import BoardSession

PASSWORD = "correct horse battery"

# Larger than any database integer.
HUGE = 10**20

# The agenda builder's script sends this header and gets the builder fragment back.
FETCH = {"X-Requested-With": "fetch"}

T = TypeVar("T")


def csrf_token_from(html: bytes) -> str:
    """The CSRF token of the page's form (its hidden field)."""
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        rb'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "the form carries a CSRF token"
    return match.group(1).decode()


def csrf_of(html: bytes) -> str:
    """The page's CSRF token (from the meta tag every page carries)."""
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1).decode()


def log_in(client, email: str, password: str = PASSWORD, follow: bool = False):
    """Log the test client in through the login form."""
    token = csrf_token_from(client.get("/login").data)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


def row(app, model, row_id):
    """A fresh copy of one row, read in its own app context."""
    with app.app_context():
        found = db.session.get(model, row_id)
        if found is not None:
            db.session.expunge(found)
        return found


# What every synthetic referral shares, whether sent as JSON, a form or service values.
REFERRAL = {
    "patient_sex": "female",
    "referring_physician": "Dr. Referrer",
    "referring_institution": "Riverside Hospital",
    "referring_email": "referrals@riverside.example.org",
    "first_opinion_source": "elsewhere",
    "site": "breast",
    "opinion_kind": "board",
}


def case_json(**overrides) -> dict:
    """A complete case body for POST /api/v1/cases."""
    body = {
        **REFERRAL,
        "patient_name": "Synthetic Patient",
        "patient_mrn": "MRN7654321",
        "patient_birth_date": "1961-02-03",
        "first_opinion_diagnosis": "Invasive ductal carcinoma, cT2N0",
        "first_opinion_treatment": "Lumpectomy then radiation",
        "clinical_question": "Is neoadjuvant therapy preferred over upfront surgery?",
        "priority": "urgent",
        "decision_due_on": (today() + timedelta(days=14)).isoformat(),
        "discussion_minutes": 6,
        "extra_specialties": ["genetics"],
        "insurer_notice": "required_not_sent",
        "records": [
            {"kind": "pathology_report", "requested_on": today().isoformat()},
            {"kind": "imaging", "received_on": today().isoformat()},
        ],
    }
    body.update(overrides)
    return body


def intake_form(**overrides) -> dict:
    """A complete case intake form for POST /cases/new (add the page's CSRF token)."""
    return {
        **REFERRAL,
        "patient_name": "Synthetic Intake",
        "patient_mrn": "MRN0000100",
        "patient_birth_date": "1962-07-04",
        "first_opinion_diagnosis": "Invasive ductal carcinoma",
        "clinical_question": "Is neoadjuvant therapy preferred?",
        "question_category": "treatment_plan",
        "priority": "urgent",
        "decision_due_on": (today() + timedelta(days=20)).isoformat(),
        "insurer_notice": "not_required",
        "record_kind": ["pathology_report", "imaging"],
        "received_imaging": (today() - timedelta(days=1)).isoformat(),
        **overrides,
    }


def patch_as_read(api, path: str, json: dict):
    """PATCH `path` with the ETag a fresh GET gives it, as a client editing what it just read."""
    etag = api.get(path).headers["ETag"]
    return api.patch(path, json=json, headers={"If-Match": etag})


def assert_error(response, status: int, code: str) -> None:
    """The response is the one JSON error shape, with this status and code."""
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code


def assert_field_refused(response, field: str, fragment: str) -> None:
    """A 422 in the error shape whose message for `field` mentions `fragment`."""
    assert_error(response, 422, "validation_failed")
    details = response.get_json()["error"]["details"]
    assert field in details, details
    assert fragment.lower() in str(details[field]).lower()


def assert_fields_missing(response, fields: tuple[str, ...]) -> None:
    """A 422 naming each required field that the body left out."""
    assert_error(response, 422, "validation_failed")
    details = response.get_json()["error"]["details"]
    for field in fields:
        assert details[field] == ["Missing data for required field."]


def feed_event(body: bytes, session_id: int):
    """The VEVENT of one session in a calendar feed."""
    calendar = icalendar.Calendar.from_ical(body)
    return next(
        e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"session-{session_id}@")
    )


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, headers=None, **kwargs):
        return self.client.open(
            path, method=method, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def wait_until(
    predicate: Callable[[], T], timeout: float, message: str = "", interval: float = 0.05
) -> T:
    """Poll `predicate` until it returns something truthy, and return that; fail after
    `timeout` seconds. The one place a test waits on the clock: between polls."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        assert time.monotonic() < deadline, message or f"not true within {timeout} s"
        time.sleep(interval)


def start_in_the_past(app, session_id: int, minutes: int = 30) -> None:
    """Let a session have started `minutes` ago, so its meeting can be finished."""
    with app.app_context():
        session = db.session.get(BoardSession, session_id)
        length = session.ends_at - session.starts_at
        session.starts_at = utcnow() - timedelta(minutes=minutes)
        session.ends_at = session.starts_at + length
        db.session.commit()
