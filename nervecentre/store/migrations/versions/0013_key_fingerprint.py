"""the secret key's fingerprint kept in the database

Revision ID: 0013_key_fingerprint
Revises: 0012_audit_targets
Create Date: 2026-12-07 13:30:00

One row naming the key the database's fields are encrypted under (an HMAC under the key,
never the key), so that a command or server with another key is refused before it writes.
A database from before this has none: the first command that finds the key reads its
encrypted fields records it (nervecentre.security.keys).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_key_fingerprint"
down_revision = "0012_audit_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_fingerprint",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_key_fingerprint_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_fingerprint")),
    )


def downgrade() -> None:
    op.drop_table("key_fingerprint")
