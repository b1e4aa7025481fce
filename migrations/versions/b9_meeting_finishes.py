"""meeting finishes: what finishing a meeting changed, for undo (b9_meeting_finishes after b9_recurrence_anchor)"""
import sqlalchemy as sa
from alembic import op
import board.common.models

# Alembic reads these two names; keep the chain of revisions linear.
revision, down_revision = 'b9_meeting_finishes', 'b9_recurrence_anchor'
branch_labels = depends_on = None


def upgrade():
    op.create_table(
        "meeting_finishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column(
            "finished_at", board.common.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("finished_by_user_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", board.common.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by_user_id", sa.Integer(), nullable=True),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finished_by_user_id"],
            ["users.id"],
            name=op.f("fk_meeting_finishes_finished_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["board_sessions.id"],
            name=op.f("fk_meeting_finishes_session_id_board_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_user_id"],
            ["users.id"],
            name=op.f("fk_meeting_finishes_undone_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_finishes")),
    )
    with op.batch_alter_table("meeting_finishes") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_finishes_session_id"), ["session_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("meeting_finishes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_finishes_session_id"))
    op.drop_table("meeting_finishes")
