"""search: full-text indexes for the case list

Revision ID: 0004_search
Revises: 0003_security
Create Date: 2026-12-01 20:00:00

What the case list's text box searches, indexed by each backend's own full-text engine so
that a search stays fast at 100,000+ cases while the bulk import pays little:

- PostgreSQL: GIN expression indexes on ``to_tsvector``, maintained by PostgreSQL itself.
- SQLite: contentless FTS5 tables, brought up to date in bulk. FTS5 writes its index out
  at the end of every statement, and imports insert row by row (``executemany``), so a
  trigger feeding FTS5 directly would make an import several times slower. Instead
  ``search_state`` remembers the highest id indexed per table: rows above it are new.
  Triggers note only what that cannot tell: rows at or below it that change or go
  (``search_queue``, with the text the index holds, which a contentless table needs to
  forget it). ``nervecentre.search.fulltext.refresh_index`` indexes all of it with a few
  statements per table, before a text search or after an import.

Three documents: a case's own text (FIR number, case key, place, investigating officer,
crime-head codes, brief facts); a person's name, never a protected person's (it is empty);
an alias. Every object is named ``search_…``: derived data that no model declares.
"""

from alembic import op

revision = "0004_search"
down_revision = "0003_security"
branch_labels = None
depends_on = None

# ---- SQLite ---------------------------------------------------------------------------
_FTS = "fts5({col}, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2')"
_SQLITE_DOCS = {
    # table: (FTS table, its column, the document over row {r}, the columns it is made of)
    "cases": (
        "search_cases",
        "body",
        "{r}.fir_number || '/' || {r}.fir_year || ' ' || {r}.case_key || ' ' || "
        "{r}.occurrence_place || ' ' || {r}.investigating_officer || ' ' || "
        "{r}.crime_heads || ' ' || {r}.brief_facts",
        "id, fir_number, fir_year, case_key, occurrence_place, investigating_officer, "
        "crime_heads, brief_facts",
    ),
    "persons": (
        "search_persons",
        "name",
        "CASE WHEN {r}.protected THEN '' ELSE {r}.name END",
        "id, name, protected",
    ),
    "person_aliases": ("search_aliases", "alias", "{r}.alias", "id, alias"),
}
# Rows at or below the mark that changed since they were indexed; ``indexed`` is the text
# the index holds for the row ('' or NULL: none). INSERT OR IGNORE keeps the first entry,
# which is what the index holds.
_TABLES = (
    "CREATE TABLE search_state (tbl TEXT PRIMARY KEY, last_id INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE search_queue (tbl TEXT NOT NULL, id INTEGER NOT NULL, indexed TEXT,"
    " PRIMARY KEY (tbl, id)) WITHOUT ROWID",
)


def _mark(table: str) -> str:
    return f"(SELECT last_id FROM search_state WHERE tbl = '{table}')"


def _note(table: str, row: str, indexed: str) -> str:
    """Queue ``row`` (new or old) if the index may hold it: its id is at or below the mark."""
    return (
        f"INSERT OR IGNORE INTO search_queue (tbl, id, indexed) "
        f"SELECT '{table}', {row}.id, {indexed} WHERE {row}.id <= {_mark(table)};"
    )


def _sqlite_upgrade() -> None:
    for statement in _TABLES:
        op.execute(statement)
    for table, (fts, col, doc, watched) in _SQLITE_DOCS.items():
        new, old, mark = doc.format(r="new"), doc.format(r="old"), _mark(table)
        # Every row's document, for refresh_index: defined here, once.
        op.execute(
            f"CREATE VIEW {fts}_docs (id, doc) AS SELECT id, {doc.format(r=table)} FROM {table}"
        )
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING {_FTS.format(col=col)}")
        # Rows with an empty document are never in the index (protected people's names).
        op.execute(
            f"INSERT INTO {fts}(rowid, {col}) SELECT id, doc FROM {fts}_docs WHERE doc <> ''"
        )
        op.execute(
            f"INSERT INTO search_state (tbl, last_id) "
            f"SELECT '{table}', coalesce(max(id), 0) FROM {table}"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} WHEN new.id <= {mark} "
            f"BEGIN {_note(table, 'new', 'NULL')} END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} WHEN old.id <= {mark} "
            f"BEGIN {_note(table, 'old', old)} END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {watched} ON {table} "
            f"WHEN ({old}) IS NOT ({new}) OR old.id IS NOT new.id "
            f"BEGIN {_note(table, 'old', old)} {_note(table, 'new', 'NULL')} END"
        )


def _sqlite_downgrade() -> None:
    for fts, *_ in _SQLITE_DOCS.values():
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP VIEW IF EXISTS {fts}_docs")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
    op.execute("DROP TABLE IF EXISTS search_queue")
    op.execute("DROP TABLE IF EXISTS search_state")


# ---- PostgreSQL -----------------------------------------------------------------------
# The parser of the 'simple' configuration: words lower-cased, no stemming, no stop words.
# Queries are parsed the same way (phraseto_tsquery), so both sides agree on the words.
def _tsvector(expr: str) -> str:
    return f"to_tsvector('simple'::regconfig, {expr})"


_PG_INDEXES = {
    "search_cases_text": (
        "cases",
        "fir_number || '/' || fir_year::text || ' ' || case_key || ' ' || "
        "occurrence_place || ' ' || investigating_officer || ' ' || "
        "crime_heads || ' ' || brief_facts",
        "",
    ),
    # Protected people's names are never indexed (they are empty anyway: encrypted).
    "search_persons_name": ("persons", "name", " WHERE NOT protected"),
    "search_aliases_alias": ("person_aliases", "alias", ""),
}


def _pg_upgrade() -> None:
    for name, (table, expr, where) in _PG_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({_tsvector(expr)}){where}")


def _pg_downgrade() -> None:
    for name in _PG_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")


# ---- both -----------------------------------------------------------------------------
# Covering indexes for the case list's counts and the dashboard's groupings: by district
# (admins, district filters), by unit (need-to-know starts from the user's units), and by
# crime heads (the dashboard counts every case by them); and from a person found by name
# to their cases without reading the rows.
_BTREE_INDEXES = {
    "search_cases_heads": ("cases", ["crime_heads"]),
    # The id last: PostgreSQL can then answer from the index alone (SQLite always can).
    "search_cases_district": (
        "cases",
        ["district_code", "status", "fir_at", "crime_heads", "id"],
    ),
    "search_cases_unit": (
        "cases",
        [
            "unit_code",
            "status",
            "district_code",
            "police_station_code",
            "fir_at",
            "crime_heads",
            "id",
        ],
    ),
    "search_case_roles_person": ("case_roles", ["person_id", "case_id"]),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()
    for name, (table, columns) in _BTREE_INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in _BTREE_INDEXES.items():
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_downgrade()
    else:
        _pg_downgrade()
