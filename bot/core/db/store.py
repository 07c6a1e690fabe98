"""The store: every write seals free text first, every change is audited, nothing connects early.

Free text reaches the database only through :func:`seal_report_for_organisation` or the relay
(``bot.core.db.relay``: :meth:`Store.add_thread_message`, :meth:`Store.enqueue_delivery`), each of
which runs the immigration firewall on every string before sealing. Plain columns accept only
the closed vocabularies of ``bot.core.report_fields`` and pseudonyms, never raw ids. This module
keeps the case itself (draft, status, report) and its erasure and retention; callers import
everything, relay names included, from here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Delete, delete, select
from sqlalchemy.orm import Session

from bot.core import report_fields
from bot.core.crypto import (
    Binding,
    OrganisationPrivateKey,
    OrganisationPublicKey,
    open_as_organisation,
    seal_for_organisation,
)
from bot.core.db.audit import PERSON, SYSTEM, Actor, VerificationResult, append_audit, verify_chain
from bot.core.db.keys import active_organisation_key
from bot.core.db.migrations import create_engine_for, upgrade_database
from bot.core.db.models import (
    CaseNote,
    ChatLink,
    Handoff,
    HandoffStatus,
    OutboxMessage,
    ThreadMessage,
    new_id,
)
from bot.core.db.relay import CASEWORKER_REPLY_PREFIX, Delivery, Relay, caseworker_reply_key
from bot.core.db.store_base import (
    REPORT_FORMAT,
    Redactor,
    StoreError,
    require_handoff,
    require_pseudonym,
)
from bot.core.report_fields import Urgency

__all__ = [
    "CASEWORKER_REPLY_PREFIX",
    "Delivery",
    "ErasureResult",
    "HandoffFields",
    "PurgeResult",
    "Store",
    "StoreError",
    "caseworker_reply_key",
    "create_engine_for",
    "seal_report_for_organisation",
    "upgrade_database",
]

_NEXT_STATUS = {
    HandoffStatus.DRAFT: {HandoffStatus.OPEN},
    HandoffStatus.OPEN: {HandoffStatus.CLAIMED, HandoffStatus.CLOSED},
    HandoffStatus.CLAIMED: {HandoffStatus.OPEN, HandoffStatus.CLOSED},
}


@dataclass(frozen=True)
class HandoffFields:
    """The fixed-choice facts kept in plain columns, checked against the closed vocabularies."""

    urgency: Urgency = Urgency.STANDARD
    abuse_kinds: tuple[str, ...] = ()
    nation: str | None = None
    region: str | None = None
    help_types: tuple[str, ...] = ()
    last_happened: str | None = None
    consent: bool = False
    safe_contact_time: str | None = None

    def __post_init__(self) -> None:
        allowed: tuple[tuple[tuple[str | None, ...], frozenset[str]], ...] = (
            (self.abuse_kinds, report_fields.ABUSE_KINDS),
            ((self.nation,), report_fields.NATIONS),
            ((self.region,), report_fields.ENGLISH_REGIONS),
            (self.help_types, report_fields.HELP_TYPES),
            ((self.last_happened,), report_fields.LAST_HAPPENED),
            ((self.safe_contact_time,), report_fields.CONTACT_TIMES),
        )
        for values, vocabulary in allowed:
            for value in values:
                if value not in (None, report_fields.NOT_GIVEN) and value not in vocabulary:
                    raise StoreError("a fixed-choice field holds a value outside its vocabulary")


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


def seal_report_for_organisation(
    report: Mapping[str, object],
    org_key: OrganisationPublicKey,
    binding: Binding,
    firewall: Redactor,
) -> bytes:
    """Redact every string in the report (at any depth), then seal it for the organisation."""
    plaintext = json.dumps(_redact_strings(report, firewall), sort_keys=True, ensure_ascii=False)
    return seal_for_organisation(plaintext.encode("utf-8"), org_key, binding)


def _redact_strings(value: object, firewall: Redactor) -> object:
    if isinstance(value, str):
        return firewall.redact(value).text
    if isinstance(value, Mapping):
        return {str(key): _redact_strings(item, firewall) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_strings(item, firewall) for item in value]
    return value


class Store(Relay):
    """All database work of the bot side; each method is one transaction with its audit entry.

    The thread, outbox and chat-link methods are inherited from :class:`Relay`."""

    def migrate(self) -> None:
        upgrade_database(self.engine)

    def save_handoff(
        self,
        pseudonym: str,
        organisation_id: str,
        fields: HandoffFields,
        report: Mapping[str, object],
        handoff_id: str | None = None,
    ) -> str:
        """Create or update the person's draft: fixed-choice columns, sealed redacted report."""
        require_pseudonym(pseudonym)
        now = self.now()
        with self.transaction() as session:
            handoff = session.get(Handoff, handoff_id) if handoff_id else None
            if handoff is None:
                handoff = Handoff(id=handoff_id or new_id(), created_at=now)
                handoff.status = HandoffStatus.DRAFT
                session.add(handoff)
            elif handoff.pseudonym != pseudonym or handoff.status is not HandoffStatus.DRAFT:
                raise StoreError("only the person's own draft can be changed")
            handoff.organisation_id, handoff.pseudonym, handoff.updated_at = (
                organisation_id,
                pseudonym,
                now,
            )
            for name, value in asdict(fields).items():
                setattr(handoff, name, list(value) if isinstance(value, tuple) else value)
            handoff.sealed_report = seal_report_for_organisation(
                report,
                active_organisation_key(session, organisation_id),
                _report_binding(handoff),
                self.firewall,
            )
            append_audit(session, PERSON, "handoff.save", now, handoff.id)
            return handoff.id

    def set_handoff_status(
        self, handoff_id: str, status: HandoffStatus, actor: Actor, claimed_by: str | None = None
    ) -> None:
        """Move a case along draft → open → claimed → closed (or back to open on release)."""
        now = self.now()
        with self.transaction() as session:
            handoff = require_handoff(session, handoff_id)
            if status not in _NEXT_STATUS.get(handoff.status, set()):
                raise StoreError(f"a {handoff.status.value} handoff cannot become {status.value}")
            handoff.status, handoff.updated_at = status, now
            handoff.claimed_by = claimed_by if status is HandoffStatus.CLAIMED else None
            handoff.closed_at = now if status is HandoffStatus.CLOSED else None
            append_audit(session, actor, f"handoff.{status.value}", now, handoff_id)

    def get_handoff(self, handoff_id: str) -> Handoff:
        with self.transaction() as session:
            return require_handoff(session, handoff_id)

    def read_report(
        self, handoff_id: str, private_keys: Mapping[str, OrganisationPrivateKey], actor: Actor
    ) -> dict[str, Any]:
        """Open a report for staff; the read itself is audited (who looked at which case)."""
        with self.transaction() as session:
            handoff = require_handoff(session, handoff_id)
            if handoff.sealed_report is None:
                raise StoreError("this report was withdrawn by the person")
            plaintext = open_as_organisation(
                handoff.sealed_report, private_keys, _report_binding(handoff)
            )
            append_audit(session, actor, "handoff.read", self.now(), handoff_id)
        report: dict[str, Any] = json.loads(plaintext)
        return report

    def erase_pseudonym(self, pseudonym: str) -> ErasureResult:
        """The person's erasure: drafts go; submitted cases become withdrawn and lose content."""
        require_pseudonym(pseudonym)
        now = self.now()
        with self.transaction() as session:
            handoffs = session.scalars(select(Handoff).where(Handoff.pseudonym == pseudonym)).all()
            drafts = [h.id for h in handoffs if h.status is HandoffStatus.DRAFT]
            _delete_handoffs(session, drafts)
            withdrawn = [h for h in handoffs if h.status is not HandoffStatus.DRAFT]
            for handoff in withdrawn:
                # Notes are about what the person said: they go with the person's words.
                for sealed in (ThreadMessage, CaseNote):
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
        self, now: datetime | None = None, draft_days: int = 7, closed_days: int = 90
    ) -> PurgeResult:
        """Retention: stale drafts, long-closed or withdrawn cases, spent deliveries, old links."""
        now = now or self.now()
        with self.transaction() as session:
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
            deliveries = _deleted(
                session, delete(OutboxMessage).where(OutboxMessage.delivered.is_(True))
            )
            links = _deleted(session, delete(ChatLink).where(ChatLink.expires_at <= now))
            result = PurgeResult(len(drafts), len(closed), deliveries, links)
            append_audit(session, SYSTEM, "retention.purge", now, detail=asdict(result))
        return result

    def verify_audit_chain(self) -> VerificationResult:
        with self.transaction() as session:
            return verify_chain(session)


def _deleted(session: Session, statement: Delete) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _delete_handoffs(session: Session, handoff_ids: list[str]) -> None:
    # Explicit child deletes: cascades differ between SQLite connections and PostgreSQL.
    if handoff_ids:
        session.execute(delete(ThreadMessage).where(ThreadMessage.handoff_id.in_(handoff_ids)))
        session.execute(delete(Handoff).where(Handoff.id.in_(handoff_ids)))


def _report_binding(handoff: Handoff) -> Binding:
    return Binding(handoff.id, "handoff.report", handoff.organisation_id, REPORT_FORMAT)
