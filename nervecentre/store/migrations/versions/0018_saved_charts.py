"""saved charts: link charts kept with a case

Revision ID: 0018_saved_charts
Revises: 0017_resolve_incremental
Create Date: 2026-12-07 16:20:00

A saved chart holds node ids, positions and the analyst's choices as JSON, never labels or
values: reopening rebuilds it under the viewer's need-to-know (nervecentre.graph.charts).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_saved_charts"
down_revision = "0017_resolve_incremental"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_charts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_saved_charts_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_saved_charts_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_charts")),
    )
    op.create_index("ix_saved_charts_case", "saved_charts", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_charts_case", table_name="saved_charts")
    op.drop_table("saved_charts")
