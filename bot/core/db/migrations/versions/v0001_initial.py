"""Initial schema: organisations, keys, staff, handoffs, threads, outbox, chat links, audit log.

Timestamps are naive UTC (see ``bot.core.db.models.UTCDateTime``).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY_MESSAGE = "audit_log is append-only"


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def _id(name: str = "id", **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(32), **kwargs)


def upgrade() -> None:
    op.create_table(
        "organisations",
        _id(primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "organisation_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        _id("organisation_id", nullable=False, index=True),
        sa.Column("suite", sa.String(64), nullable=False),
        sa.Column("public_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
    )
    op.create_table(
        "staff",
        _id(primary_key=True),
        _id("organisation_id", nullable=False, index=True),
        sa.Column("role", _enum("staff_role", "caseworker", "supervisor", "admin"), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
    )
    op.create_table(
        "wrapped_keys",
        _id(primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False, index=True),
        _id("staff_id", nullable=True, index=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["organisation_keys.key_id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "handoffs",
        _id(primary_key=True),
        _id("organisation_id", nullable=False, index=True),
        sa.Column("pseudonym", sa.String(64), nullable=True, index=True),
        sa.Column(
            "status",
            _enum("handoff_status", "draft", "open", "claimed", "closed", "withdrawn"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        _id("claimed_by", nullable=True),
        sa.Column("urgency", _enum("urgency", "standard", "high", "very_high"), nullable=False),
        sa.Column("abuse_kinds", sa.JSON(), nullable=False),
        sa.Column("nation", sa.String(40), nullable=True),
        sa.Column("region", sa.String(40), nullable=True),
        sa.Column("help_types", sa.JSON(), nullable=False),
        sa.Column("last_happened", sa.String(40), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("safe_contact_time", sa.String(40), nullable=True),
        sa.Column("sealed_report", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["claimed_by"], ["staff.id"], ondelete="SET NULL"),
    )
    op.create_table(
        "thread_messages",
        _id(primary_key=True),
        _id("handoff_id", nullable=False, index=True),
        sa.Column("author", _enum("message_author", "person", "staff"), nullable=False),
        _id("staff_id", nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sealed_body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="SET NULL"),
    )
    op.create_table(
        "outbox",
        _id(primary_key=True),
        sa.Column("pseudonym", sa.String(64), nullable=False, index=True),
        sa.Column("dedupe_key", sa.String(128), nullable=False, unique=True),
        sa.Column("sealed_payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "chat_links",
        sa.Column("pseudonym", sa.String(64), primary_key=True),
        sa.Column("sealed_chat_id", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False, index=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=False),
        _id("actor_id", nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        _id("object_id", nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
    )
    _forbid_audit_changes()


def _forbid_audit_changes() -> None:
    # Defence in depth: the hash chain detects edits, the triggers stop the casual ones.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END"
        )


def downgrade() -> None:
    for table in (
        "audit_log",
        "chat_links",
        "outbox",
        "thread_messages",
        "handoffs",
        "wrapped_keys",
        "staff",
        "organisation_keys",
        "organisations",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
