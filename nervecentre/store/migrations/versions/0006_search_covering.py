"""search covering: an index that answers a police station's cases by FIR date

Revision ID: 0006_search_covering
Revises: 0005_web_sessions
Create Date: 2026-12-03 11:00:00

The unit filters (unit, status, district) are covered by ``search_cases_unit`` (0004). A
police station's cases over a period were not: they were read from every case of the
user's units. With the station, the FIR date and the unit in one index, their count and
their first page come from the index alone, the unit telling which ones the user may see.
No ANALYZE: the case list chooses SQLite's plans itself (``nervecentre.search.cases``).
"""

from alembic import op

revision = "0006_search_covering"
down_revision = "0005_web_sessions"
branch_labels = None
depends_on = None

_COLUMNS = ["police_station_code", "fir_at", "unit_code"]


def upgrade() -> None:
    op.create_index("ix_cases_station_fir_at", "cases", _COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cases_station_fir_at", table_name="cases")
