"""Routing and directory editing: what each partner organisation covers, and supervisors' edits
to the advice-services directory.

Coverage columns are JSON lists of closed-vocabulary tokens; null means "any" (a new column on
an existing organisation must not suddenly stop its handoffs). Directory edits are public facts
about services, never about a person.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COVERAGE = ("covers_nations", "covers_regions", "languages", "help_types")


def upgrade() -> None:
    for column in COVERAGE:
        op.add_column("organisations", sa.Column(column, sa.JSON(), nullable=True))
    op.create_table(
        "directory_entries",
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["staff.id"], ondelete="SET NULL"),
    )


def downgrade() -> None:
    op.drop_table("directory_entries")
    for column in reversed(COVERAGE):
        op.drop_column("organisations", column)
