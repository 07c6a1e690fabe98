"""The store: every write seals free text first, every change is audited, nothing connects early.

Free text reaches the database only through :func:`seal_report_for_organisation`,
:meth:`Store.add_thread_message` or :meth:`Store.enqueue_delivery`, each of which runs the
immigration firewall on every string before sealing. Plain columns accept only the closed
vocabularies of ``bot.core.report_fields`` and pseudonyms, never raw ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import CursorResult, Delete, Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core import report_fields
from bot.core.audit import PERSON, SYSTEM, Actor, VerificationResult, append_audit, verify_chain
from bot.core.crypto import (
    Binding,
    FrontEndKey,
    OrganisationPrivateKey,
    OrganisationPublicKey,
    open_as_front_end,
    open_as_organisation,
    seal_for_front_end,
    seal_for_organisation,
)
from bot.core.errors import LanternError
from bot.core.firewall import default_firewall
from bot.core.keys import active_organisation_key
from bot.core.migrations import create_engine_for, upgrade_database
from bot.core.models import (
    Author,
    CaseNote,
    ChatLink,
    Handoff,
    HandoffStatus,
    OutboxMessage,
    ThreadMessage,
    Urgency,
    new_id,
)
from bot.core.pseudonym import is_pseudonym

__all__ = ["Store", "create_engine_for", "seal_report_for_organisation", "upgrade_database"]

REPORT_FORMAT = 1
_DEDUPE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Outbox rows whose dedupe key starts with this carry a caseworker's words, which the front end
# presents as such and answers to which it passes back into the case thread.
CASEWORKER_REPLY_PREFIX = "reply."
_ANSWERABLE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)
_NEXT_STATUS = {
    HandoffStatus.DRAFT: {HandoffStatus.OPEN},
    HandoffStatus.OPEN: {HandoffStatus.CLAIMED, HandoffStatus.CLOSED},
    HandoffStatus.CLAIMED: {HandoffStatus.OPEN, HandoffStatus.CLOSED},
}


class StoreError(LanternError):
    """A store operation was refused: unknown record, bad transition or a non-vocabulary value."""


class Redaction(Protocol):
    @property
    def text(self) -> str: ...


class Redactor(Protocol):
    def redact(self, text: str) -> Redaction: ...


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


@dataclass(frozen=True)
class Delivery:
    """A message for the front end to send; ``text`` was redacted before it was sealed."""

    id: str
    pseudonym: str
    text: str
    from_caseworker: bool = False


def caseworker_reply_key(thread_message_id: str) -> str:
    """The outbox dedupe key of a caseworker's reply: one delivery per thread message."""
    return f"{CASEWORKER_REPLY_PREFIX}{thread_message_id}"


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


class Store:
    """All database work of the bot side; each method is one transaction with its audit entry."""

    def __init__(
        self,
        engine: Engine,
        firewall: Redactor | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.firewall: Redactor = firewall if firewall is not None else default_firewall()
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def migrate(self) -> None:
        upgrade_database(self.engine)

    def now(self) -> datetime:
        return self._clock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def save_handoff(
        self,
        pseudonym: str,
        organisation_id: str,
        fields: HandoffFields,
        report: Mapping[str, object],
        handoff_id: str | None = None,
    ) -> str:
        """Create or update the person's draft: fixed-choice columns, sealed redacted report."""
        _require_pseudonym(pseudonym)
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
            handoff = _get_handoff(session, handoff_id)
            if status not in _NEXT_STATUS.get(handoff.status, set()):
                raise StoreError(f"a {handoff.status.value} handoff cannot become {status.value}")
            handoff.status, handoff.updated_at = status, now
            handoff.claimed_by = claimed_by if status is HandoffStatus.CLAIMED else None
            handoff.closed_at = now if status is HandoffStatus.CLOSED else None
            append_audit(session, actor, f"handoff.{status.value}", now, handoff_id)

    def get_handoff(self, handoff_id: str) -> Handoff:
        with self.transaction() as session:
            return _get_handoff(session, handoff_id)

    def read_report(
        self, handoff_id: str, private_keys: Mapping[str, OrganisationPrivateKey], actor: Actor
    ) -> dict[str, Any]:
        """Open a report for staff; the read itself is audited (who looked at which case)."""
        with self.transaction() as session:
            handoff = _get_handoff(session, handoff_id)
            if handoff.sealed_report is None:
                raise StoreError("this report was withdrawn by the person")
            plaintext = open_as_organisation(
                handoff.sealed_report, private_keys, _report_binding(handoff)
            )
            append_audit(session, actor, "handoff.read", self.now(), handoff_id)
        report: dict[str, Any] = json.loads(plaintext)
        return report

    def add_thread_message(self, handoff_id: str, author: Author, text: str, actor: Actor) -> str:
        """Redact and seal one message of the case's anonymous thread for its organisation."""
        now = self.now()
        with self.transaction() as session:
            handoff = _get_handoff(session, handoff_id)
            if handoff.status is HandoffStatus.WITHDRAWN:
                raise StoreError("this case was withdrawn by the person")
            message = ThreadMessage(
                id=new_id(), handoff_id=handoff_id, author=author, staff_id=actor.id, created_at=now
            )
            message.sealed_body = seal_for_organisation(
                self.firewall.redact(text).text.encode("utf-8"),
                active_organisation_key(session, handoff.organisation_id),
                _message_binding(message, handoff.organisation_id),
            )
            session.add(message)
            append_audit(session, actor, "thread.add", now, handoff_id)
            return message.id

    def add_message_from_person(self, pseudonym: str, text: str) -> str | None:
        """The person answers their caseworker: into the thread of their newest case that is
        still open or claimed. None when there is none (closed, withdrawn or never shared)."""
        _require_pseudonym(pseudonym)
        with self.transaction() as session:
            handoff_id = session.scalars(
                select(Handoff.id)
                .where(Handoff.pseudonym == pseudonym)
                .where(Handoff.status.in_(_ANSWERABLE))
                .order_by(Handoff.created_at.desc())
            ).first()
        if handoff_id is None:
            return None
        return self.add_thread_message(handoff_id, Author.PERSON, text, PERSON)

    def read_thread(
        self, handoff_id: str, private_keys: Mapping[str, OrganisationPrivateKey], actor: Actor
    ) -> list[tuple[Author, datetime, str]]:
        with self.transaction() as session:
            organisation_id = _get_handoff(session, handoff_id).organisation_id
            messages = session.scalars(
                select(ThreadMessage)
                .where(ThreadMessage.handoff_id == handoff_id)
                .order_by(ThreadMessage.created_at)
            ).all()
            thread = [
                (
                    message.author,
                    message.created_at,
                    open_as_organisation(
                        message.sealed_body,
                        private_keys,
                        _message_binding(message, organisation_id),
                    ).decode("utf-8"),
                )
                for message in messages
            ]
            append_audit(session, actor, "thread.read", self.now(), handoff_id)
        return thread

    def enqueue_delivery(
        self, pseudonym: str, dedupe_key: str, text: str, key: FrontEndKey, actor: Actor
    ) -> str:
        """Queue a chat message for the person once per ``dedupe_key``; returns the outbox id."""
        _require_pseudonym(pseudonym)
        if not _DEDUPE_KEY.fullmatch(dedupe_key):
            raise StoreError("a dedupe key is a short token, never user text")
        now = self.now()
        with self.transaction() as session:
            existing = session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
            ).first()
            if existing is not None:
                return existing.id
            row = OutboxMessage(
                id=new_id(), pseudonym=pseudonym, dedupe_key=dedupe_key, created_at=now
            )
            row.delivered = False
            row.sealed_payload = seal_for_front_end(
                self.firewall.redact(text).text.encode("utf-8"), key, _outbox_binding(row.id)
            )
            session.add(row)
            append_audit(session, actor, "outbox.enqueue", now, row.id)
            return row.id

    def pending_deliveries(
        self, keys: Mapping[str, FrontEndKey], limit: int = 50
    ) -> list[Delivery]:
        with self.transaction() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.delivered.is_(False))
                .order_by(OutboxMessage.created_at)
                .limit(limit)
            ).all()
            return [
                Delivery(
                    row.id,
                    row.pseudonym,
                    open_as_front_end(row.sealed_payload, keys, _outbox_binding(row.id)).decode(),
                    from_caseworker=row.dedupe_key.startswith(CASEWORKER_REPLY_PREFIX),
                )
                for row in rows
            ]

    def mark_delivered(self, outbox_id: str) -> None:
        """Delivered messages keep no content: the sealed payload is dropped at once."""
        now = self.now()
        with self.transaction() as session:
            row = session.get(OutboxMessage, outbox_id)
            if row is None:
                raise StoreError("no such outbox message")
            row.delivered, row.delivered_at, row.sealed_payload = True, now, b""
            append_audit(session, SYSTEM, "outbox.delivered", now, outbox_id)

    def remember_chat(self, pseudonym: str, chat_id: int, key: FrontEndKey, ttl: timedelta) -> None:
        """Keep the Telegram chat id, sealed under the front end's key, until ``ttl`` passes."""
        _require_pseudonym(pseudonym)
        now = self.now()
        sealed = seal_for_front_end(str(chat_id).encode(), key, _chat_binding(pseudonym))
        with self.transaction() as session:
            session.merge(
                ChatLink(pseudonym=pseudonym, sealed_chat_id=sealed, expires_at=now + ttl)
            )
            append_audit(session, PERSON, "chat.remember", now)

    def chat_id_for(self, pseudonym: str, keys: Mapping[str, FrontEndKey]) -> int | None:
        """The chat id to deliver to, or None when it was never kept, erased or has expired."""
        with self.transaction() as session:
            link = session.get(ChatLink, pseudonym)
            if link is None or link.expires_at <= self.now():
                return None
            return int(open_as_front_end(link.sealed_chat_id, keys, _chat_binding(pseudonym)))

    def forget_chat(self, pseudonym: str) -> None:
        """The person left: drop the chat id now rather than at expiry."""
        with self.transaction() as session:
            session.execute(delete(ChatLink).where(ChatLink.pseudonym == pseudonym))
            append_audit(session, PERSON, "chat.forget", self.now())

    def erase_pseudonym(self, pseudonym: str) -> ErasureResult:
        """The person's erasure: drafts go; submitted cases become withdrawn and lose content."""
        _require_pseudonym(pseudonym)
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


def _message_binding(message: ThreadMessage, organisation_id: str) -> Binding:
    return Binding(message.id, "thread.body", organisation_id, REPORT_FORMAT)


def _outbox_binding(outbox_id: str) -> Binding:
    return Binding(outbox_id, "outbox.payload")


def _chat_binding(pseudonym: str) -> Binding:
    return Binding(pseudonym, "chat_link.chat_id")


def _require_pseudonym(value: str) -> None:
    if not is_pseudonym(value):
        raise StoreError("expected a pseudonym from bot.core.pseudonym, not a raw id")


def _get_handoff(session: Session, handoff_id: str) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise StoreError("no such handoff")
    return handoff
