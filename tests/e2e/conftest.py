"""A real server on a free loopback port, a migrated temporary database, real Chromium."""

import threading
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from board import create_app
from board.accounts.services import create_user
from board.boards.services import create_board
from board.cases.models import CaseStatus, RecordKind
from board.cases.services import submit_case, transition_case
from board.common.time import today
from board.extensions import db
from board.feeds.services import issue_feed_token
from board.sessions.services import generate_sessions
from board.specialists.services import create_specialist
from board.vocabulary.services import seed_vocabularies
from tests.helpers import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def seed_center() -> dict:
    """One breast board meeting every weekday, its quorum, a coordinator and a ready case."""
    seed_vocabularies()
    board = create_board(
        {
            "name": "Breast Tumor Board",
            "sites": ["breast"],
            "required_specialties": ["surgical_oncology", "medical_oncology", "pathology"],
            "recurrence": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "local_start_time": time(7, 0),
            "time_zone": "America/New_York",
            "duration_minutes": 60,
            "capacity_minutes": 60,
            "default_case_minutes": 10,
            "records_lead_business_days": 0,
            "agenda_freeze_hours": 0,
            "location": "Conference room 4B",
        }
    )
    people = {}
    for number, specialty in enumerate(
        ("surgical_oncology", "medical_oncology", "pathology"), start=1
    ):
        people[specialty] = create_specialist(
            {
                "name": f"Dr. {specialty.split('_')[0].capitalize()} {number}",
                "email": f"dr{number}@example.org",
                "specialty": specialty,
                "boards": [board.id],
                "sites": ["breast"],
            }
        )
    db.session.flush()
    coordinator = create_user("coordinator@example.org", "coordinator", PASSWORD, name="Casey")
    generate_sessions(board, today() + timedelta(days=2), weeks=3)
    waiting = submit_case(
        {
            "patient_name": "Synthetic Waiting",
            "patient_mrn": "MRN0000099",
            "patient_birth_date": date(1955, 3, 1),
            "patient_sex": "female",
            "referring_physician": "Dr. Referrer",
            "referring_institution": "Riverside Hospital",
            "referring_email": "referrals@riverside.example.org",
            "first_opinion_source": "elsewhere",
            "first_opinion_diagnosis": "Invasive lobular carcinoma, cT1N0",
            "site": "breast",
            "opinion_kind": "board",
            "clinical_question": "Is sentinel node biopsy enough?",
            "decision_due_on": today() + timedelta(days=20),
            "records": [
                {"kind": RecordKind.PATHOLOGY_REPORT, "received_on": today() - timedelta(days=3)}
            ],
        }
    )
    transition_case(waiting, CaseStatus.READY, "Records in")
    _token, secret = issue_feed_token(specialist_id=people["pathology"].id, label="work")
    db.session.commit()
    return {"coordinator": coordinator.email, "feed_secret": secret, "waiting": waiting.reference}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served by werkzeug in a thread, on a migrated SQLite file."""
    database = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SCHEDULER_TIME_LIMIT_SECONDS": 5.0,
        }
    )
    with app.app_context():
        upgrade()
        seeded = seed_center()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, **seeded}
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shoot():
    """Save a full-page screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save
