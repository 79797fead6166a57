"""library on PostgreSQL: a generation counter, and need-to-know held in the search index

Revision ID: 0025_pg_library_access
Revises: 0024_graph_payments
Create Date: 2026-12-07 22:10:00

PostgreSQL only (SQLite has its ``library`` counter since ``0020_library``, and keeps each
user's visibility as a mask):

- a ``library`` generation counter, moved by any change to ``library_documents`` or
  ``library_links`` (the machinery of ``0023_pg_generations``: noted per transaction, moved
  at commit), so that a process may keep search answers while they are exact;
- ``library_documents.search_access``: who may see the document, as keys a user's
  visibility is tested against with ``&&`` (overlap). ``*``: unlinked and unrestricted
  (everyone with ``library.view``); per linked case ``c:<case id>`` and, when the case is
  not restricted, ``u:<its unit>``; none for an unlinked restricted document (only
  ``case.view_all`` sees it). A user's keys: ``*``, ``u:`` of each unit they see, ``c:`` of
  each case they see whatever its unit (named on a restriction, or granted). A document
  is visible exactly when it is by :func:`nervecentre.library.access.visible_documents_filter`.
  Triggers keep the keys current in the transaction that changes links, a case's unit, a
  restriction or the restricted flag;
- the full-text GIN index becomes a two-column one, ``(search_vector, search_access)``:
  a search's matches and the user's keys are intersected inside the index, so the heap
  rows of invisible matches are never read. Without GIN's pending list (``fastupdate =
  off``): documents arrive one at a time, and a pending list is scanned by every search
  until a vacuum empties it (up to 4 MB: milliseconds on a search that finds nothing).
"""

import secrets

from alembic import op

revision = "0025_pg_library_access"
down_revision = "0024_graph_payments"
branch_labels = None
depends_on = None

_WATCHED = ("library_documents", "library_links")

_KEYS = """
CREATE FUNCTION library_access_keys(doc integer, sealed boolean) RETURNS text[]
LANGUAGE sql STABLE AS $$
    WITH linked AS (
        SELECT c.id, c.unit_code,
               EXISTS (SELECT 1 FROM case_restrictions r WHERE r.case_id = c.id) AS restricted
        FROM library_links l JOIN cases c ON c.id = l.case_id
        WHERE l.document_id = doc
    )
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM linked) THEN ARRAY(
            SELECT k FROM (
                SELECT 'c:' || id AS k FROM linked
                UNION
                SELECT 'u:' || unit_code FROM linked WHERE NOT restricted
                    AND unit_code IS NOT NULL
            ) keys ORDER BY k
        )
        WHEN sealed THEN '{}'::text[]
        ELSE '{*}'::text[]
    END
$$
"""
_ON_DOCUMENT = """
CREATE FUNCTION library_access_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_access := library_access_keys(NEW.id, NEW.restricted);
    RETURN NEW;
END $$
"""
# Lock the documents first, in id order (two writers never deadlock on them), then compute
# their keys in a statement of its own: under READ COMMITTED it sees every link committed by
# a writer waited for, so two concurrent links to one document both count.
_REFRESH = """
CREATE FUNCTION library_access_refresh(docs integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM library_documents WHERE id = ANY(docs) ORDER BY id FOR UPDATE;
    UPDATE library_documents d SET search_access = library_access_keys(d.id, d.restricted)
    WHERE d.id = ANY(docs);
END $$
"""
# Statement triggers with transition tables: a batch of links recomputes each document once.
_ON_LINKS = """
CREATE FUNCTION library_access_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM library_access_refresh(ARRAY(SELECT document_id FROM changed_new));
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM library_access_refresh(ARRAY(SELECT document_id FROM changed_old));
    END IF;
    RETURN NULL;
END $$
"""
# A case's unit or restriction changed: its row locked FOR UPDATE first, which waits for any
# transaction linking a document to it (the link's foreign key holds KEY SHARE on the case)
# and makes any later one wait; then its documents, as they are after that wait.
_RECOMPUTE = (
    "PERFORM 1 FROM cases WHERE id = {case} FOR UPDATE; "
    "PERFORM library_access_refresh("
    "ARRAY(SELECT document_id FROM library_links WHERE case_id = {case}))"
)
_ON_CASE = f"""
CREATE FUNCTION library_access_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_RECOMPUTE.format(case="NEW.id")};
    RETURN NULL;
END $$
"""
_ON_RESTRICTION = f"""
CREATE FUNCTION library_access_restriction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_RECOMPUTE.format(case="NEW.case_id")};
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {_RECOMPUTE.format(case="OLD.case_id")};
    END IF;
    RETURN NULL;
END $$
"""
# A table emptied at once (TRUNCATE fires no row triggers): every document's keys again.
_ON_TRUNCATE = """
CREATE FUNCTION library_access_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE library_documents d SET search_access = library_access_keys(d.id, d.restricted);
    RETURN NULL;
END $$
"""
_TRIGGERS = [
    "CREATE TRIGGER library_access_document BEFORE INSERT OR UPDATE OF id, restricted "
    "ON library_documents FOR EACH ROW EXECUTE FUNCTION library_access_document()",
    "CREATE TRIGGER library_access_links_insert AFTER INSERT ON library_links "
    "REFERENCING NEW TABLE AS changed_new "
    "FOR EACH STATEMENT EXECUTE FUNCTION library_access_links()",
    "CREATE TRIGGER library_access_links_delete AFTER DELETE ON library_links "
    "REFERENCING OLD TABLE AS changed_old "
    "FOR EACH STATEMENT EXECUTE FUNCTION library_access_links()",
    "CREATE TRIGGER library_access_links_update AFTER UPDATE ON library_links "
    "REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old "
    "FOR EACH STATEMENT EXECUTE FUNCTION library_access_links()",
    "CREATE TRIGGER library_access_case_unit AFTER UPDATE OF unit_code ON cases "
    "FOR EACH ROW WHEN (OLD.unit_code IS DISTINCT FROM NEW.unit_code) "
    "EXECUTE FUNCTION library_access_case()",
    "CREATE TRIGGER library_access_restriction AFTER INSERT OR DELETE OR UPDATE "
    "ON case_restrictions FOR EACH ROW EXECUTE FUNCTION library_access_restriction()",
    "CREATE TRIGGER library_access_links_truncate AFTER TRUNCATE ON library_links "
    "FOR EACH STATEMENT EXECUTE FUNCTION library_access_all()",
    "CREATE TRIGGER library_access_restriction_truncate AFTER TRUNCATE ON case_restrictions "
    "FOR EACH STATEMENT EXECUTE FUNCTION library_access_all()",
]
_TRIGGER_TABLES = [
    ("library_access_document", "library_documents"),
    ("library_access_links_insert", "library_links"),
    ("library_access_links_delete", "library_links"),
    ("library_access_links_update", "library_links"),
    ("library_access_case_unit", "cases"),
    ("library_access_restriction", "case_restrictions"),
    ("library_access_links_truncate", "library_links"),
    ("library_access_restriction_truncate", "case_restrictions"),
]


# An existing library's keys in two set-wise statements (what library_access_keys gives).
_BACKFILL = [
    """
    UPDATE library_documents d SET search_access = linked.keys
    FROM (
        SELECT l.document_id, array_agg(DISTINCT k.key ORDER BY k.key) AS keys
        FROM library_links l
        JOIN cases c ON c.id = l.case_id
        CROSS JOIN LATERAL (VALUES
            ('c:' || c.id),
            (CASE WHEN c.unit_code IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM case_restrictions r WHERE r.case_id = c.id
            ) THEN 'u:' || c.unit_code END)
        ) AS k(key)
        WHERE k.key IS NOT NULL
        GROUP BY l.document_id
    ) AS linked
    WHERE d.id = linked.document_id
    """,
    """
    UPDATE library_documents d SET search_access = '{}'
    WHERE d.restricted AND NOT EXISTS (SELECT 1 FROM library_links l WHERE l.document_id = d.id)
    """,
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    start = secrets.randbelow(1 << 62)  # as 0023's counters: never taken for another database's
    op.execute(f"INSERT INTO data_generations (name, generation) VALUES ('library', {start})")
    for table in _WATCHED:
        op.execute(
            f"CREATE TRIGGER data_generation_{table}_library "
            f"AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION data_generation_touch('library')"
        )
    # The old index first: the keys' backfill then writes no entries into it.
    op.execute("DROP INDEX IF EXISTS search_library_text")
    # '*' as the column's first default costs no rewrite; only the other documents are written.
    op.execute(
        "ALTER TABLE library_documents ADD COLUMN search_access text[] NOT NULL DEFAULT '{*}'"
    )
    op.execute("ALTER TABLE library_documents ALTER COLUMN search_access SET DEFAULT '{}'")
    op.execute(_KEYS)
    for statement in _BACKFILL:
        op.execute(statement)
    for function in (_REFRESH, _ON_DOCUMENT, _ON_LINKS, _ON_CASE, _ON_RESTRICTION, _ON_TRUNCATE):
        op.execute(function)
    for trigger in _TRIGGERS:
        op.execute(trigger)
    op.execute(
        "CREATE INDEX search_library_visible ON library_documents "
        "USING gin (search_vector, search_access) WITH (fastupdate = off)"
    )


def downgrade() -> None:
    if not _postgresql():
        return
    op.execute("DROP INDEX IF EXISTS search_library_visible")
    op.execute("CREATE INDEX search_library_text ON library_documents USING gin (search_vector)")
    for trigger, table in _TRIGGER_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    functions = ("document", "links", "case", "restriction", "all")
    for function in (f"library_access_{name}" for name in functions):
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP FUNCTION IF EXISTS library_access_refresh(integer[])")
    op.execute("DROP FUNCTION IF EXISTS library_access_keys(integer, boolean)")
    op.execute("ALTER TABLE library_documents DROP COLUMN IF EXISTS search_access")
    for table in _WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS data_generation_{table}_library ON {table}")
    op.execute("DELETE FROM data_generations WHERE name = 'library'")
