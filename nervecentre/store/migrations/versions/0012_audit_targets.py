"""audit entries tied to their targets (need-to-know on the audit log)

Revision ID: 0012_audit_targets
Revises: 0011_kept_answers
Create Date: 2026-12-07 13:30:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0012_audit_targets"
down_revision = "0011_kept_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
