"""Write conflicts with their time (the success metrics' per-hour and per-day figures).

Revision ID: 0004
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
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


def downgrade() -> None:
    with op.batch_alter_table("write_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_write_conflicts_at"))
    op.drop_table("write_conflicts")
