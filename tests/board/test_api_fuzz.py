"""Schemathesis against the OpenAPI document: no 5xx, every response matches its schema.

Every generated request is sent once with the token of each role, on a throwaway database
of its own holding the demo center; linked sequences (what one call creates, the next uses) run
as a coordinator. Revoking a token (`DELETE /tokens/{id}`) could revoke
the fuzzer's own; it runs last, with fresh tokens for every example.
"""

import pytest
import schemathesis
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy import create_engine, make_url, text

from board import create_app
from board.accounts.models import User
from board.accounts.services import create_api_token
from board.demo.seed import DEMO_LOGINS, seed_demo
from board.extensions import db

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
ROLES = {"admin": "write", "coordinator": "write", "specialist": "write", "read-only": "read"}
FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same requests on every run, so the suite is repeatable
    database=None,
    suppress_health_check=list(HealthCheck),
)
REVOKES_TOKENS = {"method": "DELETE", "path": "/api/v1/tokens/{token_id}"}


@pytest.fixture(scope="module")
def fuzz_app(migrated_database, tmp_path_factory):
    """The app on a database of its own, dropped afterwards."""
    url = make_url(migrated_database)
    if url.get_backend_name() == "sqlite":
        fuzz_url = str(url.set(database=str(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3")))
        admin = None
    else:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS board_fuzz WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE board_fuzz"))
        fuzz_url = url.set(database="board_fuzz").render_as_string(hide_password=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "fuzz",
            "SQLALCHEMY_DATABASE_URI": fuzz_url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SCHEDULER_TIME_LIMIT_SECONDS": 0.5,
        }
    )
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS board_fuzz WITH (FORCE)"))
        admin.dispose()


def issue_tokens(app) -> dict[str, str]:
    """A new token for each role, from the demo's users."""
    emails = {role: email for email, role in DEMO_LOGINS["users"]}
    with app.app_context():
        tokens = {}
        for role, scope in ROLES.items():
            email = emails["coordinator" if role == "read-only" else role]
            user = db.session.scalar(db.select(User).where(User.email == email))
            tokens[role] = create_api_token(user, scope=scope, label=f"fuzz {role}")
        db.session.commit()
        return tokens


@pytest.fixture(scope="module")
def tokens(fuzz_app) -> dict[str, str]:
    return issue_tokens(fuzz_app)


def load_schema():
    """The OpenAPI document, read from an app on a database it never opens.

    Loaded at import because schemathesis' lazy `from_fixture` loader does not run on
    pytest 9 (it sets `node._nodeid`); requests go to `fuzz_app` all the same.
    """
    spec_app = create_app(
        {"TESTING": True, "SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", spec_app)


schema = load_schema()


def call_as_every_role(case, app, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, app=app)


@schema.exclude(**REVOKES_TOKENS).parametrize()
@FUZZ
def test_api_operation(case, fuzz_app, tokens):
    call_as_every_role(case, fuzz_app, tokens)


def test_linked_operations_in_sequence(fuzz_app):
    """Sequences that use what one call created in the next (links schemathesis infers from
    the Location headers and ids), as a coordinator."""
    headers = {"Authorization": f"Bearer {issue_tokens(fuzz_app)['coordinator']}"}

    class Workflow(schema.exclude(**REVOKES_TOKENS).as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers, "app": fuzz_app}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, recorder=self.recorder)

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=15,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@schema.include(**REVOKES_TOKENS).parametrize()
@FUZZ
def test_revoking_a_token_last_with_fresh_tokens(case, fuzz_app):
    call_as_every_role(case, fuzz_app, issue_tokens(fuzz_app))
