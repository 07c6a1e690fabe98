"""The outbox on SQLite and PostgreSQL (issue 12): undeliverable rows leave the queue with their
content, a pass can page past rows it tried, and retention removes undeliverable rows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select

from bot.core.crypto import Binding, FrontEndKey, KdfParams, envelope_kind, seal_for_front_end
from bot.core.db.audit import Actor
from bot.core.db.models import OutboxMessage, Undeliverable
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.db.store import Store, StoreError
from bot.core.pseudonym import pseudonym_for
from tests.support_cases import enqueue, open_case

ROOT = Path(__file__).resolve().parents[3]
PERSON = pseudonym_for(111111111, b"pseudonym key for tests, 32 bytes+")
SYSTEM = Actor("system")
MARKER = "quokka-marker-lantern"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1000)  # each row a little newer than the last
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def key() -> FrontEndKey:
    return FrontEndKey.generate()


@pytest.fixture
def case(store: Store, key: FrontEndKey, fast_kdf: KdfParams) -> str:
    """The person's case the outbox rows belong to, its person sealed to ``key``."""
    with store.db.transaction() as session:
        made = create_organisation(
            session,
            "Partner",
            Credentials("partner", "admin passphrase"),
            store.db.now(),
            kdf=fast_kdf,
        )
    return open_case(store.db, PERSON, made.organisation_id, key=key)


def row(store: Store, outbox_id: str) -> OutboxMessage:
    with store.db.transaction() as session:
        found = session.get(OutboxMessage, outbox_id)
        assert found is not None
        session.expunge(found)
        return found


def test_an_undeliverable_row_leaves_the_queue_with_its_content(
    store: Store, key: FrontEndKey, case: str
) -> None:
    keys = {key.key_id: key}
    stuck = [enqueue(store.db, case, f"n.{n}", MARKER, key, by=SYSTEM) for n in range(50)]
    good = enqueue(store.db, case, "n.good", "hello", key, by=SYSTEM)
    assert good not in [d.id for d in store.pending_deliveries(keys)]  # 50 ahead of it

    for outbox_id in stuck:
        store.mark_undeliverable(outbox_id, Undeliverable.CHAT_NOT_FOUND)

    assert [d.id for d in store.pending_deliveries(keys)] == [good]
    marked = row(store, stuck[0])
    assert (marked.undeliverable, marked.sealed_payload) == (Undeliverable.CHAT_NOT_FOUND, b"")
    assert marked.undeliverable_at is not None and not marked.delivered
    with pytest.raises(StoreError):
        store.mark_undeliverable("0" * 32, Undeliverable.BLOCKED)


def test_a_pass_pages_past_rows_it_already_tried(store: Store, key: FrontEndKey, case: str) -> None:
    keys = {key.key_id: key}
    ids = [enqueue(store.db, case, f"n.{n}", "hi", key, by=SYSTEM) for n in range(5)]

    first = store.pending_deliveries(keys, 2)
    second = store.pending_deliveries(keys, 2, frozenset(d.id for d in first))

    assert [d.id for d in first + second] == ids[:4]


def test_retention_removes_undeliverable_rows_with_closed_cases(
    store: Store, key: FrontEndKey, case: str, clock: Clock
) -> None:
    refused = enqueue(store.db, case, "n.refused", MARKER, key, by=SYSTEM)
    waiting = enqueue(store.db, case, "n.waiting", MARKER, key, by=SYSTEM)
    store.mark_undeliverable(refused, Undeliverable.BLOCKED)

    kept = store.purge_expired(key, closed_days=90)
    clock.now += timedelta(days=91)
    purged = store.purge_expired(key, closed_days=90)

    assert (kept.deliveries_deleted, purged.deliveries_deleted) == (0, 1)
    with store.db.transaction() as session:
        assert session.scalars(select(OutboxMessage.id)).all() == [waiting]


def test_erasure_removes_undeliverable_rows_too(store: Store, key: FrontEndKey, case: str) -> None:
    refused = enqueue(store.db, case, "n.refused", MARKER, key, by=SYSTEM)
    store.mark_undeliverable(refused, Undeliverable.NO_CHAT_LINK)

    assert store.erase_pseudonym(PERSON, key).deliveries_deleted == 1


def test_migration_0005_downgrades_and_upgrades_again(engine: Engine) -> None:
    """The CHECK of the fixed choices would outlive its column on SQLite if not dropped."""
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
        assert "undeliverable" not in {c["name"] for c in inspect(connection).get_columns("outbox")}
        command.upgrade(config, "head")
        assert "undeliverable" in {c["name"] for c in inspect(connection).get_columns("outbox")}


def test_a_row_queued_before_the_upgrade_is_still_delivered(
    store: Store, key: FrontEndKey, case: str
) -> None:
    """Given a row the console sealed under the front end's symmetric key before replies were
    sealed to its public key, When the upgraded front end reads the queue, Then that row opens
    with the key it holds anyway, beside a new one: no migration, no message lost."""
    old = "0" * 31 + "1"
    with store.db.transaction() as session:
        pending = OutboxMessage(
            id=old, handoff_id=case, dedupe_key="reply.old", created_at=datetime.now(timezone.utc)
        )
        pending.delivered = False
        pending.sealed_payload = seal_for_front_end(
            b"sent before the upgrade", key, Binding(old, "outbox.payload")
        )
        session.add(pending)
    new = enqueue(store.db, case, "reply.new", "sent after it", key, by=SYSTEM)
    assert envelope_kind(row(store, new).sealed_payload) == "front-end-courier"
    texts = {d.id: d.text for d in store.pending_deliveries({key.key_id: key})}
    assert texts == {old: "sent before the upgrade", new: "sent after it"}
