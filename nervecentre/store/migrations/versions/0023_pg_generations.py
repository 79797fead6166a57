"""generation counters on PostgreSQL: kept answers for the production database too

Revision ID: 0023_pg_generations
Revises: 0022_crawler
Create Date: 2026-12-07 19:30:00

On SQLite, ``0010_data_generations`` and ``0011_kept_answers`` keep counters (``cases``,
``text``, ``access``) that triggers move on every change to what a process keeps answers
of (``nervecentre.store.generations``). This revision gives PostgreSQL the same counters,
moved by the same changes, without making writers wait for each other:

- a statement trigger on each watched table notes, once per transaction and counter, that
  the counter must move: it inserts a row of its own (``cases:<xid>``), which no other
  transaction sees or waits for;
- a deferred constraint trigger on that row moves the counters at commit, in name order
  (two commits never wait on each other's counters), and deletes the row.

So a counter row is locked only while a transaction commits, never for an import batch's
duration, and its new value becomes visible exactly when the data does. A transaction that
rolls back moves nothing. What a text search finds is watched on PostgreSQL at the source
(the columns its GIN expressions index), as its indexes are always current.

SQLite is untouched.
"""

import secrets

from alembic import op

revision = "0023_pg_generations"
down_revision = "0022_crawler"
branch_labels = None
depends_on = None

_CASE_LIST = (
    "id, unit_code, district_code, police_station_code, status, fir_number, fir_year, fir_at, "
    "case_key, crime_heads"
)
_CASE_TEXT = (
    "id, fir_number, fir_year, case_key, occurrence_place, investigating_officer, "
    "crime_heads, brief_facts"
)
_API_TOKENS = "id, user_id, name, token_sha256, prefix, created_at, expires_at, revoked_at"
# (table, counter, the columns whose UPDATE moves it; None: any column).
WATCHED: list[tuple[str, str, str | None]] = [
    ("cases", "cases", _CASE_LIST),
    ("charges", "cases", "id, case_id, section_key"),
    ("districts", "cases", "code, name"),
    ("units", "cases", "code, name"),
    ("cases", "text", _CASE_TEXT),
    ("case_roles", "text", None),
    ("persons", "text", None),
    ("person_aliases", "text", None),
    ("identifiers", "text", None),
    ("identifier_uses", "text", None),
    ("users", "access", None),
    ("user_units", "access", None),
    ("access_grants", "access", None),
    ("case_restrictions", "access", None),
    ("case_restriction_users", "access", None),
    ("api_tokens", "access", _API_TOKENS),
]
COUNTERS = ("cases", "text", "access")

_TOUCH = """
CREATE FUNCTION data_generation_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'nervecentre.generation_' || TG_ARGV[0];
BEGIN
    -- Once per transaction and counter (the setting is local to the transaction).
    IF current_setting(flag, true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config(flag, txid_current()::text, true);
        INSERT INTO data_generations (name, generation)
        VALUES (TG_ARGV[0] || ':' || txid_current()::text, 0)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$
"""
_MOVE = """
CREATE FUNCTION data_generation_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved text[];
BEGIN
    -- At commit: every counter this transaction touched, locked in name order.
    WITH noted AS (
        DELETE FROM data_generations WHERE name LIKE '%:' || txid_current()::text
        RETURNING split_part(name, ':', 1) AS counter
    )
    SELECT array_agg(DISTINCT counter ORDER BY counter) INTO moved FROM noted;
    IF moved IS NOT NULL THEN
        PERFORM 1 FROM data_generations WHERE name = ANY(moved) ORDER BY name FOR UPDATE;
        UPDATE data_generations SET generation = generation + 1 WHERE name = ANY(moved);
    END IF;
    RETURN NULL;
END $$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _trigger(table: str, counter: str) -> str:
    return f"data_generation_{table}_{counter}"


def upgrade() -> None:
    if not _postgresql():
        return
    op.execute("CREATE TABLE data_generations (name TEXT PRIMARY KEY, generation BIGINT NOT NULL)")
    for name in COUNTERS:
        # A random start: another database (a restored copy, say) is never taken for this one.
        start = secrets.randbelow(1 << 62)
        op.execute(f"INSERT INTO data_generations (name, generation) VALUES ('{name}', {start})")
    op.execute(_TOUCH)
    op.execute(_MOVE)
    op.execute(
        "CREATE CONSTRAINT TRIGGER data_generation_move AFTER INSERT ON data_generations "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "WHEN (NEW.name LIKE '%:%') EXECUTE FUNCTION data_generation_move()"
    )
    for table, counter, columns in WATCHED:
        update = f"UPDATE OF {columns}" if columns else "UPDATE"
        op.execute(
            f"CREATE TRIGGER {_trigger(table, counter)} "
            f"AFTER INSERT OR DELETE OR TRUNCATE OR {update} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION data_generation_touch('{counter}')"
        )


def downgrade() -> None:
    if not _postgresql():
        return
    for table, counter, _columns in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, counter)} ON {table}")
    op.execute("DROP TABLE IF EXISTS data_generations")
    op.execute("DROP FUNCTION IF EXISTS data_generation_touch()")
    op.execute("DROP FUNCTION IF EXISTS data_generation_move()")
