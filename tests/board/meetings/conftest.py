"""Meeting-mode fixtures: the first session of the center, published with ready cases."""

import pytest

from board.agendas.services import place_case, publish_agenda
from board.cases.models import Case
from board.extensions import db
from board.sessions.models import BoardSession
from tests.helpers import start_in_the_past


@pytest.fixture
def publish_first_session(app, center, ready_case):
    """`publish_first_session(cases=2)`: place that many ready cases on the center's first
    session, publish its agenda and let it have started; gives the session id and the case ids."""

    def factory(cases: int) -> dict:
        session_id = center["sessions"][0]
        case_ids = tuple(ready_case() for _ in range(cases))
        with app.app_context():
            session = db.session.get(BoardSession, session_id)
            for case_id in case_ids:
                place_case(db.session.get(Case, case_id), session, None)
            publish_agenda(session)
            db.session.commit()
        start_in_the_past(app, session_id)  # a meeting can be finished once it has started
        return {"session": session_id, "cases": case_ids}

    return factory


@pytest.fixture
def meeting(publish_first_session):
    """A published session with two cases."""
    return publish_first_session(cases=2)


@pytest.fixture
def published(publish_first_session):
    """The first session, published with one case."""
    return publish_first_session(cases=1)["session"]
