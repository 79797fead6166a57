"""Arachnid's loop: network delegation blocks, re-checks of findings, takedown notices

Revision ID: 0021_crawl_leads
Revises: 0020_library
Create Date: 2026-12-07 16:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_crawl_leads"
down_revision = "0020_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_findings") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "network_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=120), nullable=False),
        sa.Column("first", sa.String(length=32), nullable=False),
        sa.Column("last", sa.String(length=32), nullable=False),
        sa.Column("asn", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=120), nullable=True),
        sa.Column("abuse_contact", sa.String(length=300), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_blocks")),
    )
    op.create_index("ix_network_blocks_first", "network_blocks", ["first"])
    op.create_table(
        "crawl_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("server_ip", sa.String(length=64), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["crawl_findings.id"],
            name=op.f("fk_crawl_checks_finding_id_crawl_findings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_checks")),
    )
    op.create_index(
        "ix_crawl_checks_finding_id_checked_at", "crawl_checks", ["finding_id", "checked_at"]
    )
    op.create_table(
        "crawl_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_notices")),
    )


def downgrade() -> None:
    op.drop_table("crawl_notices")
    op.drop_index("ix_crawl_checks_finding_id_checked_at", table_name="crawl_checks")
    op.drop_table("crawl_checks")
    op.drop_index("ix_network_blocks_first", table_name="network_blocks")
    op.drop_table("network_blocks")
    with op.batch_alter_table("crawl_findings") as batch:
        batch.drop_column("removed_at")
