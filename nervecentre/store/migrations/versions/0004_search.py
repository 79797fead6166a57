"""search: full-text indexes for the case list

Revision ID: 0004_search
Revises: 0003_security
Create Date: 2026-12-01 20:00:00

What the case list's text box searches, indexed by each backend's own full-text engine so
that a search stays fast at 100,000+ cases and the bulk import pays almost nothing:

- SQLite: contentless FTS5 tables kept up to date by triggers (an FTS5 insert per row);
- PostgreSQL: GIN expression indexes on ``to_tsvector``, maintained by PostgreSQL itself.

Three documents: a case's own text (FIR number, case key, place, investigating officer,
crime-head codes, brief facts); a person's name, but never a protected person's; an alias.
Every object is named ``search_…``: they are derived data, declared by no model.
``nervecentre.cases.search`` builds its queries on exactly these expressions.
"""

from alembic import op

revision = "0004_search"
down_revision = "0003_security"
branch_labels = None
depends_on = None

# ---- SQLite ---------------------------------------------------------------------------
# Contentless (content=''): the text already lives in the tables, the index keeps only
# tokens. Deleting from such a table needs the values that were indexed, which the
# triggers have in OLD; every expression below depends on its own row only.
_FTS = "fts5({col}, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2')"
_SQLITE_DOCS = {
    # table: (FTS table, FTS column, document expression over {r} = NEW or OLD, watched columns)
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


def _sqlite_upgrade() -> None:
    for table, (fts, col, doc, watched) in _SQLITE_DOCS.items():
        new, old = doc.format(r="new"), doc.format(r="old")
        insert = f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, {new});"
        delete = f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, {old});"
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING {_FTS.format(col=col)}")
        op.execute(f"INSERT INTO {fts}(rowid, {col}) SELECT id, {doc.format(r=table)} FROM {table}")
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END")
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {watched} ON {table} "
            f"BEGIN {delete} {insert} END"
        )


def _sqlite_downgrade() -> None:
    for fts, *_ in _SQLITE_DOCS.values():
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")


# ---- PostgreSQL -----------------------------------------------------------------------
# ASCII punctuation becomes spaces before parsing, so that PostgreSQL's parser sees plain
# words and numbers ('12/2023' -> '12' '2023', 'salim@ybl' -> 'salim' 'ybl'), as FTS5 does.
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_SPACES = " " * len(_PUNCT)


def _tsvector(expr: str) -> str:
    punct = _PUNCT.replace("'", "''")
    return f"to_tsvector('simple'::regconfig, translate({expr}, '{punct}', '{_SPACES}'))"


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
# crime heads (the dashboard counts every case by them).
_LIST_INDEXES = {
    "search_cases_heads": ["crime_heads"],
    "search_cases_district": ["district_code", "status", "fir_at", "crime_heads"],
    "search_cases_unit": [
        "unit_code", "status", "district_code", "police_station_code", "fir_at", "crime_heads",
    ],
}  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()
    for name, columns in _LIST_INDEXES.items():
        op.create_index(name, "cases", columns)


def downgrade() -> None:
    for name in _LIST_INDEXES:
        op.drop_index(name, table_name="cases")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_downgrade()
    else:
        _pg_downgrade()
