"""Sealed links instead of the pseudonym on cases (issue 13): a case names its person only
sealed to the front end's courier key, the person's cases are found through ``case_links``
(the case id sealed the same way), and the outbox names the case instead of the person.

Cases from before keep their clear pseudonym here: sealing needs the front end's public key,
which the database never holds. The front end seals them when it starts
(``case_links.seal_legacy_cases``), and so do the CLI's erase and purge. Outbox rows get their
case from the thread message their dedupe key names; a row that names none cannot be sent to
anyone any more and goes.

A downgrade cannot unseal either: cases shared since lose their link to the person (as after
erasure) and the replies waiting for them are dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PSEUDONYM = 64
ID = 32
_CASE_OF_ROW = (
    "UPDATE outbox SET handoff_id = (SELECT thread_messages.handoff_id FROM thread_messages "
    "WHERE 'reply.' || thread_messages.id = outbox.dedupe_key)"
)
_PERSON_OF_ROW = (
    "UPDATE outbox SET pseudonym = (SELECT handoffs.pseudonym FROM handoffs "
    "WHERE handoffs.id = outbox.handoff_id)"
)


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("sealed_link", sa.LargeBinary(), nullable=True))
    op.create_table(
        "case_links",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("pseudonym", sa.String(PSEUDONYM), nullable=False),
        sa.Column("sealed_handoff_id", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_case_links_pseudonym", "case_links", ["pseudonym"])
    op.add_column("outbox", sa.Column("handoff_id", sa.String(ID), nullable=True))
    op.execute(_CASE_OF_ROW)
    op.execute("DELETE FROM outbox WHERE handoff_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_pseudonym")
        batch.drop_column("pseudonym")
        batch.alter_column("handoff_id", existing_type=sa.String(ID), nullable=False)
        batch.create_foreign_key(
            "fk_outbox_handoff_id", "handoffs", ["handoff_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_outbox_handoff_id", ["handoff_id"])


def downgrade() -> None:
    op.add_column("outbox", sa.Column("pseudonym", sa.String(PSEUDONYM), nullable=True))
    op.execute(_PERSON_OF_ROW)
    op.execute("DELETE FROM outbox WHERE pseudonym IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_handoff_id")
        batch.drop_constraint("fk_outbox_handoff_id", type_="foreignkey")
        batch.drop_column("handoff_id")
        batch.alter_column("pseudonym", existing_type=sa.String(PSEUDONYM), nullable=False)
        batch.create_index("ix_outbox_pseudonym", ["pseudonym"])
    op.drop_index("ix_case_links_pseudonym", "case_links")
    op.drop_table("case_links")
    # Not a batch: recreating handoffs on SQLite would cascade its DROP into the threads.
    op.execute("ALTER TABLE handoffs DROP COLUMN sealed_link")
