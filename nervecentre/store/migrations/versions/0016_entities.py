"""entities: the resolved-entity layer over person records (entity resolution)

Revision ID: 0016_entities
Revises: 0015_crawler
Create Date: 2026-12-07 14:45:00

Resolution links source person records into entities without touching ``persons``:
``entity_links`` (each record's entity and how it got there), ``resolution_queue`` (pairs
for an analyst), ``resolution_decisions`` (analysts' verdicts, kept as history) and
``resolution_runs`` (each run with its model). No name or contact is stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_entities"
down_revision = "0015_crawler"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolution_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("auto_links", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resolution_runs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_runs")),
    )
    op.create_table(
        "entity_links",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_entity_links_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["resolution_runs.id"], name=op.f("fk_entity_links_run_id_resolution_runs")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_entity_links")),
    )
    op.create_index("ix_entity_links_entity", "entity_links", ["entity_id"])
    op.create_table(
        "resolution_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_a", sa.Integer(), nullable=False),
        sa.Column("person_b", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_a"],
            ["persons.id"],
            name=op.f("fk_resolution_queue_person_a_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_b"],
            ["persons.id"],
            name=op.f("fk_resolution_queue_person_b_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["resolution_runs.id"],
            name=op.f("fk_resolution_queue_run_id_resolution_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_queue")),
        sa.UniqueConstraint(
            "person_a", "person_b", name=op.f("uq_resolution_queue_person_a_person_b")
        ),
    )
    op.create_index(
        op.f("ix_resolution_queue_priority"), "resolution_queue", ["priority"], unique=False
    )
    op.create_table(
        "resolution_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_a", sa.Integer(), nullable=False),
        sa.Column("person_b", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_a"],
            ["persons.id"],
            name=op.f("fk_resolution_decisions_person_a_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_b"],
            ["persons.id"],
            name=op.f("fk_resolution_decisions_person_b_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resolution_decisions_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["users.id"], name=op.f("fk_resolution_decisions_undone_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_decisions")),
    )
    op.create_index(
        "ix_resolution_decisions_pair", "resolution_decisions", ["person_a", "person_b"]
    )


def downgrade() -> None:
    op.drop_index("ix_resolution_decisions_pair", table_name="resolution_decisions")
    op.drop_table("resolution_decisions")
    op.drop_index(op.f("ix_resolution_queue_priority"), table_name="resolution_queue")
    op.drop_table("resolution_queue")
    op.drop_index("ix_entity_links_entity", table_name="entity_links")
    op.drop_table("entity_links")
    op.drop_table("resolution_runs")
