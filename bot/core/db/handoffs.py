"""The case itself: shared, claimed, released, closed; its fixed-choice columns and sealed report.

Every function works in the caller's session. Free text reaches a report only through
:func:`seal_report_for_organisation`, which runs the firewall on every string before sealing;
plain columns accept only the closed vocabularies of ``bot.core.report_fields``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core import report_fields
from bot.core.crypto import (
    Binding,
    FrontEndPublicKey,
    OrganisationPrivateKey,
    OrganisationPublicKey,
    open_as_organisation,
    seal_for_organisation,
)
from bot.core.db.audit import PERSON, Actor, append_audit
from bot.core.db.case_links import link_case
from bot.core.db.database import (
    REPORT_FORMAT,
    Redactor,
    StoreError,
    require_handoff,
    require_pseudonym,
)
from bot.core.db.keys import active_organisation_key
from bot.core.db.models import Handoff, HandoffStatus, new_id
from bot.core.report_fields import Urgency

__all__ = [
    "OUTCOMES",
    "HandoffFields",
    "close_handoff",
    "open_handoff",
    "read_report",
    "seal_report_for_organisation",
    "set_handoff_status",
]

# A case is shared open in one transaction, so nothing is written as DRAFT any more. The status
# stays in the ``handoff_status`` check constraint: dropping it would mean recreating
# ``handoffs`` on SQLite, whose DROP cascades into the thread and the notes (foreign keys are on),
# and drafts the older two-step sharing left behind may still exist; erasure and retention
# delete those.
_NEXT_STATUS = {
    HandoffStatus.OPEN: {HandoffStatus.CLAIMED, HandoffStatus.CLOSED},
    HandoffStatus.CLAIMED: {HandoffStatus.OPEN, HandoffStatus.CLOSED},
}
OUTCOMES = {
    "advice_given": "Advice given",
    "referred": "Referred to a named service",
    "no_contact": "No contact",
    "withdrawn": "Withdrawn by the person",
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


def open_handoff(
    session: Session,
    pseudonym: str,
    organisation_id: str,
    fields: HandoffFields,
    report: Mapping[str, object],
    *,
    courier: FrontEndPublicKey,
    now: datetime,
    firewall: Redactor,
) -> str:
    """The person shares their report: an open case with its columns and sealed report, its
    person named only sealed to the front end (``courier``, the public half of its key)."""
    require_pseudonym(pseudonym)
    handoff = Handoff(
        id=new_id(),
        organisation_id=organisation_id,
        status=HandoffStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    for name, value in asdict(fields).items():
        setattr(handoff, name, list(value) if isinstance(value, tuple) else value)
    handoff.sealed_report = seal_report_for_organisation(
        report,
        active_organisation_key(session, organisation_id),
        _report_binding(handoff),
        firewall,
    )
    link_case(session, handoff, pseudonym, courier)
    session.add(handoff)
    append_audit(session, PERSON, "handoff.save", now, handoff.id)
    # counts.opened_since finds new cases by this entry, as it did when a draft was opened.
    append_audit(session, PERSON, "handoff.open", now, handoff.id)
    return handoff.id


def set_handoff_status(
    session: Session,
    handoff_id: str,
    status: HandoffStatus,
    actor: Actor,
    *,
    now: datetime,
    claimed_by: str | None = None,
) -> Handoff:
    """Move a case along open → claimed → closed (or back to open on release)."""
    handoff = require_handoff(session, handoff_id)
    if status not in _NEXT_STATUS.get(handoff.status, set()):
        raise StoreError(f"a {handoff.status.value} handoff cannot become {status.value}")
    handoff.status, handoff.updated_at = status, now
    handoff.claimed_by = claimed_by if status is HandoffStatus.CLAIMED else None
    handoff.closed_at = now if status is HandoffStatus.CLOSED else None
    append_audit(session, actor, f"handoff.{status.value}", now, handoff_id)
    return handoff


def close_handoff(
    session: Session,
    handoff_id: str,
    outcome: str,
    service_id: str | None,
    actor: Actor,
    *,
    now: datetime,
) -> None:
    """Closed and its outcome recorded together: a closed case never lacks its outcome."""
    if outcome not in OUTCOMES:
        raise StoreError("an outcome outside the listed ones")
    handoff = set_handoff_status(session, handoff_id, HandoffStatus.CLOSED, actor, now=now)
    handoff.outcome = outcome
    handoff.outcome_service = service_id if outcome == "referred" else None
    append_audit(session, actor, "handoff.outcome", now, handoff_id)


def read_report(
    session: Session,
    handoff_id: str,
    private_keys: Mapping[str, OrganisationPrivateKey],
    actor: Actor,
    *,
    now: datetime,
) -> dict[str, Any]:
    """Open a report for staff; the read itself is audited (who looked at which case)."""
    handoff = require_handoff(session, handoff_id)
    if handoff.sealed_report is None:
        raise StoreError("this report was withdrawn by the person")
    plaintext = open_as_organisation(handoff.sealed_report, private_keys, _report_binding(handoff))
    append_audit(session, actor, "handoff.read", now, handoff_id)
    report: dict[str, Any] = json.loads(plaintext)
    return report


def _report_binding(handoff: Handoff) -> Binding:
    return Binding(handoff.id, "handoff.report", handoff.organisation_id, REPORT_FORMAT)
