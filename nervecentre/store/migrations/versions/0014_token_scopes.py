"""API token scopes and expiry; sessions ended on password reset

Revision ID: 0014_token_scopes
Revises: 0013_key_fingerprint
Create Date: 2026-12-07 13:30:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0014_token_scopes"
down_revision = "0013_key_fingerprint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
