"""import source: which rows an import wrote, and which fields were edited by hand

Revision ID: 0007_import_source
Revises: 0006_search_covering
Create Date: 2026-12-03 11:20:00

Re-importing a register used to replace everything attached to its cases, so charges,
events, people and identifiers added in the web app were lost. Now:

- ``imported`` on the rows attached to cases and people says an import wrote them; a
  re-import replaces only those. Rows that existed before this revision were all treated
  as imported, and stay so.
- ``edited_fields`` on cases and people lists the fields changed in nervecentre; a
  re-import leaves them as edited and reports it.

Columns are added and dropped in place (no table rebuild), so the full-text triggers on
``cases`` and ``persons`` stay as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_import_source"
down_revision = "0006_search_covering"
branch_labels = None
depends_on = None

_CHILDREN = (
    "charges",
    "events",
    "route_stops",
    "case_links",
    "case_roles",
    "identifier_uses",
    "person_aliases",
)
_EDITABLE = ("cases", "persons")


def upgrade() -> None:
    for table in _CHILDREN:
        op.add_column(
            table, sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        # Table names are the constants above.
        op.execute(sa.text(f"UPDATE {table} SET imported = :yes").bindparams(yes=True))
    for table in _EDITABLE:
        op.add_column(
            table,
            sa.Column("edited_fields", sa.String(length=400), nullable=False, server_default=""),
        )


def downgrade() -> None:
    for table in _EDITABLE:
        op.drop_column(table, "edited_fields")
    for table in _CHILDREN:
        op.drop_column(table, "imported")
