"""An outbox that cannot stall (issue 12): a message that can never be delivered is marked with
a fixed-choice reason and its content dropped, so it is never picked again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REASONS = ("no_chat_link", "blocked", "chat_not_found", "too_long")


def upgrade() -> None:
    # The outbox has no foreign keys, so the batch (a copy on SQLite) loses nothing; on
    # PostgreSQL it is a plain ALTER TABLE. Both columns are nullable: existing rows are pending.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column(
                "undeliverable",
                sa.Enum(
                    *REASONS,
                    name="undeliverable",
                    native_enum=False,
                    create_constraint=True,
                    length=16,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("undeliverable_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        # The CHECK of the fixed choices goes first: on SQLite the copied table would keep it
        # and refuse to be created without its column.
        batch.drop_constraint("undeliverable", type_="check")
        batch.drop_column("undeliverable_at")
        batch.drop_column("undeliverable")
