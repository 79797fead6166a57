"""data generations: a counter that moves whenever what the case list filters on changes

Revision ID: 0010_data_generations
Revises: 0009_victim_identifiers
Create Date: 2026-12-03 14:00:00

On SQLite the case list answers from an in-memory index of its filter and sort columns
(``nervecentre.search.case_index``). The index is used only while it is exact: it remembers
the generation it was read at, and triggers move ``data_generations.cases`` on every insert,
delete or change of a column it holds (cases' unit, district, station, status, FIR number,
year and date; charges' sections; district names, which order the district sort). SQLite
has one writer at a time, so the counter adds no waiting; an import that writes 100,000
cases pays about 1 % for it.

PostgreSQL has no such index (its planner has statistics, and a counter row would make
every writer wait for an import's transaction), so nothing is created there.
"""

import secrets

from alembic import op

revision = "0010_data_generations"
down_revision = "0009_victim_identifiers"
branch_labels = None
depends_on = None

_BUMP = "UPDATE data_generations SET generation = generation + 1 WHERE name = 'cases';"
# table: the columns the index holds (an UPDATE OF any of them moves the generation).
_WATCHED = {
    "cases": "id, unit_code, district_code, police_station_code, status, fir_number, "
    "fir_year, fir_at",
    "charges": "id, case_id, section_key",
    "districts": "code, name",
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        return
    op.execute(
        "CREATE TABLE data_generations (name TEXT PRIMARY KEY, generation INTEGER NOT NULL)"
        " WITHOUT ROWID"
    )
    # A random start: another database (a restored copy, say) is never taken for this one.
    start = secrets.randbelow(1 << 62)
    op.execute(f"INSERT INTO data_generations (name, generation) VALUES ('cases', {start})")
    for table, columns in _WATCHED.items():
        for event in ("INSERT", "DELETE", f"UPDATE OF {columns}"):
            name = f"generation_{table}_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_BUMP} END")


def downgrade() -> None:
    if not _sqlite():
        return
    for table in _WATCHED:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS generation_{table}_{event}")
    op.execute("DROP TABLE IF EXISTS data_generations")
