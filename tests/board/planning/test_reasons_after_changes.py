"""Every change carries a reason a coordinator can act on, also after the scheduler's word."""

from datetime import UTC, datetime, time, timedelta

from board.agendas.deadlines import cutoff_for, enforce_records_cutoffs
from board.agendas.models import AgendaItem
from board.cases.models import Case, CaseStatus, RecordItem
from board.common.time import utcnow
from board.extensions import db
from board.planning.models import CasePlacementNote
from board.planning.services import get_case_placement, run_assignment
from board.sessions.models import BoardSession


def test_a_case_removed_at_its_records_cutoff_says_why(app, center, ready_case, make_user):
    make_user("coordinator")
    case_id = ready_case()
    with app.app_context():
        run_assignment("scheduled")
        db.session.commit()
        item = db.session.scalar(db.select(AgendaItem).where(AgendaItem.case_id == case_id))
        assert item.session_id == center["sessions"][0]
        note = db.session.get(CasePlacementNote, case_id)
        assert note.reason.startswith("Placed on Breast Tumor Board on ")  # not empty
        # The slides turn out to be missing, and the first session's cutoff passes.
        db.session.add(RecordItem(case_id=case_id, kind="slides_blocks"))
        db.session.flush()
        cutoff = cutoff_for(item.session)
        enforce_records_cutoffs(
            max(utcnow(), datetime.combine(cutoff + timedelta(days=1), time(17), tzinfo=UTC))
        )
        db.session.commit()
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.AWAITING_RECORDS
        placement = get_case_placement(case)
        session = db.session.get(BoardSession, center["sessions"][0])
    assert placement["session"] is None
    assert "Records cutoff" in placement["reason"] and "missed" in placement["reason"]
    assert "has not considered" not in placement["reason"]
    assert session.board.name in placement["reason"]
