"""`flask board ...` commands."""

from board.accounts.models import User
from board.extensions import db


def test_create_user_and_token_then_use_it(app, runner, client):
    result = runner.invoke(
        args=[
            "board",
            "create-user",
            "lead@example.org",
            "--role",
            "coordinator",
            "--password",
            "a long enough pw",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created coordinator lead@example.org" in result.output

    result = runner.invoke(args=["board", "create-token", "lead@example.org"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert (
        client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )

    result = runner.invoke(args=["board", "revoke-token", secret[:10]])
    assert result.exit_code == 0 and "Revoked 1" in result.output
    assert (
        client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_create_user_rejects_bad_input_without_writing(app, runner):
    result = runner.invoke(
        args=["board", "create-user", "nobody", "--role", "coordinator", "--password", "short"]
    )
    assert result.exit_code == 2
    assert "email:" in result.output and "password:" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_create_token_for_unknown_user_fails(runner):
    result = runner.invoke(args=["board", "create-token", "ghost@example.org"])
    assert result.exit_code == 2
    assert "No user" in result.output


def test_seed_demo_fills_an_empty_database_once(app, runner):
    from board.boards.models import Board
    from board.cases.models import Case, CaseStatus
    from board.specialists.models import Specialist

    result = runner.invoke(args=["board", "seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        boards = db.session.scalars(db.select(Board)).all()
        assert len(boards) == 8
        assert db.session.scalar(db.select(db.func.count()).select_from(Specialist)) >= 40
        statuses = set(db.session.scalars(db.select(Case.status)))
        assert statuses == set(CaseStatus)
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 120
        # every board's required specialties have members
        for board in boards:
            members = db.session.scalars(
                db.select(Specialist).where(Specialist.boards.any(Board.id == board.id))
            ).all()
            covered = {member.specialty_code for member in members}
            assert set(board.required_specialty_codes) <= covered, board.name
    again = runner.invoke(args=["board", "seed-demo"])
    assert "already has boards" in again.output
