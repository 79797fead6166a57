"""the Crawler: jobs, their frontier and seen-set, hosts, findings, pages and keyword hits

Revision ID: 0015_crawler
Revises: 0014_token_scopes
Create Date: 2026-12-08 10:00:00

``crawl_urls`` is a job's frontier (rows still queued) and its seen-set (every row, unique by
the URL's key), so a killed crawl resumes from the database. Findings hold hashes and
evidence only, never media; ``crawl_pages`` keeps the HTML of pages where something matched.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_crawler"
down_revision = "0014_token_scopes"
branch_labels = None
depends_on = None


def _job_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["job_id"],
        ["crawl_jobs.id"],
        name=op.f(f"fk_{table}_job_id_crawl_jobs"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "crawl_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("seeds", sa.Text(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("pages_queued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_jobs")),
    )
    op.create_table(
        "crawl_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("found_as", sa.String(length=10), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=True),
        _job_fk("crawl_urls"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_urls")),
        sa.UniqueConstraint("job_id", "key", name=op.f("uq_crawl_urls_job_id_key")),
    )
    op.create_index(
        "ix_crawl_urls_job_id_state_id", "crawl_urls", ["job_id", "state", "id"], unique=False
    )
    op.create_table(
        "crawl_hosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("robots_status", sa.Integer(), nullable=True),
        sa.Column("robots_sha256", sa.String(length=64), nullable=True),
        sa.Column("robots_txt", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        _job_fk("crawl_hosts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_hosts")),
        sa.UniqueConstraint("job_id", "host", name=op.f("uq_crawl_hosts_job_id_host")),
    )
    op.create_table(
        "crawl_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("media_key", sa.String(length=64), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=False),
        sa.Column("media_url", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("server_ip", sa.String(length=64), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("pdq_quality", sa.Integer(), nullable=True),
        sa.Column("hashset", sa.String(length=120), nullable=False),
        sa.Column("entry", sa.String(length=120), nullable=False),
        sa.Column("signal", sa.String(length=10), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("page_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("audit_id", sa.BigInteger(), nullable=True),
        _job_fk("crawl_findings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_findings")),
        sa.UniqueConstraint("job_id", "media_key", name=op.f("uq_crawl_findings_job_id_media_key")),
    )
    op.create_index(op.f("ix_crawl_findings_sha256"), "crawl_findings", ["sha256"], unique=False)
    op.create_table(
        "crawl_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(length=40), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        _job_fk("crawl_pages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_pages")),
        sa.UniqueConstraint("job_id", "sha256", name=op.f("uq_crawl_pages_job_id_sha256")),
    )
    op.create_table(
        "crawl_keyword_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("page_key", sa.String(length=64), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=False),
        sa.Column("keyword", sa.String(length=400), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        _job_fk("crawl_keyword_hits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_keyword_hits")),
        sa.UniqueConstraint(
            "job_id",
            "page_key",
            "keyword",
            name=op.f("uq_crawl_keyword_hits_job_id_page_key_keyword"),
        ),
    )


def downgrade() -> None:
    op.drop_table("crawl_keyword_hits")
    op.drop_table("crawl_pages")
    op.drop_index(op.f("ix_crawl_findings_sha256"), table_name="crawl_findings")
    op.drop_table("crawl_findings")
    op.drop_table("crawl_hosts")
    op.drop_index("ix_crawl_urls_job_id_state_id", table_name="crawl_urls")
    op.drop_table("crawl_urls")
    op.drop_table("crawl_jobs")
