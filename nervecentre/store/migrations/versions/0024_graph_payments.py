"""graph payments: who paid whom in imported transactions, and a counter for kept link graphs

Revision ID: 0024_graph_payments
Revises: 0023_pg_generations
Create Date: 2026-12-07 22:15:00

- ``scam_transactions.counterparties`` (new): the other side of an imported transaction as
  the export names it, space-separated addresses (a received payment's payers, a sent
  payment's payees; empty when the export does not say). The link graph's ``paid`` edges
  are drawn from it (``nervecentre.scams.graph_payments``).
- ``data_generations.graph`` (new, both backends): moves whenever anything a user's link
  graph is built from changes: cases, units, people, their parts in cases, identifiers and
  their uses, route stops, events and their participants, case links, resolved entities,
  and the sextortion tracker's campaigns, messages, complaints, indicators, transactions and
  exchange rates. With ``access`` (who may see what) it keys the graphs a process keeps per
  user (``nervecentre.graph.cache``). On SQLite row triggers move it (one writer: no
  waiting); on PostgreSQL the statement triggers of ``0023_pg_generations`` note it once
  per transaction and it moves at commit.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0024_graph_payments"
down_revision = "0023_pg_generations"
branch_labels = None
depends_on = None

#: Every table the link graph reads (any column of them).
GRAPH_TABLES = (
    "cases", "units", "persons", "case_roles", "identifiers", "identifier_uses",
    "route_stops", "events", "event_participants", "case_links", "entity_links",
    "scam_campaigns", "scam_messages", "scam_complaints", "scam_indicators",
    "scam_message_indicators", "scam_transactions", "scam_rates",
)  # fmt: skip
_BUMP = "UPDATE data_generations SET generation = generation + 1 WHERE name = 'graph';"


def _dialect() -> str:
    return str(op.get_bind().dialect.name)


def _start() -> None:
    # A random start: another database (a restored copy, say) is never taken for this one.
    start = secrets.randbelow(1 << 62)
    op.execute(f"INSERT INTO data_generations (name, generation) VALUES ('graph', {start})")


def upgrade() -> None:
    with op.batch_alter_table("scam_transactions") as batch:
        batch.add_column(sa.Column("counterparties", sa.Text(), nullable=False, server_default=""))
    dialect = _dialect()
    if dialect == "sqlite":
        _start()
        for table in GRAPH_TABLES:
            for event in ("INSERT", "DELETE", "UPDATE"):
                name = f"graph_generation_{table}_{event.lower()}"
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_BUMP} END")
    elif dialect == "postgresql":
        _start()
        for table in GRAPH_TABLES:
            op.execute(
                f"CREATE TRIGGER data_generation_{table}_graph "
                f"AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION data_generation_touch('graph')"
            )


def downgrade() -> None:
    dialect = _dialect()
    if dialect == "sqlite":
        for table in GRAPH_TABLES:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS graph_generation_{table}_{event}")
    elif dialect == "postgresql":
        for table in GRAPH_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS data_generation_{table}_graph ON {table}")
    if dialect in ("sqlite", "postgresql"):
        op.execute("DELETE FROM data_generations WHERE name = 'graph'")
    with op.batch_alter_table("scam_transactions") as batch:
        batch.drop_column("counterparties")
