"""The person's receipt (issue 12): kept only as a slow hash, and the way back to a case with it.

``/receipt`` stores Argon2id of the words for the person's answerable case (a new one replaces
the old); ``/resume <words>`` from any account moves that case to the new account's pseudonym
(a new sealed link, ``bot.core.db.case_links``, so the replies still waiting go to it as well)
and ends the old account's chat link, so the phone that may be in someone else's hands no
longer receives the case. Every try is counted in the
database, per pseudonym and overall, so neither a restart nor many accounts reset the limit.
Every function works in the caller's session and audits what it did, never what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.orm import Session

from bot.core.crypto import FrontEndKey
from bot.core.db import case_links
from bot.core.db.audit import PERSON, SYSTEM, append_audit
from bot.core.db.database import require_pseudonym
from bot.core.db.models import ChatLink, Handoff, HandoffStatus, new_id
from bot.core.db.receipt_models import Receipt, ResumeAttempt
from bot.core.db.relay import answerable_case

__all__ = [
    "OVERALL_TRIES",
    "PER_PERSON_TRIES",
    "TRY_WINDOW",
    "ResumeOutcome",
    "count_try",
    "issue_receipt",
    "receipt_costs",
    "rejoin_case",
]

TRY_WINDOW = timedelta(hours=1)
# Enough for someone to mistype a word a few times; 77 random bits need ~2^76 guesses.
PER_PERSON_TRIES = 5
# Across every account together, so a thousand new accounts buy a guesser nothing more.
OVERALL_TRIES = 100
# Each stored cost means one more Argon2id run per try; only a raise of the cost adds one.
_MAX_COSTS = 4
_ANSWERABLE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)


class ResumeOutcome(str, Enum):
    RESUMED = "resumed"
    REFUSED = "refused"  # no such receipt, or its case is over: the same answer for both
    TOO_MANY = "too_many"


def issue_receipt(
    session: Session,
    pseudonym: str,
    keys: Mapping[str, FrontEndKey],
    lookup_hash: str,
    kdf: str,
    *,
    now: datetime,
) -> str | None:
    """Keep the hash for the person's answerable case, replacing its receipt; returns the case
    id, or None when the person has no case to come back to."""
    handoff_id = answerable_case(session, pseudonym, keys)
    if handoff_id is None:
        return None
    session.execute(delete(Receipt).where(Receipt.handoff_id == handoff_id))
    session.add(
        Receipt(
            id=new_id(), handoff_id=handoff_id, lookup_hash=lookup_hash, kdf=kdf, created_at=now
        )
    )
    append_audit(session, PERSON, "receipt.issue", now, handoff_id)
    return handoff_id


def receipt_costs(session: Session) -> list[str]:
    """The Argon2id costs receipts were made with (one, unless the cost was raised)."""
    return list(session.scalars(select(distinct(Receipt.kdf)).limit(_MAX_COSTS)).all())


def count_try(session: Session, pseudonym: str, *, now: datetime) -> bool:
    """Count one try at /resume; False, uncounted, when the person or everyone together is over
    the limit for the last hour. Tries older than the window are dropped here."""
    require_pseudonym(pseudonym)
    session.execute(delete(ResumeAttempt).where(ResumeAttempt.attempted_at <= now - TRY_WINDOW))
    tries = select(func.count()).select_from(ResumeAttempt)
    mine = session.scalar(tries.where(ResumeAttempt.pseudonym == pseudonym)) or 0
    everyone = session.scalar(tries) or 0
    if mine >= PER_PERSON_TRIES or everyone >= OVERALL_TRIES:
        append_audit(session, SYSTEM, "receipt.resume_limited", now)
        return False
    session.add(ResumeAttempt(id=new_id(), pseudonym=pseudonym, attempted_at=now))
    return True


def rejoin_case(
    session: Session,
    pseudonym: str,
    lookup_hashes: dict[str, str],
    key: FrontEndKey,
    *,
    now: datetime,
) -> str | None:
    """Join ``pseudonym`` to the case whose receipt hashes to one of ``lookup_hashes`` (by
    cost); returns its id, or None for a wrong receipt or a case that is over."""
    require_pseudonym(pseudonym)
    found = None
    for kdf, lookup_hash in lookup_hashes.items():
        found = (
            found
            or session.scalars(
                select(Receipt).where(Receipt.lookup_hash == lookup_hash, Receipt.kdf == kdf)
            ).first()
        )
    keys = {key.key_id: key}
    handoff = None if found is None else session.get(Handoff, found.handoff_id)
    earlier = None if handoff is None else case_links.person_of(handoff, keys)
    if handoff is None or handoff.status not in _ANSWERABLE or earlier is None:
        append_audit(session, PERSON, "receipt.resume_refused", now)
        return None
    if earlier != pseudonym:
        case_links.unlink_case(session, earlier, handoff.id, keys)
        case_links.link_case(session, handoff, pseudonym, key.courier_public_key())
        # The old account may be on a phone someone else now holds: it hears no more of this.
        session.execute(delete(ChatLink).where(ChatLink.pseudonym == earlier))
        append_audit(session, PERSON, "receipt.old_chat_ended", now, handoff.id)
    append_audit(session, PERSON, "receipt.resume", now, handoff.id)
    return handoff.id
