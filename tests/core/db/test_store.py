"""The store on SQLite and PostgreSQL: sealing on write, rotation, erasure, retention, delivery."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from bot.core.crypto import (
    FrontEndKey,
    KdfParams,
    OrganisationPrivateKey,
    TamperedCiphertextError,
    WrongPassphraseError,
    envelope_key_id,
)
from bot.core.db.audit import PERSON as PERSON_ACTOR
from bot.core.db.audit import Actor, verify_chain
from bot.core.db.keys import (
    recover_organisation_keys,
    unlock_organisation_keys,
)
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import AuditEntry, Author, Base, CaseNote, HandoffStatus
from bot.core.db.organisations import Credentials, NewOrganisation, create_organisation, rotate_keys
from bot.core.db.relay import caseworker_reply_key
from bot.core.db.store import Database, HandoffFields, Store, StoreError
from bot.core.firewall import REDACTION_MARK, Firewall
from bot.core.pseudonym import pseudonym_for
from bot.core.report_fields import Urgency
from tests.support_cases import (
    FRONT_END,
    add_thread_message,
    enqueue,
    get_handoff,
    legacy_draft,
    open_case,
    read_report,
    read_thread,
    set_status,
)

ROOT = Path(__file__).resolve().parents[3]
ADMIN_PASSPHRASE = "admin passphrase for tests"
KEY = b"pseudonym key for tests, 32 bytes+"
PERSON = pseudonym_for(111111111, KEY)
SOMEONE_ELSE = pseudonym_for(222222222, KEY)
MARKER = "quokka-marker-lantern"
COURIER = FRONT_END.courier_public_key()
IMMIGRATION = "my BRP number is ZU1234567"
FIELDS = HandoffFields(
    urgency=Urgency.HIGH,
    abuse_kinds=("physical", "emotional"),
    nation="england",
    region="london",
    help_types=("safe_place",),
    last_happened="this_week",
    consent=True,
    safe_contact_time="evening",
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def org(store: Store, fast_kdf: KdfParams) -> NewOrganisation:
    with store.db.transaction() as session:
        return create_organisation(
            session,
            "Partner charity",
            Credentials("partner-charity", ADMIN_PASSPHRASE),
            store.db.now(),
            kdf=fast_kdf,
        )


@pytest.fixture
def admin(org: NewOrganisation) -> Actor:
    return Actor("admin", org.admin.staff_id)


def unlock(store: Store, org: NewOrganisation) -> dict[str, OrganisationPrivateKey]:
    with store.db.transaction() as session:
        return unlock_organisation_keys(session, org.admin.staff_id, ADMIN_PASSPHRASE)


def submit(store: Store, org: NewOrganisation, pseudonym: str = PERSON) -> str:
    return open_case(store.db, pseudonym, org.organisation_id, FIELDS, {"story": MARKER})


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_alembic_command_line_creates_the_schema(tmp_path: Path) -> None:
    """Given an empty var/ directory, When an operator runs `alembic upgrade head`, Then the
    configured SQLite database is created with every table."""
    database = tmp_path / "var" / "lantern.db"
    env = {**os.environ, "LANTERN_DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"],
        check=True,
        cwd=tmp_path,
        env=env,
        capture_output=True,
    )
    engine = create_engine_for(f"sqlite:///{database}")
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_report_is_redacted_then_sealed_and_opens_for_staff(
    store: Store, org: NewOrganisation, admin: Actor, firewall: Firewall
) -> None:
    """Given a report with free text and a volunteered document number, When it is saved, Then
    the database holds only the sealed blob and the fixed choices, and staff read it redacted."""
    report = {"story": f"{MARKER} he hit me", "details": [IMMIGRATION], "count": 2}
    handoff_id = store.share_report(PERSON, FIELDS, report, courier=COURIER)

    handoff = get_handoff(store.db, handoff_id)
    opened = read_report(store.db, handoff_id, unlock(store, org), admin)

    assert handoff.sealed_report is not None
    assert MARKER.encode() not in handoff.sealed_report
    assert (handoff.status, handoff.urgency, handoff.region) == (
        HandoffStatus.OPEN,
        Urgency.HIGH,
        "london",
    )
    assert handoff.abuse_kinds == ["physical", "emotional"]
    assert opened == {
        "story": f"{MARKER} he hit me",
        "details": [firewall.redact(IMMIGRATION).text],
        "count": 2,
    }
    assert "ZU1234567" not in str(opened)


def test_free_text_in_a_fixed_choice_column_is_refused() -> None:
    with pytest.raises(StoreError):
        HandoffFields(region="I live near the Home Office in Croydon")


def test_raw_telegram_id_is_refused_as_a_pseudonym(store: Store, org: NewOrganisation) -> None:
    with pytest.raises(StoreError):
        store.share_report("111111111", FIELDS, {}, courier=COURIER)


def test_report_copied_to_another_record_does_not_open(
    store: Store, org: NewOrganisation, admin: Actor, engine: Engine
) -> None:
    first = submit(store, org)
    second = submit(store, org, SOMEONE_ELSE)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE handoffs SET sealed_report = "
                "(SELECT sealed_report FROM handoffs WHERE id = :first) WHERE id = :second"
            ),
            {"first": first, "second": second},
        )

    with pytest.raises(TamperedCiphertextError):
        read_report(store.db, second, unlock(store, org), admin)


def test_rotation_new_key_seals_and_old_reports_still_open(
    store: Store, org: NewOrganisation, admin: Actor, fast_kdf: KdfParams
) -> None:
    before = submit(store, org)
    with store.db.transaction() as session:
        new_key_id = rotate_keys(
            session,
            Credentials(org.admin.login_name, ADMIN_PASSPHRASE),
            org.recovery_code,
            store.db.now(),
            kdf=fast_kdf,
        )
    after = submit(store, org, SOMEONE_ELSE)
    keys = unlock(store, org)
    after_blob = get_handoff(store.db, after).sealed_report

    assert after_blob is not None
    assert envelope_key_id(after_blob) == new_key_id != org.key_id
    assert set(keys) == {org.key_id, new_key_id}
    assert read_report(store.db, before, keys, admin)["story"] == MARKER
    assert read_report(store.db, after, keys, admin)["story"] == MARKER


def test_wrong_passphrase_fails_and_recovery_code_works(store: Store, org: NewOrganisation) -> None:
    with store.db.transaction() as session, pytest.raises(WrongPassphraseError):
        unlock_organisation_keys(session, org.admin.staff_id, "not the admin passphrase")
    with store.db.transaction() as session:
        recovered = recover_organisation_keys(session, org.organisation_id, org.recovery_code)
    assert set(recovered) == {org.key_id}


def test_thread_messages_are_redacted_sealed_and_ordered(
    store: Store, org: NewOrganisation, admin: Actor, clock: Clock
) -> None:
    handoff_id = submit(store, org)
    add_thread_message(store.db, handoff_id, Author.PERSON, f"{MARKER} and {IMMIGRATION}", admin)
    clock.advance(0.01)
    add_thread_message(store.db, handoff_id, Author.STAFF, "We can call you this evening.", admin)

    thread = read_thread(store.db, handoff_id, unlock(store, org), admin)

    assert [author for author, _, _ in thread] == [Author.PERSON, Author.STAFF]
    assert MARKER in thread[0][2] and "ZU1234567" not in thread[0][2]


def test_the_persons_answer_joins_their_newest_open_case_redacted(
    store: Store, org: NewOrganisation, admin: Actor, clock: Clock
) -> None:
    """Given two cases of the person, the newer one claimed, When they answer their caseworker,
    Then the answer joins the newer case's thread with immigration detail removed; once that
    case and the older one are closed there is nowhere to put an answer."""
    older = submit(store, org)
    clock.advance(0.01)
    newer = submit(store, org)
    set_status(store.db, newer, HandoffStatus.CLAIMED, admin, claimed_by=org.admin.staff_id)

    message_id = store.add_message_from_person(PERSON, f"{MARKER} and {IMMIGRATION}", FRONT_END)

    thread = read_thread(store.db, newer, unlock(store, org), admin)
    assert message_id is not None
    assert [author for author, _, _ in thread] == [Author.PERSON]
    assert MARKER in thread[0][2] and REDACTION_MARK in thread[0][2]
    assert "BRP" not in thread[0][2] and "ZU1234567" not in thread[0][2]
    assert read_thread(store.db, older, unlock(store, org), admin) == []
    assert store.add_message_from_person(SOMEONE_ELSE, MARKER, FRONT_END) is None
    for handoff_id in (older, newer):
        set_status(store.db, handoff_id, HandoffStatus.CLOSED, admin)
    assert store.add_message_from_person(PERSON, MARKER, FRONT_END) is None


def test_outbox_marks_a_caseworkers_reply_as_theirs(store: Store, org: NewOrganisation) -> None:
    case = submit(store, org)
    enqueue(store.db, case, caseworker_reply_key("m1"), "Hello", FRONT_END, by=Actor("staff"))
    enqueue(store.db, case, "notice.1", "Something else", FRONT_END, by=Actor("system"))

    pending = store.pending_deliveries({FRONT_END.key_id: FRONT_END})

    assert [(d.text, d.from_caseworker) for d in pending] == [
        ("Hello", True),
        ("Something else", False),
    ]


def test_outbox_is_idempotent_and_drops_content_once_delivered(
    store: Store, org: NewOrganisation
) -> None:
    case, key = submit(store, org), FRONT_END
    keys = {key.key_id: key}
    first = enqueue(store.db, case, "reply:1", f"{MARKER} reply", key, by=Actor("system"))
    again = enqueue(store.db, case, "reply:1", "a retry", key, by=Actor("system"))

    pending = store.pending_deliveries(keys)
    store.mark_delivered(first)

    assert first == again
    assert [(d.pseudonym, d.text) for d in pending] == [(PERSON, f"{MARKER} reply")]
    assert store.pending_deliveries(keys) == []


def test_chat_id_is_kept_sealed_until_expiry(store: Store, clock: Clock, engine: Engine) -> None:
    key = FrontEndKey.generate()
    store.remember_chat(PERSON, 555000111, key, timedelta(hours=1))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT sealed_chat_id FROM chat_links")).scalar_one()

    assert b"555000111" not in bytes(stored)
    assert store.chat_id_for(PERSON, {key.key_id: key}) == 555000111
    clock.advance(1 / 24)
    assert store.chat_id_for(PERSON, {key.key_id: key}) is None


def test_erasure_withdraws_cases_and_deletes_everything_linked(
    store: Store, org: NewOrganisation, admin: Actor, engine: Engine
) -> None:
    """Given a submitted case, a draft, a thread, an outbox message and a chat link, When the
    person erases, Then the case shows as withdrawn with no content and no link to them, and
    everything else of theirs is gone while other people's data stays."""
    submitted = submit(store, org)
    add_thread_message(store.db, submitted, Author.PERSON, MARKER, admin)
    draft = legacy_draft(store.db, PERSON, org.organisation_id)
    others = submit(store, org, SOMEONE_ELSE)
    key = FRONT_END
    enqueue(store.db, submitted, "reply:9", MARKER, key, by=admin)
    store.remember_chat(PERSON, 42, key, timedelta(days=1))
    with store.db.transaction() as session:
        session.add(CaseNote(handoff_id=submitted, created_at=store.db.now(), sealed_body=b"note"))

    result = store.erase_pseudonym(PERSON, FRONT_END)

    assert (result.handoffs_withdrawn, result.drafts_deleted) == (1, 1)
    assert (result.deliveries_deleted, result.chat_links_deleted) == (1, 1)
    assert result.case_links_deleted == 2  # the draft from before migration 0010 was sealed too
    withdrawn = get_handoff(store.db, submitted)
    assert withdrawn.status is HandoffStatus.WITHDRAWN
    assert (withdrawn.sealed_report, withdrawn.sealed_link, withdrawn.pseudonym) == (None,) * 3
    with pytest.raises(StoreError):
        get_handoff(store.db, draft)
    assert read_thread(store.db, submitted, unlock(store, org), admin) == []
    assert read_report(store.db, others, unlock(store, org), admin)["story"] == MARKER
    with engine.connect() as connection:
        notes = text("SELECT count(*) FROM case_notes WHERE handoff_id = :id")
        assert connection.execute(notes, {"id": submitted}).scalar_one() == 0
        for table in ("handoffs", "outbox", "chat_links", "case_links"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed table names.
            assert PERSON not in str(rows)
    assert "person.erase" in _actions(store)


def test_purge_deletes_only_expired_data(
    store: Store, org: NewOrganisation, admin: Actor, clock: Clock
) -> None:
    old_draft = legacy_draft(store.db, PERSON, org.organisation_id)
    closed = submit(store, org, SOMEONE_ELSE)
    set_status(store.db, closed, HandoffStatus.CLOSED, admin)
    clock.advance(8)
    fresh_draft = legacy_draft(store.db, SOMEONE_ELSE, org.organisation_id)
    open_case = submit(store, org)

    first = store.purge_expired(FRONT_END)
    clock.advance(83)
    second = store.purge_expired(FRONT_END)

    assert (first.drafts_deleted, first.closed_deleted) == (1, 0)
    assert (second.drafts_deleted, second.closed_deleted) == (1, 1)
    # The closed case's link goes with it; the open case's stays, and still finds it.
    assert (first.case_links_deleted, second.case_links_deleted) == (0, 1)
    assert store.add_message_from_person(PERSON, MARKER, FRONT_END) is not None
    for gone in (old_draft, closed, fresh_draft):
        with pytest.raises(StoreError):
            get_handoff(store.db, gone)
    assert get_handoff(store.db, open_case).status is HandoffStatus.OPEN
    assert _actions(store).count("retention.purge") == 2


def test_nothing_readable_at_rest_in_the_sqlite_file(
    sqlite_engine: Engine, firewall: Firewall, fast_kdf: KdfParams, clock: Clock
) -> None:
    store = Store(Database(sqlite_engine, firewall=firewall, clock=clock))
    with store.db.transaction() as session:
        org = create_organisation(
            session, "Org", Credentials("org", ADMIN_PASSPHRASE), clock(), kdf=fast_kdf
        )
    admin = Actor("admin", org.admin.staff_id)
    handoff_id = submit(store, org)
    add_thread_message(store.db, handoff_id, Author.PERSON, f"{MARKER} {IMMIGRATION}", admin)
    store.remember_chat(PERSON, 987654321, FrontEndKey.generate(), timedelta(days=1))
    sqlite_engine.dispose()

    database = Path(str(sqlite_engine.url.database)).read_bytes()

    for secret in (MARKER, "ZU1234567", "987654321", "111111111", ADMIN_PASSPHRASE):
        assert secret.encode() not in database


def _actions(store: Store) -> list[str]:
    with store.db.transaction() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_forget_takes_the_answers_and_the_persons_entries_at_once(
    store: Store, org: NewOrganisation, admin: Actor, clock: Clock
) -> None:
    """Given a shared case with urgency, region, abuse kinds and help, a caseworker's read and
    the person's answer, When the person erases (/forget), Then at once, not 90 days later, the
    case keeps none of their answers nor its exact time, the person's own audit entries about it
    are pruned to their links, the staff's read stays for oversight, and the chain verifies."""
    clock.now = clock.now.replace(hour=23, minute=41)
    submitted = submit(store, org)
    add_thread_message(store.db, submitted, Author.PERSON, MARKER, PERSON_ACTOR)
    read_report(store.db, submitted, unlock(store, org), admin)

    store.erase_pseudonym(PERSON, FRONT_END)

    stub = get_handoff(store.db, submitted)
    answers = (stub.urgency, stub.abuse_kinds, stub.nation, stub.region, stub.help_types)
    assert answers == (Urgency.STANDARD, [], None, None, [])
    assert (stub.last_happened, stub.consent, stub.safe_contact_time) == (None, False, None)
    assert {(t.hour, t.minute) for t in (stub.created_at, stub.updated_at)} == {(0, 0)}
    with store.db.transaction() as session:
        about = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == submitted)
        ).all()
        assert verify_chain(session).ok
    assert sorted(about) == ["handoff.read", "handoff.withdrawn"]
    assert _actions(store).count("audit.pruned") == 3  # handoff.save, handoff.open, thread.add


def test_purge_prunes_the_audit_entries_of_the_cases_it_deletes(
    store: Store, org: NewOrganisation, admin: Actor, clock: Clock
) -> None:
    """Given a closed case past retention and an open one, When retention runs, Then no audit
    entry names the deleted case any more, the open case's entries stay, and the chain (with the
    same number of entries) verifies."""
    closed = submit(store, org)
    set_status(store.db, closed, HandoffStatus.CLOSED, admin)
    clock.advance(91)
    still_open = submit(store, org, SOMEONE_ELSE)

    store.purge_expired(FRONT_END)

    with store.db.transaction() as session:
        named = set(session.scalars(select(AuditEntry.object_id)))
        result = verify_chain(session)
    assert closed not in named and still_open in named
    assert result.ok


def test_a_stolen_database_shows_only_the_day_a_case_closed_or_a_message_arrived(
    store: Store, org: NewOrganisation, admin: Actor, clock: Clock, engine: Engine
) -> None:
    """Given a case closed and a reply delivered at 23:41, Then the raw columns read midnight of
    that day: retention needs no more, and the exact time would tell when the person was
    reachable."""
    clock.now = clock.now.replace(hour=23, minute=41, second=7)
    closed = submit(store, org)
    set_status(store.db, closed, HandoffStatus.CLOSED, admin)
    delivered = enqueue(store.db, closed, "reply:1", MARKER, FRONT_END, by=admin)
    store.mark_delivered(delivered)

    with engine.connect() as connection:
        raw = connection.execute(
            text(
                "SELECT h.closed_at, o.delivered_at FROM handoffs h, outbox o "
                "WHERE h.id = :case AND o.id = :message"
            ),
            {"case": closed, "message": delivered},
        ).one()

    # SQLite returns text, PostgreSQL a datetime: compare them as text to the second.
    assert [str(value)[:19] for value in raw] == ["2026-11-01 00:00:00"] * 2
