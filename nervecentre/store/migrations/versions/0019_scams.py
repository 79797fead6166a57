"""scams: the sextortion tracker's messages, complaints, indicators, campaigns and payments

Revision ID: 0019_scams
Revises: 0018_saved_charts
Create Date: 2026-12-07 16:30:00

A scam message is stored once (unique by Message-ID and by its normalised text's hash); each
victim's copy is a complaint with the file's SHA-256. Transactions and exchange rates come
from offline exports.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_scams"
down_revision = "0018_saved_charts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scam_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_campaigns")),
    )
    op.create_table(
        "scam_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_indicators")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_scam_indicators_kind_value")),
    )
    op.create_table(
        "scam_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("inr", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_rates")),
        sa.UniqueConstraint("asset", "day", name=op.f("uq_scam_rates_asset_day")),
    )
    op.create_table(
        "scam_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("txid", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_transactions")),
        sa.UniqueConstraint(
            "chain", "txid", "address", name=op.f("uq_scam_transactions_chain_txid_address")
        ),
    )
    op.create_index(
        op.f("ix_scam_transactions_address"), "scam_transactions", ["address"], unique=False
    )
    op.create_table(
        "scam_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("sender", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("masked", sa.Text(), nullable=False),
        sa.Column("demanded", sa.String(length=400), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["scam_campaigns.id"],
            name=op.f("fk_scam_messages_campaign_id_scam_campaigns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_messages")),
        sa.UniqueConstraint("body_sha256", name=op.f("uq_scam_messages_body_sha256")),
        sa.UniqueConstraint("message_id", name=op.f("uq_scam_messages_message_id")),
    )
    op.create_index(
        op.f("ix_scam_messages_campaign_id"), "scam_messages", ["campaign_id"], unique=False
    )
    op.create_index(op.f("ix_scam_messages_sent_at"), "scam_messages", ["sent_at"], unique=False)
    op.create_table(
        "scam_message_indicators",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["scam_indicators.id"],
            name=op.f("fk_scam_message_indicators_indicator_id_scam_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["scam_messages.id"],
            name=op.f("fk_scam_message_indicators_message_id_scam_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "message_id", "indicator_id", name=op.f("pk_scam_message_indicators")
        ),
    )
    op.create_index(
        op.f("ix_scam_message_indicators_indicator_id"),
        "scam_message_indicators",
        ["indicator_id"],
        unique=False,
    )
    op.create_table(
        "scam_complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("ref", sa.String(length=500), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("complainant_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_scam_complaints_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["complainant_id"],
            ["persons.id"],
            name=op.f("fk_scam_complaints_complainant_id_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["scam_messages.id"],
            name=op.f("fk_scam_complaints_message_id_scam_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scam_complaints")),
        sa.UniqueConstraint(
            "file_sha256",
            "message_sha256",
            name=op.f("uq_scam_complaints_file_sha256_message_sha256"),
        ),
    )
    op.create_index(
        op.f("ix_scam_complaints_case_id"), "scam_complaints", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_scam_complaints_file_sha256"), "scam_complaints", ["file_sha256"], unique=False
    )
    op.create_index(
        op.f("ix_scam_complaints_message_id"), "scam_complaints", ["message_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("scam_complaints")
    op.drop_table("scam_message_indicators")
    op.drop_table("scam_messages")
    op.drop_table("scam_transactions")
    op.drop_table("scam_rates")
    op.drop_table("scam_indicators")
    op.drop_table("scam_campaigns")
