"""hash sets: known-material hash lists, their versions and entries

Revision ID: 0002_hashsets
Revises: 0001_registry
Create Date: 2026-11-23 01:16:27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_hashsets"
down_revision = "0001_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hash_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("classification", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_sets")),
        sa.UniqueConstraint("name", name=op.f("uq_hash_sets_name")),
    )
    op.create_table(
        "hash_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.Integer(), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("photodna", sa.Text(), nullable=True),
        sa.Column("precategorized", sa.Boolean(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.Column("added_version", sa.Integer(), nullable=False),
        sa.Column("seen_version", sa.Integer(), nullable=False),
        sa.Column("removed_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["hash_sets.id"],
            name=op.f("fk_hash_entries_set_id_hash_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_entries")),
        sa.UniqueConstraint("set_id", "key", name=op.f("uq_hash_entries_set_id_key")),
    )
    op.create_index(op.f("ix_hash_entries_md5"), "hash_entries", ["md5"])
    op.create_index(op.f("ix_hash_entries_sha1"), "hash_entries", ["sha1"])
    op.create_index(op.f("ix_hash_entries_sha256"), "hash_entries", ["sha256"])
    op.create_table(
        "hash_set_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("format_version", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=400), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("entries_read", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["hash_sets.id"],
            name=op.f("fk_hash_set_versions_set_id_hash_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_set_versions")),
        sa.UniqueConstraint("set_id", "number", name=op.f("uq_hash_set_versions_set_id_number")),
    )


def downgrade() -> None:
    op.drop_table("hash_set_versions")
    op.drop_index(op.f("ix_hash_entries_sha256"), table_name="hash_entries")
    op.drop_index(op.f("ix_hash_entries_sha1"), table_name="hash_entries")
    op.drop_index(op.f("ix_hash_entries_md5"), table_name="hash_entries")
    op.drop_table("hash_entries")
    op.drop_table("hash_sets")
