"""Fixtures shared by every test that needs the app: a real database, a client, factories.

The database is SQLite by default; `TEST_DATABASE=postgresql` starts a real PostgreSQL
server from the `pgserver` package, and `TEST_DATABASE_URL` points at any other server.
"""

import os
from datetime import date, time, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from board import create_app
from board.accounts.services import create_api_token, create_user
from board.boards.models import Board
from board.boards.services import create_board
from board.cases.models import (
    CaseStatus,
    FirstOpinionSource,
    InsurerNotice,
    OpinionKind,
    Priority,
    RecordKind,
    Sex,
)
from board.cases.services import submit_case
from board.common.time import today
from board.extensions import db
from board.sessions.services import generate_sessions
from board.specialists.services import create_specialist
from board.vocabulary.services import seed_vocabularies
from tests.helpers import PASSWORD, REFERRAL, ApiClient, log_in


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """One database for the whole run, migrated from empty by Alembic."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
    elif os.environ.get("TEST_DATABASE", "sqlite") == "postgresql":
        import pgserver

        server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
        server.psql("CREATE DATABASE board_test;")
        yield server.get_uri("board_test")
        server.cleanup()  # now, while logging still works, rather than at interpreter exit
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": "localhost",
        # Hashing is deliberately slow; tests create hundreds of users.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **overrides,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def migrated_database(database_url) -> str:
    """Run every migration once, so the tests run on the schema production gets."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def shared_app(migrated_database):
    """One app for the run: building it is the slowest part of a test's setup."""
    app = make_app(migrated_database)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(shared_app):
    """The app on a database emptied before each test (vocabularies re-seeded); any
    configuration a test changes is put back afterwards."""
    saved = dict(shared_app.config)
    with shared_app.app_context():
        empty_database()
        seed_vocabularies()
        db.session.commit()
    yield shared_app
    with shared_app.app_context():
        db.session.remove()
    shared_app.config.clear()
    shared_app.config.update(saved)


def empty_database() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def another_app(app):
    """`another_app(**config)`: a second app on the same database, as another web worker
    would be (its own extensions and engine); module-level caches stay per process."""
    built = []

    def factory(**overrides):
        other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], **overrides)
        built.append(other)
        return other

    yield factory
    for other in built:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def strict(app):
    """The app answering a crash with the 500 a client gets, as in production."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


# --- factories: each fills sensible defaults and takes overrides ---------------------------


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def factory(role: str = "coordinator", **fields):
        with app.app_context():
            specialist_id = fields.pop("specialist_id", None)
            if role == "specialist" and specialist_id is None:
                specialist_id = make_specialist_row(f"u{next(counter)}")
            user = create_user(
                fields.pop("email", f"{role}{next(counter)}@example.org"),
                role,
                fields.pop("password", PASSWORD),
                specialist_id=specialist_id,
                **fields,
            )
            db.session.commit()
            return user.id, user.email

    return factory


def make_specialist_row(suffix: str) -> int:
    specialist = create_specialist(
        {"name": f"Dr. {suffix}", "email": f"dr.{suffix}@example.org", "specialty": "pathology"}
    )
    db.session.flush()
    return specialist.id


@pytest.fixture
def token_for(app, make_user):
    """An API token for a new user of `role` (scope write unless told otherwise)."""

    def factory(role: str = "coordinator", scope: str = "write") -> str:
        user_id, _email = make_user(role)
        with app.app_context():
            from board.accounts.models import User

            token = create_api_token(db.session.get(User, user_id), scope=scope)
            db.session.commit()
            return token

    return factory


@pytest.fixture
def login(client, make_user):
    """`login("coordinator")` logs the test client in with a new user of that role."""

    def factory(role: str = "coordinator", **fields) -> int:
        user_id, email = make_user(role, **fields)
        assert log_in(client, email).status_code == 302
        return user_id

    return factory


@pytest.fixture
def api_as(client, token_for):
    """`api_as("specialist")` gives an API client acting with that role."""

    def factory(role: str = "coordinator", scope: str = "write") -> ApiClient:
        return ApiClient(client, token_for(role, scope))

    return factory


@pytest.fixture
def api(api_as) -> ApiClient:
    """An API client acting as a coordinator."""
    return api_as("coordinator")


def board_fields(**overrides) -> dict:
    fields = {
        "name": "Breast Tumor Board",
        "sites": ["breast"],
        "required_specialties": ["surgical_oncology", "medical_oncology", "pathology"],
        "recurrence": "FREQ=WEEKLY;BYDAY=TU",
        "local_start_time": time(7, 0),
        "time_zone": "America/New_York",
        "duration_minutes": 60,
        "capacity_minutes": 60,
        "default_case_minutes": 5,
        "records_lead_business_days": 3,
        "agenda_freeze_hours": 24,
    }
    return {**fields, **overrides}


def case_fields(**overrides) -> dict:
    fields = {
        **REFERRAL,
        "patient_name": "Synthetic Patient",
        "patient_mrn": "MRN0000001",
        "patient_birth_date": date(1960, 5, 17),
        "first_opinion_diagnosis": "Invasive ductal carcinoma, cT2N0",
        "clinical_question": "Is neoadjuvant therapy preferred?",
        "decision_due_on": today() + timedelta(days=21),
        "records": [],
    }
    fields = {**fields, **overrides}
    fields["records"] = [{**item, "kind": RecordKind(item["kind"])} for item in fields["records"]]
    return fields


@pytest.fixture
def make_board(app):
    def factory(**overrides) -> int:
        with app.app_context():
            board = create_board(board_fields(**overrides))
            db.session.commit()
            return board.id

    return factory


@pytest.fixture
def make_specialist(app):
    counter = iter(range(1, 10_000))

    def factory(**overrides) -> int:
        number = next(counter)
        fields = {
            "name": f"Dr. Specialist {number}",
            "email": f"specialist{number}@example.org",
            "specialty": "pathology",
            **overrides,
        }
        with app.app_context():
            specialist = create_specialist(fields)
            db.session.commit()
            return specialist.id

    return factory


@pytest.fixture
def make_case(app):
    def factory(**overrides) -> int:
        fields = case_fields(**overrides)
        enums = {
            "patient_sex": Sex,
            "opinion_kind": OpinionKind,
            "priority": Priority,
            "insurer_notice": InsurerNotice,
            "first_opinion_source": FirstOpinionSource,
        }
        for name, enum_class in enums.items():
            if isinstance(fields.get(name), str):
                fields[name] = enum_class(fields[name])
        with app.app_context():
            case = submit_case(fields)
            db.session.commit()
            assert case.status == CaseStatus.SUBMITTED
            return case.id

    return factory


# --- a small center: one breast board with a full quorum and six weekly sessions ----------

QUORUM = ("surgical_oncology", "medical_oncology", "pathology")


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
