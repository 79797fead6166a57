"""resolve incremental: a keyed fingerprint per person record for incremental resolution

Revision ID: 0017_resolve_incremental
Revises: 0016_entities
Create Date: 2026-12-07 16:30:00

``resolution_fingerprints`` keeps, per person record, an HMAC (under the installation's
key) of the fields resolution reads, so that a run after an import compares only new and
changed records. Ids and digests only: no name or contact.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_resolve_incremental"
down_revision = "0016_entities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolution_fingerprints",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_resolution_fingerprints_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["resolution_runs.id"],
            name=op.f("fk_resolution_fingerprints_run_id_resolution_runs"),
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_resolution_fingerprints")),
    )


def downgrade() -> None:
    op.drop_table("resolution_fingerprints")
