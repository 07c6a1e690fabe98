"""The Telegram front end's durable state (issue 12): people, the exit trail, the waiting room,
long button payloads and the inbox of updates. Ids and text sealed; keyed by pseudonym.

Revision ID: 0005
Revises: 0003 (the integrator re-chains it after 0004)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PSEUDONYM = 64
ID = 32


def upgrade() -> None:
    op.create_table(
        "frontdoor_people",
        sa.Column("pseudonym", sa.String(PSEUDONYM), primary_key=True),
        sa.Column("sealed_language", sa.LargeBinary(), nullable=True),
        sa.Column("with_caseworker", sa.Boolean(), nullable=False),
        sa.Column("starting", sa.Boolean(), nullable=False),
        sa.Column("undeletable", sa.Integer(), nullable=False),
    )
    op.create_table(
        "frontdoor_trail",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("pseudonym", sa.String(PSEUDONYM), nullable=False),
        sa.Column("sealed_message_id", sa.LargeBinary(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_frontdoor_trail_pseudonym", "frontdoor_trail", ["pseudonym"])
    op.create_index("ix_frontdoor_trail_sent_at", "frontdoor_trail", ["sent_at"])
    op.create_table(
        "frontdoor_waiting",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(ID), nullable=False, unique=True),
        sa.Column("pseudonym", sa.String(PSEUDONYM), nullable=False),
        sa.Column("sealed_body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_frontdoor_waiting_pseudonym", "frontdoor_waiting", ["pseudonym"])
    op.create_table(
        "frontdoor_buttons",
        sa.Column("short_id", sa.String(ID), primary_key=True),
        sa.Column("sealed_payload", sa.LargeBinary(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_frontdoor_buttons_used_at", "frontdoor_buttons", ["used_at"])
    op.create_table(
        "frontdoor_inbox",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("pseudonym", sa.String(PSEUDONYM), nullable=True),
        sa.Column("sealed_update", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_frontdoor_inbox_pseudonym", "frontdoor_inbox", ["pseudonym"])
    op.create_index("ix_frontdoor_inbox_received_at", "frontdoor_inbox", ["received_at"])


def downgrade() -> None:
    for table in (
        "frontdoor_inbox",
        "frontdoor_buttons",
        "frontdoor_waiting",
        "frontdoor_trail",
        "frontdoor_people",
    ):
        op.drop_table(table)
