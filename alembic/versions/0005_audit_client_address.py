"""The admin audit log records the client address each action came from (behind a trusted proxy,
the visitor's own: README "Production", TRUSTED_PROXIES).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("admin_audit_log") as batch:
        batch.add_column(sa.Column("client_ip", sa.String(length=45), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("admin_audit_log") as batch:
        batch.drop_column("client_ip")
