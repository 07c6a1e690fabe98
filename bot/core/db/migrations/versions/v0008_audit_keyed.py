"""The audit log per organisation and keyed (issue 13): an organisation column, the digest the
keyed link covers, and a pruned flag; the append-only triggers now let exactly one change
through, the pruning of an entry to its links.

Existing entries cannot be re-keyed here: the audit key is a file the database never sees, and
a migration that held it would put it where a database copy could reach. They keep their
unkeyed SHA-256 links (no digest), and the first entry written with the key is the
``audit.keyed_start`` marker the verifier checks for. Their organisation is filled in from the
staff member who acted or the record acted on, for /audit's filter; it is not covered by their
old hashes.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only"
# A pruned entry keeps its place, links, digest and organisation; it loses its actor and record.
_PRUNING = (
    "NOT OLD.pruned AND NEW.pruned AND NEW.seq = OLD.seq AND NEW.prev_hash = OLD.prev_hash "
    "AND NEW.entry_hash = OLD.entry_hash AND OLD.content_digest IS NOT NULL "
    "AND NEW.content_digest = OLD.content_digest "
    "AND NEW.organisation_id IS NOT DISTINCT FROM OLD.organisation_id "
    "AND NEW.actor_id IS NULL AND NEW.object_id IS NULL"
)
_BACKFILL = (
    "UPDATE audit_log SET organisation_id = COALESCE("
    "(SELECT organisation_id FROM staff WHERE staff.id = audit_log.actor_id), "
    "(SELECT organisation_id FROM handoffs WHERE handoffs.id = audit_log.object_id), "
    "(SELECT organisation_id FROM staff WHERE staff.id = audit_log.object_id), "
    "(SELECT id FROM organisations WHERE organisations.id = audit_log.object_id))"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("audit_log", sa.Column("organisation_id", sa.String(32), nullable=True))
    op.add_column("audit_log", sa.Column("content_digest", sa.String(64), nullable=True))
    op.add_column(
        "audit_log",
        sa.Column("pruned", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_audit_log_organisation_id", "audit_log", ["organisation_id"])
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        op.execute(_BACKFILL)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' THEN IF {_PRUNING} THEN RETURN NEW; END IF; END IF; "
            f"RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        return
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute(_BACKFILL)
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        # COALESCE: a comparison with NULL must refuse the change, never let it through.
        f"WHEN NOT COALESCE(({_PRUNING.replace('IS NOT DISTINCT FROM', 'IS')}), 0) "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
    op.drop_index("ix_audit_log_organisation_id", "audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("pruned")
        batch.drop_column("content_digest")
        batch.drop_column("organisation_id")
    if not postgres:
        # The batch copy on SQLite dropped the table's triggers with the old table.
        for event in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event.lower()}")
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )
