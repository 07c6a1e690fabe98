"""Organisation key pinning: a key row someone adds to the database receives nothing.

The pins come from the deployment's settings (bot/core/key_pins.py), and the fingerprint is
computed from the public bytes that would seal, never read from the row.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select, update

from bot.core.crypto import KdfParams, envelope_key_id, generate_organisation_key
from bot.core.db.keys import UnpinnedKeyError
from bot.core.db.models import AuditEntry, Handoff, OrganisationKey, ThreadMessage
from bot.core.db.organisations import Credentials, NewOrganisation, create_organisation
from bot.core.db.store import Database, HandoffFields, Store
from bot.core.firewall import Firewall
from bot.core.key_pins import KeyPins
from tests.support_cases import FRONT_END

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
PERSON = "cd" * 32
COURIER = FRONT_END.courier_public_key()
FIELDS = HandoffFields(consent=True)
REPORT = {"report_account": "he took my phone again"}


def clock() -> datetime:
    return NOW


@pytest.fixture
def orgs(engine: Engine, fast_kdf: KdfParams) -> tuple[NewOrganisation, NewOrganisation]:
    """The partner, and another organisation set up after it (so a first report goes to the
    partner, the older of two equally free organisations)."""
    later = NOW + timedelta(seconds=1)
    with Database(engine, clock=clock).transaction() as session:
        partner = create_organisation(
            session, "Partner", Credentials("partner", "p" * 12), NOW, kdf=fast_kdf
        )
        other = create_organisation(
            session, "Other", Credentials("other", "o" * 12), later, kdf=fast_kdf
        )
    return partner, other


@pytest.fixture
def store(
    engine: Engine, firewall: Firewall, orgs: tuple[NewOrganisation, NewOrganisation]
) -> Store:
    """The bot side as every process builds it: its Database carries the settings' pins."""
    pins = KeyPins(frozenset((org.organisation_id, org.key_id) for org in orgs))
    return Store(Database(engine, firewall=firewall, clock=clock, key_pins=pins))


def sealed_anything(store: Store) -> tuple[int, int, int]:
    with store.db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Handoff)) or 0,
            session.scalar(select(func.count()).select_from(ThreadMessage)) or 0,
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "handoff.open")
            )
            or 0,
        )


def insert_key_row(
    store: Store, organisation_id: str, key_id: str, public: bytes, suite: str
) -> None:
    with store.db.transaction() as session:
        session.add(
            OrganisationKey(
                key_id=key_id,
                organisation_id=organisation_id,
                suite=suite,
                public_bytes=public,
                created_at=NOW + timedelta(minutes=1),  # newer: it would seal from now on
            )
        )


def test_a_report_is_sealed_to_the_pinned_key(
    store: Store, orgs: tuple[NewOrganisation, NewOrganisation]
) -> None:
    handoff_id = store.share_report(PERSON, FIELDS, REPORT, courier=COURIER)
    with store.db.transaction() as session:
        sealed = session.get(Handoff, handoff_id)
        assert sealed is not None and sealed.sealed_report is not None
        assert envelope_key_id(sealed.sealed_report) == orgs[0].key_id


def test_an_inserted_unpinned_key_row_is_refused_and_no_report_is_sealed_to_it(
    store: Store, orgs: tuple[NewOrganisation, NewOrganisation]
) -> None:
    """Given someone with write access to the database added a key pair of their own to the
    partner, When a person shares a report, Then sealing refuses it by name and nothing of the
    report is stored (no case, no audit of one)."""
    intruder = generate_organisation_key(orgs[0].organisation_id).public_key()
    insert_key_row(
        store, orgs[0].organisation_id, intruder.key_id, intruder.public_bytes, intruder.suite.value
    )
    with pytest.raises(UnpinnedKeyError, match=intruder.key_id):
        store.share_report(PERSON, FIELDS, REPORT, courier=COURIER)
    assert sealed_anything(store) == (0, 0, 0)


def test_a_row_that_names_a_pinned_key_id_over_other_bytes_is_refused(
    store: Store, orgs: tuple[NewOrganisation, NewOrganisation]
) -> None:
    """Given the pinned row's public bytes replaced by an intruder's (its key id left as it
    was), Then the fingerprint of the bytes, not the row's key id, decides: refused."""
    intruder = generate_organisation_key(orgs[0].organisation_id).public_key()
    with store.db.transaction() as session:
        session.execute(
            update(OrganisationKey)
            .where(OrganisationKey.key_id == orgs[0].key_id)
            .values(public_bytes=intruder.public_bytes)
        )
    with pytest.raises(UnpinnedKeyError):
        store.share_report(PERSON, FIELDS, REPORT, courier=COURIER)
    assert sealed_anything(store) == (0, 0, 0)


def test_another_organisations_pinned_key_does_not_seal_for_this_one(
    store: Store, orgs: tuple[NewOrganisation, NewOrganisation], engine: Engine
) -> None:
    """Given the other organisation's (pinned) public key copied into a new row of the
    partner's, Then the partner's reports are not sealed to it: a pin names its organisation."""
    with store.db.transaction() as session:
        theirs = session.get(OrganisationKey, orgs[1].key_id)
        assert theirs is not None
        public, suite = theirs.public_bytes, theirs.suite
    insert_key_row(store, orgs[0].organisation_id, "f" * 32, public, suite)
    with pytest.raises(UnpinnedKeyError):
        store.share_report(PERSON, FIELDS, REPORT, courier=COURIER)
    assert sealed_anything(store) == (0, 0, 0)


def test_the_persons_answer_is_not_sealed_to_an_inserted_key_either(
    store: Store, orgs: tuple[NewOrganisation, NewOrganisation]
) -> None:
    store.share_report(PERSON, FIELDS, REPORT, courier=COURIER)
    intruder = generate_organisation_key(orgs[0].organisation_id).public_key()
    insert_key_row(
        store, orgs[0].organisation_id, intruder.key_id, intruder.public_bytes, intruder.suite.value
    )
    with pytest.raises(UnpinnedKeyError):
        store.add_message_from_person(PERSON, "are you there?", FRONT_END)
    assert sealed_anything(store) == (1, 0, 1)


def test_an_empty_pins_file_refuses_every_seal(
    orgs: tuple[NewOrganisation, NewOrganisation], engine: Engine, firewall: Firewall
) -> None:
    """An empty pins file pins nothing: every seal is refused, never silently allowed."""
    store = Store(Database(engine, firewall=firewall, clock=clock, key_pins=KeyPins(frozenset())))
    with pytest.raises(UnpinnedKeyError):
        store.share_report(PERSON, FIELDS, REPORT, courier=COURIER)
    assert sealed_anything(store) == (0, 0, 0)
