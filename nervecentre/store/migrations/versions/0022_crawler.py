"""The Crawler: leases on frontier URLs (several workers, one frontier), crawl schedules

Revision ID: 0022_crawler
Revises: 0021_crawl_leads
Create Date: 2026-12-07 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_crawler"
down_revision = "0021_crawl_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_urls") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("crawl_jobs") as batch:
        batch.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
    op.create_table(
        "crawl_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("every_hours", sa.Float(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_job_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_crawl_schedules_name")),
    )
    op.create_index(
        "ix_crawl_schedules_enabled_next_run_at", "crawl_schedules", ["enabled", "next_run_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_crawl_schedules_enabled_next_run_at", table_name="crawl_schedules")
    op.drop_table("crawl_schedules")
    with op.batch_alter_table("crawl_jobs") as batch:
        batch.drop_column("schedule_id")
    with op.batch_alter_table("crawl_urls") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
