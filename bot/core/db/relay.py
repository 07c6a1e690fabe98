"""The anonymous relay: a caseworker and the person talk while the person stays a pseudonym.

Three parts, each sealed at rest: the case thread (redacted, sealed for the organisation), the
outbox the front end delivers from (redacted, sealed for the front end) and the chat links that
say where to deliver (the Telegram chat id, sealed for the front end, kept only for a while).
``Store`` inherits all of it, so callers keep using ``bot.core.db.store.Store``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.core.crypto import (
    Binding,
    FrontEndKey,
    OrganisationPrivateKey,
    open_as_front_end,
    open_as_organisation,
    seal_for_front_end,
    seal_for_organisation,
)
from bot.core.db.audit import PERSON, SYSTEM, Actor, append_audit
from bot.core.db.keys import active_organisation_key
from bot.core.db.models import (
    Author,
    ChatLink,
    Handoff,
    HandoffStatus,
    OutboxMessage,
    ThreadMessage,
    new_id,
)
from bot.core.db.store_base import (
    REPORT_FORMAT,
    StoreBase,
    StoreError,
    require_handoff,
    require_pseudonym,
)

__all__ = ["CASEWORKER_REPLY_PREFIX", "Delivery", "Relay", "caseworker_reply_key"]

_DEDUPE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Outbox rows whose dedupe key starts with this carry a caseworker's words, which the front end
# presents as such and answers to which it passes back into the case thread.
CASEWORKER_REPLY_PREFIX = "reply."
_ANSWERABLE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)


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


class Relay(StoreBase):
    """Thread, outbox and chat links; each method is one transaction with its audit entry."""

    def add_thread_message(self, handoff_id: str, author: Author, text: str, actor: Actor) -> str:
        """Redact and seal one message of the case's anonymous thread for its organisation."""
        now = self.now()
        with self.transaction() as session:
            handoff = require_handoff(session, handoff_id)
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
        require_pseudonym(pseudonym)
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
            organisation_id = require_handoff(session, handoff_id).organisation_id
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
        require_pseudonym(pseudonym)
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
        require_pseudonym(pseudonym)
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


def _message_binding(message: ThreadMessage, organisation_id: str) -> Binding:
    return Binding(message.id, "thread.body", organisation_id, REPORT_FORMAT)


def _outbox_binding(outbox_id: str) -> Binding:
    return Binding(outbox_id, "outbox.payload")


def _chat_binding(pseudonym: str) -> Binding:
    return Binding(pseudonym, "chat_link.chat_id")
