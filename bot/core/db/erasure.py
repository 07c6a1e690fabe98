"""The person's erasure and retention: what is deleted, withdrawn or emptied, in the caller's
session, so that either all of it happens or none of it does. Both need the front end's key:
only it opens the links between a person and their cases (``bot.core.db.case_links``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Delete, delete, select
from sqlalchemy.orm import Session

from bot.core.crypto import FrontEndKey
from bot.core.db import case_links
from bot.core.db.audit import PERSON, SYSTEM, append_audit, prune_case_entries
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
from bot.core.report_fields import Urgency

__all__ = ["ErasureResult", "PurgeResult", "erase_pseudonym", "purge_expired"]


@dataclass(frozen=True)
class ErasureResult:
    handoffs_withdrawn: int
    drafts_deleted: int
    deliveries_deleted: int
    chat_links_deleted: int
    case_links_deleted: int


@dataclass(frozen=True)
class PurgeResult:
    drafts_deleted: int
    closed_deleted: int
    deliveries_deleted: int
    chat_links_deleted: int
    case_links_deleted: int


def erase_pseudonym(
    session: Session, pseudonym: str, keys: Mapping[str, FrontEndKey], *, now: datetime
) -> ErasureResult:
    """Everything of theirs at once: drafts go; shared cases become withdrawn stubs without
    content, answers, exact times or link to the person; the person's own audit entries about
    them are pruned; deliveries, the list of their cases and the chat link go."""
    require_pseudonym(pseudonym)
    mine = case_links.cases_of(session, pseudonym, keys)
    handoffs = session.scalars(select(Handoff).where(Handoff.id.in_(mine))).all()
    deliveries = _deleted(session, delete(OutboxMessage).where(OutboxMessage.handoff_id.in_(mine)))
    drafts = [h.id for h in handoffs if h.status is HandoffStatus.DRAFT]
    _delete_handoffs(session, drafts)
    withdrawn = [h for h in handoffs if h.status is not HandoffStatus.DRAFT]
    # The staff's entries stay until retention: they are the oversight of what staff did.
    prune_case_entries(session, [h.id for h in handoffs], actor_role=PERSON.role)
    for handoff in withdrawn:
        # Notes are about what the person said: they go with the person's words; a receipt
        # would lead back to a case that is over.
        for sealed in (ThreadMessage, CaseNote, Receipt):
            session.execute(delete(sealed).where(sealed.handoff_id == handoff.id))
        _withdraw(handoff, now)
        append_audit(session, PERSON, "handoff.withdrawn", now, handoff.id)
    links = _deleted(session, delete(ChatLink).where(ChatLink.pseudonym == pseudonym))
    listed = case_links.unlink_person(session, pseudonym)
    result = ErasureResult(len(withdrawn), len(drafts), deliveries, links, listed)
    append_audit(session, PERSON, "person.erase", now, detail=asdict(result))
    return result


def purge_expired(
    session: Session,
    key: FrontEndKey,
    *,
    now: datetime,
    draft_days: int = 7,
    closed_days: int = 90,
) -> PurgeResult:
    """Retention: stale drafts, long-closed or withdrawn cases, spent or long-undeliverable
    deliveries, old chat links and the case links whose case is gone (the rest reshuffled)."""
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
    prune_case_entries(session, [*drafts, *closed])
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
    listed = case_links.reshuffle(session, key)
    result = PurgeResult(len(drafts), len(closed), deliveries, links, listed)
    append_audit(session, SYSTEM, "retention.purge", now, detail=asdict(result))
    return result


def _withdraw(handoff: Handoff, now: datetime) -> None:
    """The stub a withdrawn case leaves its organisation: that it existed, in which week, and
    that the person withdrew it. Their fixed-choice answers go now, not at retention."""
    handoff.status = HandoffStatus.WITHDRAWN
    handoff.sealed_report = handoff.sealed_link = handoff.pseudonym = handoff.claimed_by = None
    # Only the day of sharing and of withdrawal: the exact times would say when the person was
    # online, and retention counts days.
    handoff.updated_at = handoff.closed_at = _day(now)
    handoff.created_at = _day(handoff.created_at)
    # The column cannot be null (its CHECK would mean rebuilding the table): the lowest level,
    # which statistics do not count for a withdrawn case.
    handoff.urgency = Urgency.STANDARD
    handoff.abuse_kinds, handoff.help_types, handoff.consent = [], [], False
    handoff.nation = handoff.region = handoff.last_happened = handoff.safe_contact_time = None


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _deleted(session: Session, statement: Delete) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _delete_handoffs(session: Session, handoff_ids: list[str]) -> None:
    # Explicit child deletes: cascades differ between SQLite connections and PostgreSQL.
    if handoff_ids:
        for child in (ThreadMessage, CaseNote, Receipt, OutboxMessage):
            session.execute(delete(child).where(child.handoff_id.in_(handoff_ids)))
        session.execute(delete(Handoff).where(Handoff.id.in_(handoff_ids)))
