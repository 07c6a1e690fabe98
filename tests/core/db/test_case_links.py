"""Which cases are whose, on SQLite and PostgreSQL (issue 13): a copy of the database cannot tell
that two cases belong to one person, and cases from before migration 0010 are sealed and keep
working."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select, text

from bot.core.crypto import (
    Binding,
    FrontEndKey,
    KdfParams,
    UnknownKeyIdError,
    seal_for_front_end_courier,
)
from bot.core.db.audit import Actor
from bot.core.db.models import Base, HandoffStatus
from bot.core.db.organisations import Credentials, NewOrganisation, create_organisation
from bot.core.db.relay import reply_to_person
from bot.core.db.store import Database, HandoffFields, Store
from bot.core.firewall import Firewall
from bot.core.pseudonym import pseudonym_for
from tests.support_cases import FRONT_END, get_handoff, set_status

ROOT = Path(__file__).resolve().parents[3]
KEY = b"pseudonym key for tests, 32 bytes+"
PERSON = pseudonym_for(111111111, KEY)
SOMEONE_ELSE = pseudonym_for(222222222, KEY)
COURIER = FRONT_END.courier_public_key()
KEYS = {FRONT_END.key_id: FRONT_END}
_CHAIN_LINKS = {"prev_hash", "entry_hash"}
FIELDS = HandoffFields(nation="england", region="london", help_types=("talk",), consent=True)


class Clock:
    """The same instant for every case: a time the cases differ by is not what is tested."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: Engine, firewall: Firewall, clock: Clock, fast_kdf: KdfParams) -> Store:
    return Store(Database(engine, firewall=firewall, clock=clock), receipt_kdf=fast_kdf)


@pytest.fixture
def org(store: Store, fast_kdf: KdfParams) -> NewOrganisation:
    with store.db.transaction() as session:
        return create_organisation(
            session,
            "Partner",
            Credentials("partner", "admin passphrase"),
            store.db.now(),
            kdf=fast_kdf,
        )


def reply(store: Store, handoff_id: str, words: str, staff: Actor) -> str:
    with store.db.transaction() as session:
        return reply_to_person(
            session,
            handoff_id,
            words,
            COURIER,
            staff,
            now=store.db.now(),
            firewall=store.db.firewall,
        )


def dump(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, as a thief with a copy of the database reads them."""
    with engine.connect() as connection:
        return {
            table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
            for table in Base.metadata.sorted_tables
        }


def values_of_case(tables: dict[str, list[dict[str, object]]], handoff_id: str) -> set[object]:
    """Every value of every row that names the case (itself, its thread, outbox, receipt and
    audit entries), the case's id left out, and the audit chain's links: they join each entry
    to the one written before it, whoever's it was."""
    found: set[object] = set()
    for rows in tables.values():
        for row in rows:
            if handoff_id in row.values():
                found |= {
                    _hashable(value)
                    for column, value in row.items()
                    if value != handoff_id and column not in _CHAIN_LINKS
                }
    return found


def _hashable(value: object) -> object:
    return repr(value) if isinstance(value, (dict, list)) else value


def test_a_stolen_database_cannot_tell_two_cases_of_one_person_apart_from_anyone_elses(
    store: Store, org: NewOrganisation, engine: Engine
) -> None:
    """Given one person who shared two reports and someone else who shared one, each with a
    caseworker's reply waiting, a receipt and a chat link, When the whole database is dumped,
    Then no row about a case holds the person's pseudonym, the two sealed links differ, and
    what the person's two cases have in common the other person's case has too."""
    staff = Actor("caseworker", org.admin.staff_id)
    first = store.share_report(PERSON, FIELDS, {"story": "one"}, courier=COURIER)
    second = store.share_report(PERSON, FIELDS, {"story": "two"}, courier=COURIER)
    other = store.share_report(SOMEONE_ELSE, FIELDS, {"story": "three"}, courier=COURIER)
    for handoff_id in (first, second, other):
        reply(store, handoff_id, "We are here for you.", staff)
    assert store.issue_receipt_for_person(PERSON, FRONT_END) is not None
    store.remember_chat(PERSON, 111111111, FRONT_END, timedelta(days=1))

    tables = dump(engine)

    case_rows = [
        row
        for rows in tables.values()
        for row in rows
        if {first, second, other} & set(map(_hashable, row.values()))
    ]
    assert case_rows and PERSON not in repr(case_rows) and SOMEONE_ELSE not in repr(case_rows)
    links = {row["id"]: row["sealed_link"] for row in tables["handoffs"]}
    assert len({links[first], links[second], links[other]}) == 3
    shared = values_of_case(tables, first) & values_of_case(tables, second)
    assert shared <= values_of_case(tables, other)
    # The front end, with its key, still finds both and answers into the newer.
    assert store.add_message_from_person(PERSON, "still here", FRONT_END) is not None


def test_a_case_from_before_the_upgrade_is_sealed_and_keeps_working(
    store: Store, org: NewOrganisation, engine: Engine
) -> None:
    """Given a case and its waiting reply as migration 0009 left them (the pseudonym in clear on
    both), When the database is upgraded and the front end starts, Then the case names its
    person only sealed, the reply still reaches them, and their answers still join the case."""
    staff = Actor("caseworker", org.admin.staff_id)
    case = store.share_report(PERSON, FIELDS, {"story": "one"}, courier=COURIER)
    message_id = reply(store, case, "We are here for you.", staff)
    config = Config(str(ROOT / "alembic.ini"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
        legacy_row = "1" * 32
        connection.execute(
            text("UPDATE handoffs SET pseudonym = :person WHERE id = :case"),
            {"person": PERSON, "case": case},
        )
        connection.execute(
            text(
                "INSERT INTO outbox (id, pseudonym, dedupe_key, sealed_payload, created_at, "
                "delivered) VALUES (:id, :person, :key, :payload, :at, :no)"
            ),
            {
                "id": legacy_row,
                "person": PERSON,
                "key": f"reply.{message_id}",
                "payload": seal_for_front_end_courier(
                    b"sent before the upgrade", COURIER, Binding(legacy_row, "outbox.payload")
                ),
                "at": datetime(2026, 11, 1, 9, 0),
                "no": False,
            },
        )
        command.upgrade(config, "head")

    assert store.seal_legacy_cases(FRONT_END) == 1
    assert store.seal_legacy_cases(FRONT_END) == 0

    sealed = get_handoff(store.db, case)
    assert sealed.pseudonym is None and sealed.sealed_link is not None
    waiting = store.pending_deliveries(KEYS)
    assert [(d.id, d.pseudonym, d.text) for d in waiting] == [
        (legacy_row, PERSON, "sent before the upgrade")
    ]
    assert store.add_message_from_person(PERSON, "still here", FRONT_END) is not None
    assert store.erase_pseudonym(PERSON, FRONT_END).handoffs_withdrawn == 1


def test_a_key_other_than_the_front_ends_opens_no_link(store: Store, org: NewOrganisation) -> None:
    """The lookups need the front end's own secret: another key finds nothing it can open."""
    store.share_report(PERSON, FIELDS, {"story": "one"}, courier=COURIER)

    with pytest.raises(UnknownKeyIdError):
        store.add_message_from_person(PERSON, "hello", FrontEndKey.generate())


def test_retention_writes_the_links_again_under_new_ids_and_drops_those_of_gone_cases(
    store: Store, org: NewOrganisation, engine: Engine, clock: Clock
) -> None:
    """Given two cases of one person, one closed past retention, When retention runs, Then the
    closed case's link is gone and the open case's link is written again (a new id, new bytes),
    so the order links were written in no longer pairs them with their cases; it still works."""
    closed = store.share_report(PERSON, FIELDS, {"story": "one"}, courier=COURIER)
    store.share_report(PERSON, FIELDS, {"story": "two"}, courier=COURIER)
    set_status(store.db, closed, HandoffStatus.CLOSED, Actor("caseworker", org.admin.staff_id))
    before = dump(engine)["case_links"]
    clock.now += timedelta(days=91)

    assert store.purge_expired(FRONT_END).case_links_deleted == 1

    (after,) = dump(engine)["case_links"]
    assert after["id"] not in {row["id"] for row in before}
    assert after["sealed_handoff_id"] not in {row["sealed_handoff_id"] for row in before}
    assert store.add_message_from_person(PERSON, "still here", FRONT_END) is not None
