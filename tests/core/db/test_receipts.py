"""The receipt on SQLite and PostgreSQL (issue 12): only a slow hash is stored, the words bring
any account back to the case, a wrong receipt learns nothing, and the limit outlives a restart."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select

from bot.core.crypto import FrontEndKey, KdfParams, hash_receipt_for_lookup
from bot.core.db.audit import Actor, verify_chain
from bot.core.db.case_links import person_of
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import AuditEntry, Author, HandoffStatus
from bot.core.db.organisations import Credentials, NewOrganisation, create_organisation
from bot.core.db.receipt_models import Receipt
from bot.core.db.receipts import OVERALL_TRIES, PER_PERSON_TRIES, TRY_WINDOW, ResumeOutcome
from bot.core.db.relay import reply_to_person
from bot.core.db.store import Database, Store
from bot.core.firewall import Firewall
from bot.core.pseudonym import pseudonym_for
from bot.core.receipts import RECEIPT_WORDS
from tests.support_cases import (
    FRONT_END,
    get_handoff,
    open_case,
    read_thread,
    row_counts,
    set_status,
)

ROOT = Path(__file__).resolve().parents[3]
KEY = b"pseudonym key for tests, 32 bytes+"
OLD_PHONE = pseudonym_for(111111111, KEY)
NEW_PHONE = pseudonym_for(222222222, KEY)
NEW_CHAT = 222222222
TTL = timedelta(days=30)
ADMIN_PASSPHRASE = "admin passphrase for tests"
CASEWORKER = Actor("caseworker")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1000)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: Engine, firewall: Firewall, clock: Clock, fast_kdf: KdfParams) -> Store:
    return Store(Database(engine, firewall=firewall, clock=clock), receipt_kdf=fast_kdf)


@pytest.fixture
def key() -> FrontEndKey:
    return FRONT_END


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
def case(store: Store, org: NewOrganisation) -> str:
    return open_case(store.db, OLD_PHONE, org.organisation_id)


def issued(store: Store, pseudonym: str = OLD_PHONE) -> str:
    words = store.issue_receipt_for_person(pseudonym, FRONT_END)
    assert words is not None
    return words


def person(store: Store, handoff_id: str) -> str | None:
    """Whom the case names, as only the front end can tell."""
    return person_of(get_handoff(store.db, handoff_id), {FRONT_END.key_id: FRONT_END})


def resume(store: Store, key: FrontEndKey, typed: str, pseudonym: str = NEW_PHONE) -> ResumeOutcome:
    return store.resume_case(pseudonym, typed, NEW_CHAT, key, TTL)


def reply(store: Store, handoff_id: str, key: FrontEndKey, text: str) -> None:
    with store.db.transaction() as session:
        reply_to_person(
            session,
            handoff_id,
            text,
            key.courier_public_key(),
            CASEWORKER,
            now=store.db.now(),
            firewall=store.db.firewall,
        )


def test_a_receipt_is_seven_words_and_only_their_slow_hash_is_stored(
    store: Store, case: str, fast_kdf: KdfParams
) -> None:
    words = issued(store)

    assert len(words.split()) == RECEIPT_WORDS
    with store.db.transaction() as session:
        stored = session.scalars(select(Receipt)).one()
        entries = session.scalars(select(AuditEntry)).all()
        assert verify_chain(session).ok
    assert stored.handoff_id == case
    assert stored.lookup_hash == hash_receipt_for_lookup(words, fast_kdf)
    assert stored.kdf == "m=8,t=1,p=1"
    dumped = json.dumps([[e.action, e.object_id, e.actor_id, e.detail] for e in entries])
    assert "receipt.issue" in dumped
    # The words together are the secret. One word alone can turn up by chance: a word made of
    # the letters a-f inside a hex id, or "issue" in the action's name.
    together = [sep.join(words.split()) for sep in (" ", "", "-", ",")]
    for secret in (*together, OLD_PHONE, NEW_PHONE):
        assert secret not in dumped


def test_another_account_with_the_receipt_takes_over_the_case(
    store: Store, case: str, key: FrontEndKey, org: NewOrganisation
) -> None:
    """The waiting reply goes to the new account, the old account's chat link ends, and the
    new account's words reach the thread while the old account's no longer do."""
    words = issued(store)
    store.remember_chat(OLD_PHONE, 111111111, key, TTL)
    reply(store, case, key, "Are you safe to talk?")

    assert resume(store, key, words) is ResumeOutcome.RESUMED

    keys = {key.key_id: key}
    assert person(store, case) == NEW_PHONE
    assert [(d.pseudonym, d.text) for d in store.pending_deliveries(keys)] == [
        (NEW_PHONE, "Are you safe to talk?")
    ]
    assert store.chat_id_for(NEW_PHONE, keys) == NEW_CHAT
    assert store.chat_id_for(OLD_PHONE, keys) is None
    assert store.add_message_from_person(OLD_PHONE, "from the old phone", FRONT_END) is None
    assert store.add_message_from_person(NEW_PHONE, "I have a new phone", FRONT_END) is not None
    with store.db.transaction() as session:
        private = unlock_organisation_keys(session, org.admin.staff_id, ADMIN_PASSPHRASE)
    thread = read_thread(store.db, case, private, CASEWORKER)
    assert [(a, t) for a, _, t in thread] == [
        (Author.STAFF, "Are you safe to talk?"),
        (Author.PERSON, "I have a new phone"),
    ]


@pytest.mark.parametrize("typing", ["upper", "spaces"])
def test_the_words_match_in_any_case_and_with_any_spacing(
    store: Store, case: str, key: FrontEndKey, typing: str
) -> None:
    words = issued(store)
    typed = words.upper() if typing == "upper" else "  " + words.replace(" ", "   \n ") + " "
    assert resume(store, key, typed) is ResumeOutcome.RESUMED


def test_a_wrong_receipt_and_an_unknown_one_are_refused_alike(
    store: Store, case: str, key: FrontEndKey
) -> None:
    words = issued(store)
    one_word_off = " ".join([*words.split()[:-1], "zzzz"])

    assert resume(store, key, one_word_off) is ResumeOutcome.REFUSED
    assert resume(store, key, "not a receipt at all") is ResumeOutcome.REFUSED
    assert person(store, case) == OLD_PHONE


def test_a_new_receipt_replaces_the_old_one(store: Store, case: str, key: FrontEndKey) -> None:
    first, second = issued(store), issued(store)

    assert resume(store, key, first) is ResumeOutcome.REFUSED
    assert resume(store, key, second) is ResumeOutcome.RESUMED
    with store.db.transaction() as session:
        assert len(session.scalars(select(Receipt)).all()) == 1


def test_no_receipt_without_an_open_case(store: Store, case: str, key: FrontEndKey) -> None:
    assert store.issue_receipt_for_person(NEW_PHONE, FRONT_END) is None
    words = issued(store)
    set_status(store.db, case, HandoffStatus.CLOSED, CASEWORKER)

    assert store.issue_receipt_for_person(OLD_PHONE, FRONT_END) is None
    assert resume(store, key, words) is ResumeOutcome.REFUSED


def test_after_the_quick_exit_the_same_or_another_account_comes_back(
    store: Store, case: str, key: FrontEndKey
) -> None:
    words = issued(store)
    store.forget_chat(OLD_PHONE)  # what /exit does to the store

    assert store.resume_case(OLD_PHONE, words, 111111111, key, TTL) is ResumeOutcome.RESUMED
    assert store.chat_id_for(OLD_PHONE, {key.key_id: key}) == 111111111
    assert resume(store, key, words) is ResumeOutcome.RESUMED
    assert person(store, case) == NEW_PHONE


def test_the_limit_per_person_holds_the_right_words_back_and_outlives_a_restart(
    store: Store, case: str, key: FrontEndKey, clock: Clock, fast_kdf: KdfParams
) -> None:
    words = issued(store)
    for _ in range(PER_PERSON_TRIES):
        assert resume(store, key, "wrong words") is ResumeOutcome.REFUSED

    restarted = Store(Database(store.db.engine, clock=clock), receipt_kdf=fast_kdf)
    assert resume(restarted, key, words) is ResumeOutcome.TOO_MANY
    # Someone else is not held back by this person's tries.
    assert resume(restarted, key, words, pseudonym=OLD_PHONE) is ResumeOutcome.RESUMED

    clock.now += TRY_WINDOW
    assert resume(restarted, key, words) is ResumeOutcome.RESUMED


def test_the_overall_limit_holds_back_a_guesser_with_many_accounts(
    store: Store, case: str, key: FrontEndKey
) -> None:
    words = issued(store)
    for account in range(OVERALL_TRIES):
        guesser = pseudonym_for(900_000_000 + account, KEY)
        assert resume(store, key, "wrong words", guesser) is ResumeOutcome.REFUSED

    assert resume(store, key, words) is ResumeOutcome.TOO_MANY
    with store.db.transaction() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("receipt.resume_refused") == OVERALL_TRIES
    assert "receipt.resume_limited" in actions


def test_erasure_takes_the_receipt_with_the_case(store: Store, case: str, key: FrontEndKey) -> None:
    words = issued(store)
    store.erase_pseudonym(OLD_PHONE, FRONT_END)

    assert row_counts(store.db)["receipts"] == 0
    assert resume(store, key, words) is ResumeOutcome.REFUSED


def test_retention_takes_the_receipt_with_a_long_closed_case(
    store: Store, case: str, clock: Clock
) -> None:
    issued(store)
    set_status(store.db, case, HandoffStatus.CLOSED, CASEWORKER)
    store.purge_expired(FRONT_END, now=clock.now + timedelta(days=91))

    assert row_counts(store.db)["receipts"] == 0


def test_a_pending_reply_of_another_case_stays_with_the_old_account(
    store: Store, case: str, key: FrontEndKey, org: NewOrganisation
) -> None:
    other = open_case(store.db, OLD_PHONE, org.organisation_id)
    reply(store, other, key, "about the other case")
    words = issued(store)  # for the newest case: ``other``
    reply(store, case, key, "about the first case")

    assert resume(store, key, words) is ResumeOutcome.RESUMED
    waiting = {d.text: d.pseudonym for d in store.pending_deliveries({key.key_id: key})}
    assert waiting == {"about the other case": NEW_PHONE, "about the first case": OLD_PHONE}
    assert person(store, other) == NEW_PHONE
    assert person(store, case) == OLD_PHONE


def test_migration_0006_downgrades_and_upgrades_again(engine: Engine) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
        assert "receipts" not in inspect(connection).get_table_names()
        command.upgrade(config, "head")
        assert {"receipts", "resume_attempts"} <= set(inspect(connection).get_table_names())
