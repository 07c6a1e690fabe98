"""Counting handoffs people opened since an audit position, by urgency, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event

from bot.core.crypto import KdfParams
from bot.core.db.case_links import person_of
from bot.core.db.counts import audit_position, opened_since
from bot.core.db.models import HandoffStatus
from bot.core.db.store import Database, Store
from bot.core.firewall import Firewall
from bot.core.report_fields import Urgency
from tests.support_cases import FRONT_END, get_handoff, set_status
from tests.support_queue import Clock, Queue


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(engine: Engine, firewall: Firewall, clock: Clock, fast_kdf: KdfParams) -> Queue:
    made = Queue(Store(Database(engine, firewall=firewall, clock=clock)), fast_kdf)
    made.organisation("Partner charity")
    return made


def test_counts_only_what_was_opened_after_the_position_by_urgency(queue: Queue) -> None:
    """Given two handoffs opened before a position and three after, When counted from it,
    Then only the three count, split by urgency, and the result says how far it looked."""
    queue.submit(Urgency.VERY_HIGH, "Partner charity")
    queue.submit(Urgency.STANDARD, "Partner charity")
    start = audit_position(queue.store.db)
    queue.submit(Urgency.VERY_HIGH, "Partner charity")
    queue.submit(Urgency.STANDARD, "Partner charity")
    queue.submit(Urgency.STANDARD, "Partner charity")

    news = opened_since(queue.store.db, start)

    assert dict(news.by_urgency) == {Urgency.VERY_HIGH: 1, Urgency.STANDARD: 2}
    assert news.total == 3
    assert news.until == audit_position(queue.store.db) > start
    assert opened_since(queue.store.db, news.until).total == 0


def test_only_cases_still_waiting_and_new_to_the_queue_count(queue: Queue) -> None:
    """A draft, a case claimed or withdrawn since, and a case a caseworker released back to the
    queue are not new handoffs in the queue; one opened for another organisation is."""
    staff = queue.staff["Partner charity"]
    queue.organisation("Second charity")
    released = queue.submit(Urgency.HIGH, "Partner charity")
    set_status(queue.store.db, released, HandoffStatus.CLAIMED, staff, staff.id)
    start = audit_position(queue.store.db)
    set_status(queue.store.db, released, HandoffStatus.OPEN, staff)
    queue.draft("Partner charity")
    claimed = queue.submit(Urgency.VERY_HIGH, "Partner charity")
    set_status(queue.store.db, claimed, HandoffStatus.CLAIMED, staff, staff.id)
    withdrawn = queue.submit(Urgency.VERY_HIGH, "Partner charity")
    pseudonym = person_of(get_handoff(queue.store.db, withdrawn), {FRONT_END.key_id: FRONT_END})
    assert pseudonym is not None
    queue.store.erase_pseudonym(pseudonym, FRONT_END)
    queue.submit(Urgency.HIGH, "Second charity")
    queue.submit(Urgency.STANDARD, "Partner charity")

    news = opened_since(queue.store.db, start)

    assert dict(news.by_urgency) == {Urgency.HIGH: 1, Urgency.STANDARD: 1}


def test_a_position_by_time_is_the_last_entry_written_by_then(queue: Queue, clock: Clock) -> None:
    before = clock.tick()
    clock.tick()
    queue.submit(Urgency.HIGH, "Partner charity")
    opened_at = clock.now
    clock.tick()
    queue.submit(Urgency.STANDARD, "Partner charity")

    assert opened_since(queue.store.db, audit_position(queue.store.db, before)).total == 2
    after_first = opened_since(queue.store.db, audit_position(queue.store.db, opened_at))
    assert dict(after_first.by_urgency) == {Urgency.STANDARD: 1}


def test_an_empty_audit_log_is_position_zero(engine: Engine, firewall: Firewall) -> None:
    db = Database(engine, firewall=firewall)
    assert audit_position(db) == 0
    assert opened_since(db, 0).total == 0
    assert opened_since(db, 0).until == 0


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]).lower())

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_count_reads_no_sealed_column_pseudonym_or_organisation(
    queue: Queue, statements: list[str]
) -> None:
    """Every SQL statement the count sends names only plain columns it needs."""
    start = audit_position(queue.store.db)
    queue.submit(Urgency.HIGH, "Partner charity")
    statements.clear()

    assert opened_since(queue.store.db, start).total == 1

    selects = [sql for sql in statements if sql.lstrip().startswith("select")]
    assert selects
    for sql in selects:
        for forbidden in ("sealed", "pseudonym", "organisation", "region", "detail", "story"):
            assert forbidden not in sql
