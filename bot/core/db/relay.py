"""The anonymous relay: a caseworker and the person talk while the person stays a pseudonym.

Three parts, each sealed at rest: the case thread (redacted, sealed for the organisation, by
``bot.core.db.sealed_messages``), the outbox the front end delivers from (redacted, sealed to
the front end's public key, so the console that writes it cannot read it back) and the chat links
that say where to deliver (the Telegram chat id, sealed under the front end's own secret, kept
only for a while; nothing the console holds opens them). An outbox row names its case, and the
front end finds the person through the case's sealed link (``bot.core.db.case_links``). Every
function works in the caller's session.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    COURIER_KIND,
    Binding,
    FrontEndKey,
    FrontEndPublicKey,
    OrganisationPrivateKey,
    envelope_kind,
    open_as_front_end,
    open_as_front_end_courier,
    seal_for_front_end,
    seal_for_front_end_courier,
)
from bot.core.db.audit import PERSON, SYSTEM, Actor, append_audit
from bot.core.db.case_links import cases_of, person_of
from bot.core.db.database import Redactor, StoreError, require_handoff, require_pseudonym
from bot.core.db.models import (
    Author,
    ChatLink,
    Handoff,
    HandoffStatus,
    OutboxMessage,
    Undeliverable,
    new_id,
)
from bot.core.db.sealed_messages import THREAD, open_messages, seal_message

__all__ = [
    "CASEWORKER_REPLY_PREFIX",
    "Delivery",
    "add_thread_message",
    "answerable_case",
    "caseworker_reply_key",
    "chat_id_for",
    "enqueue_delivery",
    "forget_chat",
    "mark_delivered",
    "mark_undeliverable",
    "pending_deliveries",
    "read_thread",
    "remember_chat",
    "reply_to_person",
    "undelivered_replies",
]

_DEDUPE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Outbox rows whose dedupe key starts with this carry a caseworker's words, which the front end
# presents as such and answers to which it passes back into the case thread.
CASEWORKER_REPLY_PREFIX = "reply."
_ANSWERABLE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)


@dataclass(frozen=True)
class Delivery:
    """A message for the front end to send; ``text`` was redacted before it was sealed.
    ``pseudonym`` is None when its case no longer names anyone (the person erased their data)."""

    id: str
    pseudonym: str | None
    text: str
    from_caseworker: bool = False


def caseworker_reply_key(thread_message_id: str) -> str:
    """The outbox dedupe key of a caseworker's reply: one delivery per thread message."""
    return f"{CASEWORKER_REPLY_PREFIX}{thread_message_id}"


def add_thread_message(
    session: Session,
    handoff_id: str,
    author: Author,
    text: str,
    actor: Actor,
    *,
    now: datetime,
    firewall: Redactor,
) -> str:
    """Redact and seal one message of the case's anonymous thread for its organisation."""
    handoff = require_handoff(session, handoff_id)
    if handoff.status is HandoffStatus.WITHDRAWN:
        raise StoreError("this case was withdrawn by the person")
    return seal_message(
        session, THREAD, handoff, text, actor, now=now, firewall=firewall, author=author
    )


def answerable_case(
    session: Session, pseudonym: str, keys: Mapping[str, FrontEndKey]
) -> str | None:
    """The person's newest case that is still open or claimed, the one their answers go to."""
    require_pseudonym(pseudonym)
    mine = cases_of(session, pseudonym, keys)
    if not mine:
        return None
    return session.scalars(
        select(Handoff.id)
        .where(Handoff.id.in_(mine))
        .where(Handoff.status.in_(_ANSWERABLE))
        .order_by(Handoff.created_at.desc())
    ).first()


def read_thread(
    session: Session,
    handoff_id: str,
    private_keys: Mapping[str, OrganisationPrivateKey],
    actor: Actor,
    *,
    now: datetime,
) -> list[tuple[Author, datetime, str]]:
    handoff = require_handoff(session, handoff_id)
    opened = open_messages(session, THREAD, handoff, private_keys, actor, now=now)
    return [(row.author, row.created_at, text) for row, text in opened]


def enqueue_delivery(
    session: Session,
    handoff_id: str,
    dedupe_key: str,
    text: str,
    *,
    key: FrontEndPublicKey,
    actor: Actor,
    now: datetime,
    firewall: Redactor,
) -> str:
    """Queue a chat message for the case's person once per ``dedupe_key``; returns the outbox
    id. The row names the case: whoever queues it (the console) never learns who the person is."""
    if not _DEDUPE_KEY.fullmatch(dedupe_key):
        raise StoreError("a dedupe key is a short token, never user text")
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).first()
    if existing is not None:
        return existing.id
    row = OutboxMessage(id=new_id(), handoff_id=handoff_id, dedupe_key=dedupe_key, created_at=now)
    row.delivered = False
    row.sealed_payload = seal_for_front_end_courier(
        firewall.redact(text).text.encode("utf-8"), key, _outbox_binding(row.id)
    )
    session.add(row)
    append_audit(session, actor, "outbox.enqueue", now, row.id)
    return row.id


def reply_to_person(
    session: Session,
    handoff_id: str,
    text: str,
    key: FrontEndPublicKey,
    actor: Actor,
    *,
    now: datetime,
    firewall: Redactor,
) -> str:
    """A caseworker's reply: into the thread and the person's outbox together, so a reply is
    never on record unsent nor sent off the record (a withdrawn case takes neither). Returns
    the thread message id."""
    message_id = add_thread_message(
        session, handoff_id, Author.STAFF, text, actor, now=now, firewall=firewall
    )
    enqueue_delivery(
        session,
        handoff_id,
        caseworker_reply_key(message_id),
        text,
        key=key,
        actor=actor,
        now=now,
        firewall=firewall,
    )
    return message_id


def pending_deliveries(
    session: Session,
    keys: Mapping[str, FrontEndKey],
    limit: int = 50,
    exclude: Collection[str] = (),
) -> list[Delivery]:
    """The oldest rows still to send, less ``exclude`` (those a pass has already tried, so it
    can page past rows that failed for now)."""
    query = select(OutboxMessage, Handoff).join(Handoff, OutboxMessage.handoff_id == Handoff.id)
    if exclude:
        query = query.where(OutboxMessage.id.not_in(list(exclude)))
    rows = session.execute(
        query.where(OutboxMessage.delivered.is_(False))
        # A row that can never be sent is out of the queue for good: the oldest 50 of them
        # would otherwise be picked on every pass and hold up everyone behind them.
        .where(OutboxMessage.undeliverable.is_(None))
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    ).all()
    return [
        Delivery(
            row.id,
            # Opened as it is sent, so a case a /resume moved meanwhile goes to its new account.
            person_of(handoff, keys),
            _open_outbox(row.sealed_payload, keys, _outbox_binding(row.id)).decode(),
            from_caseworker=row.dedupe_key.startswith(CASEWORKER_REPLY_PREFIX),
        )
        for row, handoff in rows
    ]


def mark_delivered(session: Session, outbox_id: str, *, now: datetime) -> None:
    """Delivered messages keep no content: the sealed payload is dropped at once."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise StoreError("no such outbox message")
    row.delivered, row.delivered_at, row.sealed_payload = True, now, b""
    append_audit(session, SYSTEM, "outbox.delivered", now, outbox_id)


def mark_undeliverable(
    session: Session, outbox_id: str, reason: Undeliverable, *, now: datetime
) -> None:
    """A message that can never reach the person: the reason is kept (for the caseworker), the
    content is dropped at once, as on delivery, and the row is never picked again."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise StoreError("no such outbox message")
    row.undeliverable, row.undeliverable_at, row.sealed_payload = reason, now, b""
    append_audit(session, SYSTEM, f"outbox.undeliverable.{reason.value}", now, outbox_id)


def undelivered_replies(
    session: Session, thread_message_ids: list[str]
) -> dict[str, Undeliverable]:
    """Which of these caseworker replies could not be delivered, and why, by thread message id
    (the outbox row is found by its dedupe key, ``caseworker_reply_key``)."""
    if not thread_message_ids:
        return {}
    keys = {caseworker_reply_key(message_id): message_id for message_id in thread_message_ids}
    rows = session.execute(
        select(OutboxMessage.dedupe_key, OutboxMessage.undeliverable)
        .where(OutboxMessage.dedupe_key.in_(keys))
        .where(OutboxMessage.undeliverable.is_not(None))
    ).all()
    return {keys[key]: reason for key, reason in rows if reason is not None}


def remember_chat(
    session: Session,
    pseudonym: str,
    chat_id: int,
    key: FrontEndKey,
    ttl: timedelta,
    *,
    now: datetime,
) -> None:
    """Keep the Telegram chat id, sealed under the front end's key, until ``ttl`` passes."""
    require_pseudonym(pseudonym)
    sealed = seal_for_front_end(str(chat_id).encode(), key, _chat_binding(pseudonym))
    session.merge(ChatLink(pseudonym=pseudonym, sealed_chat_id=sealed, expires_at=now + ttl))
    append_audit(session, PERSON, "chat.remember", now)


def chat_id_for(
    session: Session, pseudonym: str, keys: Mapping[str, FrontEndKey], *, now: datetime
) -> int | None:
    """The chat id to deliver to, or None when it was never kept, erased or has expired."""
    link = session.get(ChatLink, pseudonym)
    if link is None or link.expires_at <= now:
        return None
    return int(open_as_front_end(link.sealed_chat_id, keys, _chat_binding(pseudonym)))


def forget_chat(session: Session, pseudonym: str, *, now: datetime, blocked: bool = False) -> None:
    """Drop the chat id now rather than at expiry: the person left, or (``blocked``) Telegram
    said they blocked the bot, which the audit must not put down to the person's own act."""
    session.execute(delete(ChatLink).where(ChatLink.pseudonym == pseudonym))
    if blocked:
        append_audit(session, SYSTEM, "chat.blocked", now)
    else:
        append_audit(session, PERSON, "chat.forget", now)


def _open_outbox(sealed: bytes, keys: Mapping[str, FrontEndKey], binding: Binding) -> bytes:
    # Rows queued before the outbox was sealed to the public key are under the front end's own
    # symmetric key, which it still holds: they open as they are, and no migration is needed.
    if envelope_kind(sealed) == COURIER_KIND:
        return open_as_front_end_courier(sealed, keys, binding)
    return open_as_front_end(sealed, keys, binding)


def _outbox_binding(outbox_id: str) -> Binding:
    return Binding(outbox_id, "outbox.payload")


def _chat_binding(pseudonym: str) -> Binding:
    return Binding(pseudonym, "chat_link.chat_id")
