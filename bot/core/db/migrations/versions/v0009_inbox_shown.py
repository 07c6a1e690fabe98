"""How much of a turn's answer the person was shown (issue 12): a crash after the first
messages of an answer were sent, but before the update was done, replays only the rest.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign keys on the inbox: SQLite's batch copy loses nothing. Existing rows showed 0.
    with op.batch_alter_table("frontdoor_inbox") as batch:
        batch.add_column(sa.Column("shown", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("frontdoor_inbox") as batch:
        batch.drop_column("shown")
