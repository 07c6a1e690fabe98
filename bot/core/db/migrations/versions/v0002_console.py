"""Console: staff sign-in columns, case outcomes and sealed case notes.

Plain ``ADD COLUMN`` only (no table copy), so SQLite keeps the rows that reference ``staff``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("login_name", sa.String(64), nullable=True))
    op.create_index("ix_staff_login_name", "staff", ["login_name"], unique=True)
    op.add_column("staff", sa.Column("totp_wrapped", sa.LargeBinary(), nullable=True))
    for counter in ("totp_last_step", "failed_sign_ins", "session_version"):
        op.add_column("staff", sa.Column(counter, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("staff", sa.Column("locked_until", sa.DateTime(), nullable=True))
    op.add_column("handoffs", sa.Column("outcome", sa.String(40), nullable=True))
    op.add_column("handoffs", sa.Column("outcome_service", sa.String(64), nullable=True))
    op.create_table(
        "case_notes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("handoff_id", sa.String(32), nullable=False, index=True),
        sa.Column("staff_id", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sealed_body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="SET NULL"),
    )


def downgrade() -> None:
    op.drop_table("case_notes")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("outcome_service")
        batch.drop_column("outcome")
    op.drop_index("ix_staff_login_name", table_name="staff")
    with op.batch_alter_table("staff") as batch:
        for column in (
            "locked_until",
            "session_version",
            "failed_sign_ins",
            "totp_last_step",
            "totp_wrapped",
            "login_name",
        ):
            batch.drop_column(column)
