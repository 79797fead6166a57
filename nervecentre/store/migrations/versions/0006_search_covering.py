"""search covering: an index that answers the case list's filters without the table

Revision ID: 0006_search_covering
Revises: 0005_web_sessions
Create Date: 2026-12-03 11:00:00

A unit-bound user's searches start from their units; with status, FIR date, district and
police station in the same index, counts and pages of the usual filters read the index
only, never the wide case rows.
"""

from alembic import op

revision = "0006_search_covering"
down_revision = "0005_web_sessions"
branch_labels = None
depends_on = None

_COLUMNS = ["unit_code", "status", "fir_at", "district_code", "police_station_code"]


def upgrade() -> None:
    op.create_index("ix_cases_unit_filters", "cases", _COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cases_unit_filters", table_name="cases")
