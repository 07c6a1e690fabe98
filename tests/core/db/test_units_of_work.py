"""Sharing a report and a person's erasure are each one transaction: a failure midway leaves
nothing half-done, on SQLite and PostgreSQL. The console's close and reply: tests/console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.core.crypto import KdfParams
from bot.core.db.audit import Actor
from bot.core.db.case_links import person_of
from bot.core.db.models import Author, HandoffStatus
from bot.core.db.organisations import Credentials, NewOrganisation, create_organisation
from bot.core.db.store import Database, HandoffFields, Store
from bot.core.firewall import Firewall
from bot.core.pseudonym import pseudonym_for
from tests.support_cases import (
    FRONT_END,
    InjectedFailureError,
    add_thread_message,
    enqueue,
    failing_at,
    get_handoff,
    open_case,
    row_counts,
)

KEY = b"pseudonym key for tests, 32 bytes+"
PERSON = pseudonym_for(333333333, KEY)
COURIER = FRONT_END.courier_public_key()


@pytest.fixture
def store(engine: Engine, firewall: Firewall) -> Store:
    return Store(Database(engine, firewall=firewall))


@pytest.fixture
def org(store: Store, fast_kdf: KdfParams) -> NewOrganisation:
    with store.db.transaction() as session:
        return create_organisation(
            session,
            "Partner charity",
            Credentials("partner-charity", "admin passphrase"),
            store.db.now(),
            kdf=fast_kdf,
        )


def test_sharing_a_report_that_fails_midway_leaves_no_case(
    store: Store, org: NewOrganisation
) -> None:
    """Given routing and sealing done, When opening the case fails, Then there is no case, no
    draft and no audit entry of it: the person's report was either shared or not at all."""
    before = row_counts(store.db)

    with failing_at("handoff.open"), pytest.raises(InjectedFailureError):
        store.share_report(
            PERSON, HandoffFields(consent=True), {"story": "what happened"}, courier=COURIER
        )

    assert row_counts(store.db) == before


def test_a_shared_report_is_open_at_once(store: Store, org: NewOrganisation) -> None:
    handoff_id = store.share_report(
        PERSON, HandoffFields(consent=True), {"story": "x"}, courier=COURIER
    )

    assert get_handoff(store.db, handoff_id).status is HandoffStatus.OPEN


def test_an_erasure_that_fails_midway_erases_nothing(store: Store, org: NewOrganisation) -> None:
    """Given a case with a thread, a delivery and a chat link, When the erasure's last audit
    entry fails, Then the case, its thread, the delivery and the link are all still there."""
    admin = Actor("admin", org.admin.staff_id)
    handoff_id = open_case(store.db, PERSON, org.organisation_id, report={"story": "x"})
    add_thread_message(store.db, handoff_id, Author.PERSON, "hello", admin)
    key = FRONT_END
    enqueue(store.db, handoff_id, "notice.1", "hello", key, by=admin)
    store.remember_chat(PERSON, 42, key, timedelta(days=1))
    before = row_counts(store.db)

    with failing_at("person.erase"), pytest.raises(InjectedFailureError):
        store.erase_pseudonym(PERSON, key)

    assert row_counts(store.db) == before
    handoff = get_handoff(store.db, handoff_id)
    assert handoff.status is HandoffStatus.OPEN
    assert person_of(handoff, {key.key_id: key}) == PERSON
    assert handoff.sealed_report is not None
