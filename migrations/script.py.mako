"""${message} (revision ${up_revision} after ${down_revision | comma,n}, ${create_date})"""
from alembic import op
import sqlalchemy as sa

import board.common.models
${imports if imports else ""}
# Alembic reads these two names; keep the chain of revisions linear.
revision, down_revision = ${repr(up_revision)}, ${repr(down_revision)}
branch_labels = depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
