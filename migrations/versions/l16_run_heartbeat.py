"""schedule runs: owner and heartbeat, so runs of a dead process can be marked failed (l16_run_heartbeat after 993a88858f39)"""
from alembic import op
import sqlalchemy as sa
import board.common.models

# Alembic reads these two names; keep the chain of revisions linear.
revision, down_revision = 'l16_run_heartbeat', '993a88858f39'
branch_labels = depends_on = None


def upgrade():
    with op.batch_alter_table('schedule_runs', schema=None) as batch_op:
        # Runs recorded before this migration have no known owner: '' never matches a process.
        batch_op.add_column(sa.Column('owner', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('heartbeat_at', board.common.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('schedule_runs', schema=None) as batch_op:
        batch_op.alter_column('owner', server_default=None)


def downgrade():
    with op.batch_alter_table('schedule_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('owner')
