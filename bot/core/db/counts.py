"""How many handoffs people opened since a point in the audit log, by urgency: counts, nothing else.

A handoff has no "opened at" column (``updated_at`` moves on every claim and release, and a case
shared before sharing became one transaction began as a draft), but every submission leaves a
``handoff.open`` audit entry by the person. Positions in the audit log (``seq``) are the cursor
rather than clock times: each entry's ``seq`` is given while its writer holds the audit lock,
which it keeps until it commits, so entries become visible in ``seq`` order. A time cut-off
could miss a handoff stamped just before it and committed just after (its writer waiting for
that lock); a ``seq`` cut-off cannot.

Only plain columns are read: the audit entry's position, action and actor role, and the
handoff's status and urgency. Never a sealed column, a pseudonym or an organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import func, select

from bot.core.db.audit import PERSON
from bot.core.db.database import Database
from bot.core.db.models import AuditEntry, Handoff, HandoffStatus
from bot.core.report_fields import Urgency

# By the person (handoffs.open_handoff) a submission; by staff (set_handoff_status) a release.
_OPENED = f"handoff.{HandoffStatus.OPEN.value}"


@dataclass(frozen=True)
class OpenedSince:
    """Handoffs people opened after one audit position that are still waiting in the queue."""

    # Only urgencies with at least one handoff appear.
    by_urgency: Mapping[Urgency, int] = field(default_factory=lambda: MappingProxyType({}))
    # The audit position this count reaches; pass it as ``after`` to count only later ones.
    until: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_urgency.values())


def audit_position(db: Database, at: datetime | None = None) -> int:
    """The position of the last audit entry written at or before ``at`` (default: the last one).

    0 for an empty log, so every later entry counts as after it.
    """
    with db.transaction() as session:
        query = select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)
        if at is not None:
            query = query.where(AuditEntry.created_at <= at)
        position = session.scalar(query)
    return position or 0


def opened_since(db: Database, after: int) -> OpenedSince:
    """Handoffs opened by the person after audit position ``after`` and still open, by urgency.

    One claimed, closed or withdrawn since is no longer in the queue and is not counted; a case a
    caseworker released back to the queue is not new and is not counted either.
    """
    with db.transaction() as session:
        until = max(after, session.scalar(select(func.max(AuditEntry.seq))) or 0)
        rows = session.execute(
            select(Handoff.urgency, func.count(func.distinct(Handoff.id)))
            .join(AuditEntry, AuditEntry.object_id == Handoff.id)
            .where(
                AuditEntry.seq > after,
                AuditEntry.seq <= until,
                AuditEntry.action == _OPENED,
                AuditEntry.actor_role == PERSON.role,
                Handoff.status == HandoffStatus.OPEN,
            )
            .group_by(Handoff.urgency)
        ).all()
    counts = {Urgency(urgency): int(count) for urgency, count in rows if count}
    return OpenedSince(MappingProxyType(counts), until)
