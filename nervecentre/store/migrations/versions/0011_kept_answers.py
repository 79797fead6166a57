"""kept answers: the generations under which processes keep text matches, rows and access

Revision ID: 0011_kept_answers
Revises: 0010_data_generations
Create Date: 2026-12-04 19:00:00

On SQLite each server process keeps, beside the case index (0010), what recent searches
read (``nervecentre.search.case_index``): the cases each free-text search matched, and the
rows of the pages it showed. A kept answer is used only while its generation counter is
where it was when the answer was read.

- ``data_generations.text`` (new) moves whenever what a word finds may change. The FTS5
  tables change only through ``fulltext.refresh``, which marks every refresh in
  ``search_state``; the rest is who takes part in which case (``case_roles``), whether a
  person is protected (their aliases are then not searched), which person an alias belongs
  to, and which identifiers occur in which case.
- ``data_generations.cases`` now also moves when a column the list's rows show changes:
  a case's key and crime heads, and a police station's (unit's) name.
- ``data_generations.access`` (new) moves on any change to who may see what: users, their
  units, grants, restrictions and the users named on them, and API tokens (all but
  ``last_used_at``, which the token check itself writes once a minute). Under it each
  process keeps each token's user and each user's visibility
  (``nervecentre.security.tokens``, ``nervecentre.security.access``).

An import pays about 4-5 % for these triggers (10,000 register rows: 5 % more wall time,
4 % more CPU, median of 8 paired runs): each register row writes some twenty rows
they watch.

PostgreSQL keeps no answers, so nothing is created there.
"""

import secrets

from alembic import op

revision = "0011_kept_answers"
down_revision = "0010_data_generations"
branch_labels = None
depends_on = None


def _bump(name: str) -> str:
    return f"UPDATE data_generations SET generation = generation + 1 WHERE name = '{name}';"


# table: the columns a text search reads (an UPDATE OF any of them moves the generation).
_TEXT_WATCHED = {
    "search_state": "tbl, last_id",
    "case_roles": "id, case_id, person_id",
    "persons": "id, protected",
    "person_aliases": "id, person_id",
    "identifiers": "id, kind, value",
    "identifier_uses": "id, case_id, identifier_id",
}
# table: the columns that decide access (None: every column).
_ACCESS_WATCHED: dict[str, str | None] = {
    "users": None,
    "user_units": None,
    "access_grants": None,
    "case_restrictions": None,
    "case_restriction_users": None,
    "api_tokens": "id, user_id, name, token_sha256, prefix, created_at, expires_at, revoked_at",
}
# The cases' columns that move 'cases', before (0010) and after this revision.
_CASES_BEFORE = (
    "id, unit_code, district_code, police_station_code, status, fir_number, fir_year, fir_at"
)
_CASES_AFTER = _CASES_BEFORE + ", case_key, crime_heads"
_UNITS = "code, name"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _triggers(prefix: str, table: str, columns: str | None, counter: str) -> None:
    for event in ("INSERT", "DELETE", f"UPDATE OF {columns}" if columns else "UPDATE"):
        name = f"{prefix}_{table}_{event.split()[0].lower()}"
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_bump(counter)} END")


def _cases_update(columns: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS generation_cases_update")
    op.execute(
        f"CREATE TRIGGER generation_cases_update AFTER UPDATE OF {columns} ON cases "
        f"BEGIN {_bump('cases')} END"
    )


def upgrade() -> None:
    if not _sqlite():
        return
    # A random start: another database (a restored copy, say) is never taken for this one.
    for name in ("text", "access"):
        start = secrets.randbelow(1 << 62)
        op.execute(f"INSERT INTO data_generations (name, generation) VALUES ('{name}', {start})")
    for table, columns in _TEXT_WATCHED.items():
        _triggers("text_generation", table, columns, "text")
    for table, maybe in _ACCESS_WATCHED.items():
        _triggers("access_generation", table, maybe, "access")
    _cases_update(_CASES_AFTER)
    _triggers("generation", "units", _UNITS, "cases")


def downgrade() -> None:
    if not _sqlite():
        return
    for table in (*_TEXT_WATCHED, "units"):
        prefix = "generation" if table == "units" else "text_generation"
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {prefix}_{table}_{event}")
    for table in _ACCESS_WATCHED:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS access_generation_{table}_{event}")
    _cases_update(_CASES_BEFORE)
    op.execute("DELETE FROM data_generations WHERE name IN ('text', 'access')")
