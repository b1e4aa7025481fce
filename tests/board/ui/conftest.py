"""Browser-page fixtures: logged-in clients by role and a small center with sessions."""

import re
from datetime import timedelta

import pytest

from board.boards.models import Board
from board.common.validation import today
from board.extensions import db
from board.sessions.services import generate_sessions
from tests.board.accounts.test_login import log_in

QUORUM = ("surgical_oncology", "medical_oncology", "pathology")


def csrf_of(html: bytes) -> str:
    """The page's CSRF token (from the meta tag every page carries)."""
    match = re.search(rb'name="csrf-token" content="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1).decode()


@pytest.fixture
def login(client, make_user):
    """`login("coordinator")` logs the test client in with a new user of that role."""

    def factory(role: str = "coordinator", **fields) -> int:
        user_id, email = make_user(role, **fields)
        assert log_in(client, email).status_code == 302
        return user_id

    return factory


@pytest.fixture
def center(app, make_board, make_specialist):
    """A breast board with a full quorum and six weekly sessions starting tomorrow."""
    board_id = make_board(required_specialties=list(QUORUM))
    people = {
        specialty: make_specialist(specialty=specialty, boards=[board_id], sites=["breast"])
        for specialty in QUORUM
    }
    with app.app_context():
        board = db.session.get(Board, board_id)
        sessions = generate_sessions(board, today() + timedelta(days=1), weeks=6)
        db.session.commit()
        session_ids = [s.id for s in sorted(sessions, key=lambda s: s.starts_at)]
    return {"board_id": board_id, "people": people, "sessions": session_ids}


@pytest.fixture
def ready_case(app, make_case):
    """A case with its records in, moved to ready."""

    def factory(**overrides) -> int:
        from board.cases.models import Case, CaseStatus
        from board.cases.services import transition_case

        received = today() - timedelta(days=20)
        fields = {
            "records": [{"kind": "pathology_report", "received_on": received}],
            "decision_due_on": today() + timedelta(days=40),
            **overrides,
        }
        case_id = make_case(**fields)
        with app.app_context():
            transition_case(db.session.get(Case, case_id), CaseStatus.READY, "test")
            db.session.commit()
        return case_id

    return factory


def row(app, model, row_id):
    """A fresh copy of one row, read in its own app context."""
    with app.app_context():
        found = db.session.get(model, row_id)
        if found is not None:
            db.session.expunge(found)
        return found
