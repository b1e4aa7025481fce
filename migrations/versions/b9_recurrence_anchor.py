"""board recurrence anchor: the local day of the first session (b9_recurrence_anchor after b15_login_sessions)"""
import sqlalchemy as sa
from alembic import op

# Alembic reads these two names; keep the chain of revisions linear.
revision, down_revision = 'b9_recurrence_anchor', 'b15_login_sessions'
branch_labels = depends_on = None


def upgrade():
    with op.batch_alter_table("boards") as batch_op:
        batch_op.add_column(sa.Column("recurrence_starts_on", sa.Date(), nullable=True))
    # Existing boards keep the phase of their earliest generated session (else today).
    op.execute(
        "UPDATE boards SET recurrence_starts_on = COALESCE("
        " (SELECT MIN(occurrence_key) FROM board_sessions"
        "  WHERE board_sessions.board_id = boards.id AND occurrence_key IS NOT NULL),"
        " CURRENT_DATE)"
        if op.get_bind().dialect.name == "sqlite"
        else "UPDATE boards SET recurrence_starts_on = COALESCE("
        " (SELECT MIN(occurrence_key)::date FROM board_sessions"
        "  WHERE board_sessions.board_id = boards.id AND occurrence_key IS NOT NULL),"
        " CURRENT_DATE)"
    )
    with op.batch_alter_table("boards") as batch_op:
        batch_op.alter_column("recurrence_starts_on", existing_type=sa.Date(), nullable=False)


def downgrade():
    with op.batch_alter_table("boards") as batch_op:
        batch_op.drop_column("recurrence_starts_on")
