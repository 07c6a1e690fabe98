"""The append-only, keyed hash chain: who did what to which record, for which organisation.

Each entry stores a digest of its own fields (``content_digest``: SHA-256 of canonical JSON) and
``entry_hash = HMAC-SHA256(audit key, previous entry hash + digest)``. The audit key lives in a
key file beside the other secrets (``Settings.audit_key_file``), never in the database, so
someone holding only the database can neither edit an entry nor forge a new tail after cutting
one; a cut tail itself is found against an exported checkpoint (``audit_checkpoint``).

Entries written before migration 0008 carry no digest and keep their old unkeyed link
(SHA-256 over the previous hash and the fields); the first keyed entry after them is the
``audit.keyed_start`` marker, and the verifier reports how many entries came before it.

Per-case entries are pruned when their case goes (retention or erasure): the row stays with its
digest and links, so the chain still verifies, but loses its actor, action, record and exact
time. Entries hold no user text, Telegram ids or pseudonyms: the validators below only accept
short tokens, random record ids and integer counts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.core.db.audit_key import audit_key_for
from bot.core.db.models import (
    ID_CHARS,
    AuditEntry,
    Handoff,
    Organisation,
    Staff,
)
from bot.core.errors import LanternError

GENESIS_HASH = "0" * 64
KEYED_START = "audit.keyed_start"
PRUNED = "audit.pruned"
_TOKEN = re.compile(r"[a-z][a-z0-9_.]{0,39}")
_RECORD_ID = re.compile(rf"[0-9a-f]{{{ID_CHARS}}}")
_KEYED_DOMAIN = b"lantern audit v2\x00"
# Any constant works: it only has to be the same for every process appending to this database.
_PG_AUDIT_LOCK = 0x4C414E54


class AuditError(LanternError):
    """An audit entry would carry something other than a token, a record id or a count."""


@dataclass(frozen=True)
class Actor:
    """Who acted: a role token plus, for staff only, their random staff id (never a pseudonym)."""

    role: str
    id: str | None = None


SYSTEM = Actor("system")
PERSON = Actor("person")


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    # Entries from before the keyed chain (migration 0008): linked, but not keyed.
    unkeyed_entries: int = 0


def append_audit(
    session: Session,
    actor: Actor,
    action: str,
    now: datetime,
    object_id: str | None = None,
    *,
    detail: Mapping[str, int] | None = None,
    organisation_id: str | None = None,
) -> AuditEntry:
    """Add one entry inside the caller's transaction, so the audit commits with the change.

    The organisation is the staff actor's, else the record's (a case, a staff member or the
    organisation itself) unless given; None for the system's and the person's own acts that
    belong to no case."""
    _check(actor, action, object_id, detail or {})
    key = audit_key_for(session)
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders: two transactions reading the same last hash would fork the chain.
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _PG_AUDIT_LOCK})
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    prev_hash = GENESIS_HASH if last is None else last.entry_hash
    if last is not None and last.content_digest is None:
        # The first keyed entry after the unkeyed ones says so, where the verifier can see it.
        marker = _add(session, key, prev_hash, actor=SYSTEM, action=KEYED_START, now=now)
        prev_hash = marker.entry_hash
    if organisation_id is None:
        organisation_id = _organisation_of(session, actor, object_id)
    return _add(
        session,
        key,
        prev_hash,
        actor=actor,
        action=action,
        now=now,
        object_id=object_id,
        detail=detail,
        organisation_id=organisation_id,
    )


def _add(
    session: Session,
    key: bytes,
    prev_hash: str,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    object_id: str | None = None,
    detail: Mapping[str, int] | None = None,
    organisation_id: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        # UTC here, because the digest must match the value as it reads back from the database.
        created_at=now.astimezone(timezone.utc),
        actor_role=actor.role,
        actor_id=actor.id,
        action=action,
        object_id=object_id,
        organisation_id=organisation_id,
        detail=dict(detail or {}),
        prev_hash=prev_hash,
        pruned=False,
    )
    entry.content_digest = content_digest(entry)
    entry.entry_hash = keyed_hash(key, prev_hash, entry.content_digest)
    session.add(entry)
    session.flush()
    return entry


def _organisation_of(session: Session, actor: Actor, object_id: str | None) -> str | None:
    if actor.id is not None:
        staff = session.get(Staff, actor.id)
        if staff is not None:
            return staff.organisation_id
    if object_id is None:
        return None
    handoff = session.get(Handoff, object_id)
    if handoff is not None:
        return handoff.organisation_id
    staff = session.get(Staff, object_id)
    if staff is not None:
        return staff.organisation_id
    return object_id if session.get(Organisation, object_id) is not None else None


def content_digest(entry: AuditEntry) -> str:
    """SHA-256 of the entry's own fields; it stays when a pruned entry loses them."""
    fields = {
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "created_at": entry.created_at.isoformat(),
        "detail": entry.detail,
        "object_id": entry.object_id,
        "organisation_id": entry.organisation_id,
    }
    return hashlib.sha256(_canonical(fields)).hexdigest()


def keyed_hash(key: bytes, prev_hash: str, digest: str) -> str:
    """The link only a holder of the audit key can compute."""
    message = _KEYED_DOMAIN + prev_hash.encode("ascii") + b"\x00" + digest.encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def unkeyed_hash(entry: AuditEntry) -> str:
    """The link of an entry written before migration 0008 (no organisation, no key)."""
    fields = {
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "created_at": entry.created_at.isoformat(),
        "detail": entry.detail,
        "object_id": entry.object_id,
    }
    return hashlib.sha256(entry.prev_hash.encode("ascii") + _canonical(fields)).hexdigest()


def verify_chain(session: Session) -> VerificationResult:
    """Walk the whole log in order; report the first entry whose link or content was altered."""
    key = audit_key_for(session)
    expected_prev, checked, unkeyed, keyed = GENESIS_HASH, 0, 0, False
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        problem = None
        if entry.prev_hash != expected_prev:
            problem = "previous-hash link broken (row removed or reordered)"
        elif entry.content_digest is None:
            if keyed:
                problem = "an unkeyed entry after the keyed chain began"
            elif unkeyed_hash(entry) != entry.entry_hash:
                problem = "entry content was altered"
            unkeyed += 1
        elif unkeyed and not keyed and entry.action != KEYED_START:
            problem = "the keyed chain does not begin with its marker"
        elif not entry.pruned and content_digest(entry) != entry.content_digest:
            problem = "entry content was altered"
        elif keyed_hash(key, entry.prev_hash, entry.content_digest) != entry.entry_hash:
            problem = "entry hash does not match the audit key (forged or altered)"
        if problem is not None:
            return VerificationResult(False, checked, entry.seq, problem, unkeyed)
        keyed = keyed or entry.content_digest is not None
        expected_prev = entry.entry_hash
        checked += 1
    return VerificationResult(True, checked, unkeyed_entries=unkeyed)


def prune_case_entries(
    session: Session, object_ids: Collection[str], *, actor_role: str | None = None
) -> int:
    """Strip the entries about these records (only those by ``actor_role``, if given) to their
    links: the chain still verifies, and a stolen database no longer shows who did what to the
    case, or when beyond the day. Unkeyed entries from before 0008 cannot be pruned: their old
    links cover every field."""
    if not object_ids:
        return 0
    query = (
        select(AuditEntry)
        .where(AuditEntry.object_id.in_(list(object_ids)))
        .where(AuditEntry.content_digest.is_not(None))
    )
    if actor_role is not None:
        query = query.where(AuditEntry.actor_role == actor_role)
    entries = session.scalars(query).all()
    for entry in entries:
        entry.actor_role, entry.actor_id, entry.action = SYSTEM.role, None, PRUNED
        entry.object_id, entry.detail, entry.pruned = None, {}, True
        entry.created_at = entry.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
    session.flush()
    return len(entries)


def _canonical(fields: Mapping[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _check(actor: Actor, action: str, object_id: str | None, detail: Mapping[str, int]) -> None:
    for token in (actor.role, action, *detail):
        if not _TOKEN.fullmatch(token):
            raise AuditError("audit roles, actions and detail keys must be short lowercase tokens")
    for record_id in (actor.id, object_id):
        if record_id is not None and not _RECORD_ID.fullmatch(record_id):
            raise AuditError("audit ids must be random record ids, never pseudonyms or user ids")
    if not all(isinstance(value, int) for value in detail.values()):
        raise AuditError("audit detail values must be integer counts")
