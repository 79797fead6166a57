"""the secret key's fingerprint kept in the database

Revision ID: 0013_key_fingerprint
Revises: 0012_audit_targets
Create Date: 2026-12-07 13:30:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0013_key_fingerprint"
down_revision = "0012_audit_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
