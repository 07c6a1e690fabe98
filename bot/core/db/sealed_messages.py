"""Words about a case, sealed for its organisation: the thread with the person, and staff notes.

One mechanism for both: redact with the firewall, seal under the organisation's active key,
bound to the row's id and kind, store, audit. Reading opens them with the viewer's keys and
audits the read. The two kinds differ only in table, binding and audit names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    Binding,
    OrganisationPrivateKey,
    open_as_organisation,
    seal_for_organisation,
)
from bot.core.db.audit import Actor, append_audit
from bot.core.db.database import REPORT_FORMAT, Redactor
from bot.core.db.keys import active_organisation_key
from bot.core.db.models import CaseNote, Handoff, ThreadMessage, new_id

__all__ = ["NOTES", "THREAD", "SealedKind", "open_messages", "seal_message"]

NOTE_FORMAT = 1
Message = TypeVar("Message", ThreadMessage, CaseNote)


@dataclass(frozen=True)
class SealedKind(Generic[Message]):
    model: type[Message]
    binding_field: str
    format: int
    added: str
    read: str

    def binding(self, row_id: str, organisation_id: str) -> Binding:
        return Binding(row_id, self.binding_field, organisation_id, self.format)


THREAD = SealedKind(ThreadMessage, "thread.body", REPORT_FORMAT, "thread.add", "thread.read")
NOTES = SealedKind(CaseNote, "case_note.body", NOTE_FORMAT, "note.add", "note.read")


def seal_message(
    session: Session,
    kind: SealedKind[Message],
    handoff: Handoff,
    text: str,
    actor: Actor,
    *,
    now: datetime,
    firewall: Redactor,
    **columns: object,
) -> str:
    """Store one redacted, sealed message of ``kind`` on the case; returns its id.

    ``columns`` are the kind's own (a thread message's author)."""
    row = kind.model(
        id=new_id(), handoff_id=handoff.id, staff_id=actor.id, created_at=now, **columns
    )
    row.sealed_body = seal_for_organisation(
        firewall.redact(text).text.encode("utf-8"),
        active_organisation_key(session, handoff.organisation_id),
        kind.binding(row.id, handoff.organisation_id),
    )
    session.add(row)
    append_audit(session, actor, kind.added, now, handoff.id)
    return row.id


def open_messages(
    session: Session,
    kind: SealedKind[Message],
    handoff: Handoff,
    private_keys: Mapping[str, OrganisationPrivateKey],
    actor: Actor,
    *,
    now: datetime,
) -> list[tuple[Message, str]]:
    """Every message of ``kind`` on the case, oldest first, with its opened text."""
    model = kind.model
    rows = session.scalars(
        select(model).where(model.handoff_id == handoff.id).order_by(model.created_at)
    ).all()
    opened = [
        (
            row,
            open_as_organisation(
                row.sealed_body, private_keys, kind.binding(row.id, handoff.organisation_id)
            ).decode("utf-8"),
        )
        for row in rows
    ]
    append_audit(session, actor, kind.read, now, handoff.id)
    return opened
