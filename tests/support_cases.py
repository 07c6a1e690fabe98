"""Cases for tests: each helper is one transaction over the core's repositories, the way the
action server, the console and the front end compose them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.core.crypto import FrontEndKey, OrganisationPrivateKey
from bot.core.db import case_links, handoffs, relay
from bot.core.db.audit import Actor
from bot.core.db.database import Database, require_handoff
from bot.core.db.handoffs import HandoffFields
from bot.core.db.models import AuditEntry, Author, Base, Handoff, HandoffStatus, new_id

# The front end's key in tests that share cases: the person of a case is sealed to its public
# half, and the store's lookups by person open with it.
FRONT_END = FrontEndKey(b"front-end key for tests, 32 bytes and more")


def open_case(
    db: Database,
    pseudonym: str,
    organisation_id: str,
    fields: HandoffFields | None = None,
    report: Mapping[str, object] | None = None,
    *,
    key: FrontEndKey = FRONT_END,
) -> str:
    """A case the person shared with ``organisation_id`` (routing skipped)."""
    with db.transaction() as session:
        return handoffs.open_handoff(
            session,
            pseudonym,
            organisation_id,
            fields or HandoffFields(),
            report or {},
            courier=key.courier_public_key(),
            now=db.now(),
            firewall=db.firewall,
        )


def legacy_draft(
    db: Database, pseudonym: str, organisation_id: str, at: datetime | None = None
) -> str:
    """A draft as the old two-step sharing left behind when it stopped halfway, naming its
    person in clear as every case did before migration 0010."""
    at = at or db.now()
    with db.transaction() as session:
        handoff = Handoff(
            id=new_id(),
            organisation_id=organisation_id,
            pseudonym=pseudonym,
            status=HandoffStatus.DRAFT,
            created_at=at,
            updated_at=at,
            urgency=HandoffFields().urgency,
        )
        session.add(handoff)
        return handoff.id


def cases_of(db: Database, pseudonym: str, key: FrontEndKey) -> list[Handoff]:
    """The person's cases, found as the front end finds them: only its key opens the links."""
    with db.transaction() as session:
        mine = case_links.cases_of(session, pseudonym, {key.key_id: key})
        return list(session.scalars(select(Handoff).where(Handoff.id.in_(mine))).all())


def set_status(
    db: Database,
    handoff_id: str,
    status: HandoffStatus,
    actor: Actor,
    claimed_by: str | None = None,
) -> None:
    with db.transaction() as session:
        handoffs.set_handoff_status(
            session, handoff_id, status, actor, now=db.now(), claimed_by=claimed_by
        )


def get_handoff(db: Database, handoff_id: str) -> Handoff:
    with db.transaction() as session:
        return require_handoff(session, handoff_id)


def read_report(
    db: Database, handoff_id: str, keys: Mapping[str, OrganisationPrivateKey], actor: Actor
) -> dict[str, Any]:
    with db.transaction() as session:
        return handoffs.read_report(session, handoff_id, keys, actor, now=db.now())


def read_thread(
    db: Database, handoff_id: str, keys: Mapping[str, OrganisationPrivateKey], actor: Actor
) -> list[tuple[Author, datetime, str]]:
    with db.transaction() as session:
        return relay.read_thread(session, handoff_id, keys, actor, now=db.now())


def add_thread_message(
    db: Database, handoff_id: str, author: Author, text: str, actor: Actor
) -> str:
    with db.transaction() as session:
        return relay.add_thread_message(
            session, handoff_id, author, text, actor, now=db.now(), firewall=db.firewall
        )


def enqueue(
    db: Database, handoff_id: str, dedupe_key: str, text: str, key: FrontEndKey, *, by: Actor
) -> str:
    """Queue for the case's person as the console does: sealed to the public half of the front
    end's ``key``."""
    with db.transaction() as session:
        return relay.enqueue_delivery(
            session,
            handoff_id,
            dedupe_key,
            text,
            key=key.courier_public_key(),
            actor=by,
            now=db.now(),
            firewall=db.firewall,
        )


class InjectedFailureError(Exception):
    """Raised by :func:`failing_at` in the middle of a use case."""


@contextmanager
def failing_at(action: str) -> Iterator[None]:
    """Make the flush that would write the audit entry ``action`` fail, wherever a use case
    writes it: the step before it has reached the session, the steps after it have not."""

    def refuse(session: Session, *_: object) -> None:
        if any(isinstance(row, AuditEntry) and row.action == action for row in session.new):
            raise InjectedFailureError(action)

    event.listen(Session, "before_flush", refuse)
    try:
        yield
    finally:
        event.remove(Session, "before_flush", refuse)


def row_counts(db: Database) -> dict[str, int]:
    """How many rows every table holds, audit log included."""
    with db.transaction() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
