"""login failures: the per-address sign-in throttle, shared by every server process

Revision ID: 0008_login_failures
Revises: 0007_import_source
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_login_failures"
down_revision = "0007_import_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_ip_at", "login_failures", ["ip", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_ip_at", table_name="login_failures")
    op.drop_table("login_failures")
