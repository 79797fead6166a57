"""library: the case-study library (documents, case links, sections, MO tags, full text)

Revision ID: 0020_library
Revises: 0019_scams
Create Date: 2026-12-07 16:30:00

Four tables (``library_documents``, ``library_links``, ``library_sections``,
``library_tags``) and each backend's full-text index over a document's title and text:

- SQLite: an external-content FTS5 table ``search_library`` kept current by triggers
  (documents arrive one at a time, so a trigger per row costs little), with Devanagari's
  vowel signs and viramas (Unicode marks) as part of words: FTS5's default splits
  'तस्करी' at them. A ``library`` generation counter moves on any change to documents or
  their links, so that a process may keep answers while they are exact.
- PostgreSQL: a stored generated column ``search_vector``, the 'simple' configuration's
  tsvector of the title and text (the first 500,000 characters: a tsvector has a size
  limit), with a GIN index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_library"
down_revision = "0019_scams"
branch_labels = None
depends_on = None

_TOKENIZE = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"
_FTS_COLUMNS = "title, text"
_WATCHED = ("library_documents", "library_links")
PG_DOCUMENT = "to_tsvector('simple'::regconfig, left(title || ' ' || text, 500000))"


def _bump() -> str:
    return "UPDATE data_generations SET generation = generation + 1 WHERE name = 'library';"


def _tables() -> None:
    op.create_table(
        "library_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("places", sa.String(length=400), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("extraction", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("restricted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_documents")),
        sa.UniqueConstraint("sha256", name=op.f("uq_library_documents_sha256")),
    )
    op.create_index(
        op.f("ix_library_documents_restricted"), "library_documents", ["restricted"], unique=False
    )
    for table, column, size, target in (
        ("library_links", "case_id", None, ("cases", "id")),
        ("library_sections", "section_key", 32, None),
        ("library_tags", "tag", 40, None),
    ):
        value_type = sa.Integer() if size is None else sa.String(length=size)
        constraints: list[sa.Constraint] = [
            sa.ForeignKeyConstraint(
                ["document_id"],
                ["library_documents.id"],
                name=op.f(f"fk_{table}_document_id_library_documents"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(
                "document_id", column, name=op.f(f"uq_{table}_document_id_{column}")
            ),
        ]
        if target:
            constraints.append(
                sa.ForeignKeyConstraint(
                    [column],
                    [f"{target[0]}.{target[1]}"],
                    name=op.f(f"fk_{table}_{column}_{target[0]}"),
                    ondelete="CASCADE",
                )
            )
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("document_id", sa.Integer(), nullable=False),
            sa.Column(column, value_type, nullable=False),
            *constraints,
        )
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
    op.create_index(
        op.f("ix_library_links_document_id"), "library_links", ["document_id"], unique=False
    )


def _sqlite_upgrade() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE search_library USING fts5({_FTS_COLUMNS}, "
        f"content='library_documents', content_rowid='id', tokenize=\"{_TOKENIZE}\")"
    )
    # A word in the title counts four times one in the text (ORDER BY rank uses it).
    op.execute("INSERT INTO search_library(search_library, rank) VALUES ('rank', 'bm25(4.0, 1.0)')")
    new = "INSERT INTO search_library(rowid, title, text) VALUES (new.id, new.title, new.text);"
    old = (
        "INSERT INTO search_library(search_library, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text);"
    )
    op.execute(
        f"CREATE TRIGGER search_library_insert AFTER INSERT ON library_documents BEGIN {new} END"
    )
    op.execute(
        f"CREATE TRIGGER search_library_delete AFTER DELETE ON library_documents BEGIN {old} END"
    )
    op.execute(
        "CREATE TRIGGER search_library_update AFTER UPDATE OF id, title, text "
        f"ON library_documents BEGIN {old} {new} END"
    )
    op.execute("INSERT INTO data_generations (name, generation) VALUES ('library', 1)")
    for table in _WATCHED:
        for event in ("INSERT", "DELETE", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER search_generation_{table}_{event.lower()} AFTER {event} "
                f"ON {table} BEGIN {_bump()} END"
            )


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        # Stored, not only indexed: ranking reads the tsvector of every match, and computing
        # it again per query costs ten times the search (declared by no model: search_*).
        op.execute(
            "ALTER TABLE library_documents ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED"
        )
        op.execute(
            "CREATE INDEX search_library_text ON library_documents USING gin (search_vector)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in _WATCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS search_generation_{table}_{event}")
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_library_{suffix}")
        op.execute("DROP TABLE IF EXISTS search_library")
        op.execute("DELETE FROM data_generations WHERE name = 'library'")
    else:
        op.execute("DROP INDEX IF EXISTS search_library_text")
    for table in ("library_tags", "library_sections", "library_links", "library_documents"):
        op.drop_table(table)
