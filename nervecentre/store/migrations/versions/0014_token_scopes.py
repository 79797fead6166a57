"""API token scopes and expiry; sessions ended on password reset

Revision ID: 0014_token_scopes
Revises: 0013_key_fingerprint
Create Date: 2026-12-07 13:30:00

The login throttle counts failures per username as well as per address
(``login_failures.username``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_token_scopes"
down_revision = "0013_key_fingerprint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(
            sa.Column("username", sa.String(length=64), nullable=False, server_default="")
        )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_username_at", table_name="login_failures")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("username")
