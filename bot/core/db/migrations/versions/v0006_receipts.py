"""A receipt to come back (issue 12): a slow hash of each case's receipt words, and the tries
at /resume the durable rate limit counts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PSEUDONYM = 64
ID = 32
HASH = 64
TOKEN = 40


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column(
            "handoff_id",
            sa.String(ID),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("lookup_hash", sa.String(HASH), nullable=False, unique=True),
        sa.Column("kdf", sa.String(TOKEN), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "resume_attempts",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("pseudonym", sa.String(PSEUDONYM), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_resume_attempts_pseudonym", "resume_attempts", ["pseudonym"])
    op.create_index("ix_resume_attempts_attempted_at", "resume_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_resume_attempts_attempted_at", table_name="resume_attempts")
    op.drop_index("ix_resume_attempts_pseudonym", table_name="resume_attempts")
    op.drop_table("resume_attempts")
    op.drop_table("receipts")
