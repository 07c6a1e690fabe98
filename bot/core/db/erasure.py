"""The person's erasure and retention: what is deleted, withdrawn or emptied, in the caller's
session, so that either all of it happens or none of it does."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Delete, delete, select
from sqlalchemy.orm import Session

from bot.core.db.audit import PERSON, SYSTEM, append_audit
from bot.core.db.database import require_pseudonym
from bot.core.db.models import (
    CaseNote,
    ChatLink,
    Handoff,
    HandoffStatus,
    OutboxMessage,
    ThreadMessage,
)
from bot.core.db.receipt_models import Receipt

__all__ = ["ErasureResult", "PurgeResult", "erase_pseudonym", "purge_expired"]


@dataclass(frozen=True)
class ErasureResult:
    handoffs_withdrawn: int
    drafts_deleted: int
    deliveries_deleted: int
    chat_links_deleted: int


@dataclass(frozen=True)
class PurgeResult:
    drafts_deleted: int
    closed_deleted: int
    deliveries_deleted: int
    chat_links_deleted: int


def erase_pseudonym(session: Session, pseudonym: str, *, now: datetime) -> ErasureResult:
    """Drafts go; shared cases become withdrawn and lose their content; deliveries and the chat
    link go."""
    require_pseudonym(pseudonym)
    handoffs = session.scalars(select(Handoff).where(Handoff.pseudonym == pseudonym)).all()
    drafts = [h.id for h in handoffs if h.status is HandoffStatus.DRAFT]
    _delete_handoffs(session, drafts)
    withdrawn = [h for h in handoffs if h.status is not HandoffStatus.DRAFT]
    for handoff in withdrawn:
        # Notes are about what the person said: they go with the person's words; a receipt
        # would lead back to a case that is over.
        for sealed in (ThreadMessage, CaseNote, Receipt):
            session.execute(delete(sealed).where(sealed.handoff_id == handoff.id))
        handoff.status = HandoffStatus.WITHDRAWN
        handoff.sealed_report = handoff.pseudonym = handoff.claimed_by = None
        handoff.updated_at = handoff.closed_at = now
        append_audit(session, PERSON, "handoff.withdrawn", now, handoff.id)
    deliveries = _deleted(
        session, delete(OutboxMessage).where(OutboxMessage.pseudonym == pseudonym)
    )
    links = _deleted(session, delete(ChatLink).where(ChatLink.pseudonym == pseudonym))
    result = ErasureResult(len(withdrawn), len(drafts), deliveries, links)
    append_audit(session, PERSON, "person.erase", now, detail=asdict(result))
    return result


def purge_expired(
    session: Session, *, now: datetime, draft_days: int = 7, closed_days: int = 90
) -> PurgeResult:
    """Retention: stale drafts, long-closed or withdrawn cases, spent or long-undeliverable
    deliveries, old links."""
    drafts = session.scalars(
        select(Handoff.id)
        .where(Handoff.status == HandoffStatus.DRAFT)
        .where(Handoff.updated_at < now - timedelta(days=draft_days))
    ).all()
    closed = session.scalars(
        select(Handoff.id)
        .where(Handoff.status.in_([HandoffStatus.CLOSED, HandoffStatus.WITHDRAWN]))
        .where(Handoff.closed_at < now - timedelta(days=closed_days))
    ).all()
    _delete_handoffs(session, [*drafts, *closed])
    deliveries = _deleted(session, delete(OutboxMessage).where(OutboxMessage.delivered.is_(True)))
    # Undeliverable rows hold no content, only the reason the caseworker is shown; they go at
    # the closed-case retention, so the outbox never keeps them for ever (issue 12).
    deliveries += _deleted(
        session,
        delete(OutboxMessage)
        .where(OutboxMessage.undeliverable.is_not(None))
        .where(OutboxMessage.undeliverable_at < now - timedelta(days=closed_days)),
    )
    links = _deleted(session, delete(ChatLink).where(ChatLink.expires_at <= now))
    result = PurgeResult(len(drafts), len(closed), deliveries, links)
    append_audit(session, SYSTEM, "retention.purge", now, detail=asdict(result))
    return result


def _deleted(session: Session, statement: Delete) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _delete_handoffs(session: Session, handoff_ids: list[str]) -> None:
    # Explicit child deletes: cascades differ between SQLite connections and PostgreSQL.
    if handoff_ids:
        for sealed in (ThreadMessage, CaseNote, Receipt):
            session.execute(delete(sealed).where(sealed.handoff_id.in_(handoff_ids)))
        session.execute(delete(Handoff).where(Handoff.id.in_(handoff_ids)))
