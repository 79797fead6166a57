"""API token scopes and expiry; sessions ended on password reset

Revision ID: 0014_token_scopes
Revises: 0013_key_fingerprint
Create Date: 2026-12-07 13:30:00

API tokens get a scope (``api_tokens.scope``): what they may do at most. Tokens made
before this revision could do whatever their user's role allowed, and keep that
(``read-write``); new ones are read-only unless made otherwise. The login throttle counts
failures per username as well as per address (``login_failures.username``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_token_scopes"
down_revision = "0013_key_fingerprint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no table rebuild on SQLite: api_tokens' triggers stay as they are.
    op.add_column(
        "api_tokens",
        sa.Column("scope", sa.String(length=20), nullable=False, server_default="read-write"),
    )
    op.add_column(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False, server_default=""),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_username_at", table_name="login_failures")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would lose api_tokens' triggers.
    op.drop_column("login_failures", "username")
    op.drop_column("api_tokens", "scope")
