"""Recorded errors get a fingerprint, a count and their context ids; the alert history (issue 18).

`error_log` rows become one per error fingerprint per window (an error storm is one row with a
count). `alerts` keeps every raised alert, its acknowledgement and its webhook messages.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("open_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("raised_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("cleared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by_user_id", sa.Integer(), nullable=True),
        sa.Column("raise_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("clear_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("send_after", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("send_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("send_abandoned", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["acknowledged_by_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_raised_at"), ["raised_at"], unique=False)

    with op.batch_alter_table("error_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "logger", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column(
                "fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_error_log_fingerprint_created_at", ["fingerprint", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("error_log", schema=None) as batch_op:
        batch_op.drop_index("ix_error_log_fingerprint_created_at")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("context")
        batch_op.drop_column("count")
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("logger")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_raised_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_key"))
    op.drop_table("alerts")
