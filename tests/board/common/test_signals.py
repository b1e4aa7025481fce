"""Cross-domain effects are announced with signals; each one has its receiver in the app."""

from datetime import timedelta

import pytest

from board.boards.models import Board
from board.cases.models import Case
from board.common import signals
from board.common.time import utcnow
from board.extensions import db
from board.sessions.models import BoardSession
from board.specialists.models import Specialist


@pytest.mark.parametrize(
    "announcement",
    [
        signals.session_changed,
        signals.board_changed,
        signals.site_renamed,
        signals.case_shown_fields_changed,
        signals.case_leaving_agendas,
    ],
)
def test_every_announced_change_has_a_receiver(app, announcement):
    assert announcement.receivers, f"nothing acts on {announcement.name}"


@pytest.mark.parametrize(
    ("page", "provided"),
    [
        ("cases/page", {"placement", "outcomes"}),
        ("specialists/page", {"tokens"}),
        ("boards/page", {"tokens"}),
    ],
)
def test_pages_get_the_parts_other_domains_own(app, center, ready_case, page, provided):
    case_id = ready_case()
    with app.test_request_context():
        objects = {
            "cases/page": {"case": db.session.get(Case, case_id)},
            "specialists/page": {"specialist": db.session.scalars(db.select(Specialist)).first()},
            "boards/page": {"board": db.session.scalars(db.select(Board)).first()},
        }[page]
        assert provided <= signals.contributed_context(page, **objects).keys()


def test_announcing_a_session_change_bumps_its_calendar_sequence(app, center):
    with app.app_context():
        session = db.session.get(BoardSession, center["sessions"][0])
        before = session.sequence
        session.content_changed_at = yesterday = utcnow() - timedelta(days=1)
        signals.session_changed.send(session)
        assert session.sequence == before + 1 and session.content_changed_at > yesterday
        db.session.rollback()
