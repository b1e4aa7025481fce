"""Browser-page fixtures: logged-in clients by role and a small center with sessions."""

import re

import pytest

from board.extensions import db
from tests.board.accounts.test_login import log_in


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


def row(app, model, row_id):
    """A fresh copy of one row, read in its own app context."""
    with app.app_context():
        found = db.session.get(model, row_id)
        if found is not None:
            db.session.expunge(found)
        return found
