"""Which cases are whose, readable by the front end alone (issue 13, migration 0010).

A case names its person only as ``handoffs.sealed_link``, the pseudonym sealed to the front
end's courier key; the person's cases are listed in ``case_links``, each case id sealed the same
way. HPKE seals with a fresh key every time, so two cases of one person share no byte a copy
of the database could match. Whoever shares a case (the action server) needs only the public
half; finding a person's cases (relay, receipts, erasure, retention) needs the front end's
secret, which only the front end's host and its CLI hold. Every function works in the caller's
session.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    Binding,
    FrontEndKey,
    FrontEndPublicKey,
    open_as_front_end_courier,
    seal_for_front_end_courier,
)
from bot.core.db.frontdoor_models import CaseLink
from bot.core.db.models import Handoff, new_id

__all__ = [
    "cases_of",
    "link_case",
    "person_of",
    "reshuffle",
    "seal_legacy_cases",
    "unlink_case",
    "unlink_person",
]


def link_case(
    session: Session, handoff: Handoff, pseudonym: str, courier: FrontEndPublicKey
) -> None:
    """Name ``pseudonym`` as the case's person, sealed, and list the case among theirs."""
    handoff.pseudonym = None
    handoff.sealed_link = seal_for_front_end_courier(
        pseudonym.encode("ascii"), courier, _person_binding(handoff.id)
    )
    session.add(_link_row(pseudonym, handoff.id, courier))


def person_of(handoff: Handoff, keys: Mapping[str, FrontEndKey]) -> str | None:
    """The case's pseudonym, or None once the person erased their data."""
    if handoff.sealed_link is None:
        return None
    return open_as_front_end_courier(handoff.sealed_link, keys, _person_binding(handoff.id)).decode(
        "ascii"
    )


def cases_of(session: Session, pseudonym: str, keys: Mapping[str, FrontEndKey]) -> list[str]:
    """The ids of the person's cases that still exist (a case retention deleted may still be
    listed until its next purge)."""
    listed = _opened(_links_of(session, pseudonym), keys)
    if not listed:
        return []
    return list(session.scalars(select(Handoff.id).where(Handoff.id.in_(listed.values()))).all())


def unlink_case(
    session: Session, pseudonym: str, handoff_id: str, keys: Mapping[str, FrontEndKey]
) -> None:
    """Take the case off the person's list (a /resume moved it to another account)."""
    listed = _opened(_links_of(session, pseudonym), keys)
    gone = [link_id for link_id, listed_id in listed.items() if listed_id == handoff_id]
    if gone:
        session.execute(delete(CaseLink).where(CaseLink.id.in_(gone)))


def unlink_person(session: Session, pseudonym: str) -> int:
    """Take the person's whole list away (erasure); returns how many cases it named."""
    rows = session.scalars(select(CaseLink.id).where(CaseLink.pseudonym == pseudonym)).all()
    session.execute(delete(CaseLink).where(CaseLink.pseudonym == pseudonym))
    return len(rows)


def reshuffle(session: Session, key: FrontEndKey) -> int:
    """Retention: drop the links whose case is gone, and write the others again, sealed afresh
    under new ids, in random order. A link is written with its case, so the order rows lie in
    (a dump lists them so on PostgreSQL) would pair each with its case; after this it pairs
    nothing older than the last run. Returns how many links went."""
    links = session.scalars(select(CaseLink)).all()
    listed = _opened(links, {key.key_id: key})
    existing = set(
        session.scalars(select(Handoff.id).where(Handoff.id.in_(set(listed.values())))).all()
    )
    kept = [(row.pseudonym, listed[row.id]) for row in links if listed[row.id] in existing]
    session.execute(delete(CaseLink))
    secrets.SystemRandom().shuffle(kept)
    for pseudonym, handoff_id in kept:
        session.add(_link_row(pseudonym, handoff_id, key.courier_public_key()))
    return len(links) - len(kept)


def seal_legacy_cases(session: Session, courier: FrontEndPublicKey) -> int:
    """Cases from before migration 0010 still name their person in clear: sealed like new ones.
    The front end runs this as it starts, and the CLI before erasing or purging; returns how
    many there were (none after the first run)."""
    legacy = session.scalars(select(Handoff).where(Handoff.pseudonym.is_not(None))).all()
    for handoff in legacy:
        if handoff.pseudonym is not None:
            link_case(session, handoff, handoff.pseudonym, courier)
    return len(legacy)


def _link_row(pseudonym: str, handoff_id: str, courier: FrontEndPublicKey) -> CaseLink:
    row = CaseLink(id=new_id(), pseudonym=pseudonym)
    row.sealed_handoff_id = seal_for_front_end_courier(
        handoff_id.encode("ascii"), courier, _case_binding(row.id)
    )
    return row


def _links_of(session: Session, pseudonym: str) -> Sequence[CaseLink]:
    return session.scalars(select(CaseLink).where(CaseLink.pseudonym == pseudonym)).all()


def _opened(rows: Sequence[CaseLink], keys: Mapping[str, FrontEndKey]) -> dict[str, str]:
    """Case link id to the case id it holds."""
    return {
        row.id: open_as_front_end_courier(
            row.sealed_handoff_id, keys, _case_binding(row.id)
        ).decode("ascii")
        for row in rows
    }


def _person_binding(handoff_id: str) -> Binding:
    return Binding(handoff_id, "handoff.sealed_link")


def _case_binding(link_id: str) -> Binding:
    return Binding(link_id, "case_link.handoff_id")
