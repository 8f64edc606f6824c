"""Write conflicts with their time, and sync_jobs indexed by start and finish: the success metrics'
per-hour and per-day figures.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "write_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("write_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_write_conflicts_at"), ["at"], unique=False)
    op.create_index("ix_sync_jobs_started_at", "sync_jobs", ["started_at"], unique=False)
    op.create_index("ix_sync_jobs_finished_at", "sync_jobs", ["finished_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sync_jobs_finished_at", table_name="sync_jobs")
    op.drop_index("ix_sync_jobs_started_at", table_name="sync_jobs")
    with op.batch_alter_table("write_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_write_conflicts_at"))
    op.drop_table("write_conflicts")
