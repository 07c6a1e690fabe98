"""The append-only, hash-chained audit log: who did what to which record, and nothing else.

Each entry stores ``sha256(previous entry hash + canonical JSON of its own fields)``, so editing,
deleting or reordering any row breaks every later link and :func:`verify_chain` names the first
one. Entries hold no user text, Telegram ids or pseudonyms: the validators below only accept
short tokens, random record ids and integer counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TextIO

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bot.core.db.models import ID_CHARS, AuditEntry
from bot.core.errors import LanternError

GENESIS_HASH = "0" * 64
_TOKEN = re.compile(r"[a-z][a-z0-9_.]{0,39}")
_RECORD_ID = re.compile(rf"[0-9a-f]{{{ID_CHARS}}}")
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


def append_audit(
    session: Session,
    actor: Actor,
    action: str,
    now: datetime,
    object_id: str | None = None,
    *,
    detail: Mapping[str, int] | None = None,
) -> AuditEntry:
    """Add one entry inside the caller's transaction, so the audit commits with the change."""
    _check(actor, action, object_id, detail or {})
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders: two transactions reading the same last hash would fork the chain.
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _PG_AUDIT_LOCK})
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    entry = AuditEntry(
        # UTC here, because the hash must match the value as it reads back from the database.
        created_at=now.astimezone(timezone.utc),
        actor_role=actor.role,
        actor_id=actor.id,
        action=action,
        object_id=object_id,
        detail=dict(detail or {}),
        prev_hash=GENESIS_HASH if last is None else last.entry_hash,
    )
    entry.entry_hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry must carry, recomputed from its stored fields and its predecessor."""
    fields = {
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "created_at": entry.created_at.isoformat(),
        "detail": entry.detail,
        "object_id": entry.object_id,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(entry.prev_hash.encode("ascii") + canonical.encode("ascii")).hexdigest()


def verify_chain(session: Session) -> VerificationResult:
    """Walk the whole log in order; report the first entry whose link or content was altered."""
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500):
        if entry.prev_hash != expected_prev:
            return VerificationResult(
                False, checked, entry.seq, "previous-hash link broken (row removed or reordered)"
            )
        if entry_hash(entry) != entry.entry_hash:
            return VerificationResult(False, checked, entry.seq, "entry content was altered")
        expected_prev = entry.entry_hash
        checked += 1
    return VerificationResult(True, checked)


def run_verify_command(engine: Engine, out: TextIO) -> int:
    """``python -m bot audit-verify``: print the verdict; exit status 0 intact, 1 broken."""
    with Session(engine) as session:
        result = verify_chain(session)
    if result.ok:
        print(f"audit log intact: {result.entries_checked} entries", file=out)
        return 0
    print(
        f"audit log BROKEN at entry {result.first_broken_seq}: {result.reason} "
        f"({result.entries_checked} entries before it verify)",
        file=out,
    )
    return 1


def _check(actor: Actor, action: str, object_id: str | None, detail: Mapping[str, int]) -> None:
    for token in (actor.role, action, *detail):
        if not _TOKEN.fullmatch(token):
            raise AuditError("audit roles, actions and detail keys must be short lowercase tokens")
    for record_id in (actor.id, object_id):
        if record_id is not None and not _RECORD_ID.fullmatch(record_id):
            raise AuditError("audit ids must be random record ids, never pseudonyms or user ids")
    if not all(isinstance(value, int) for value in detail.values()):
        raise AuditError("audit detail values must be integer counts")
