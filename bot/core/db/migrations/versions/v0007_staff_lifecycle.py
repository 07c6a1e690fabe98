"""Staff (issue 13): disabling and removing a caseworker, and sign-in throttling by delays.

``staff.disabled_at`` marks someone who may no longer sign in (removal also deletes their
wrapped keys and credentials; the row stays so audit entries and case history still name it).
``sign_in_throttle`` replaces the lockout: failures counted per login name and per client
address (both only as SHA-256 digests), each giving a growing delay before the next try.

Revision ID: 0007
Revises: 0005 (the integrator re-chains it)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column needs no table copy on SQLite and is a plain ALTER on PostgreSQL.
    op.add_column("staff", sa.Column("disabled_at", sa.DateTime(), nullable=True))
    op.create_table(
        "sign_in_throttle",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    # Not a batch: on SQLite that copies ``staff`` and drops the original, and with foreign keys
    # on, the drop cascades into ``wrapped_keys`` (tested). SQLite 3.35+ drops a plain column in
    # place, as PostgreSQL does.
    op.drop_column("staff", "disabled_at")
