"""A small center for scheduling tests: one breast board with a full quorum and sessions."""

from datetime import timedelta

import pytest

from board.boards.models import Board
from board.common.validation import today
from board.extensions import db
from board.sessions.services import generate_sessions

QUORUM = ("surgical_oncology", "medical_oncology", "pathology")


@pytest.fixture
def center(app, make_board, make_specialist):
    """Board id, specialist ids by specialty, and session ids in time order."""
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
def ready_case(api, make_case):
    """A case with every record received long ago, moved to ready."""

    def factory(**overrides) -> int:
        received = today() - timedelta(days=20)
        fields = {
            "records": [{"kind": "pathology_report", "received_on": received}],
            "decision_due_on": today() + timedelta(days=40),
            **overrides,
        }
        case_id = make_case(**fields)
        moved = api.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "ready"})
        assert moved.status_code == 200, moved.get_json()
        return case_id

    return factory
