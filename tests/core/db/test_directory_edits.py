"""Supervisors' directory edits on a real database (SQLite and PostgreSQL): stored in the file's
shape, checked by the file's validator, audited, and seen by the victim side's LiveDirectory.

Phone numbers typed here come from Ofcom's ranges reserved for drama (0808 157 0xxx,
07700 900xxx), so no test ever writes down a real line.
"""

from __future__ import annotations

import copy
import datetime
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from bot.core.config import DATA_DIR
from bot.core.crypto import KdfParams
from bot.core.db.audit import Actor, verify_chain
from bot.core.db.database import Database
from bot.core.db.directory_edits import (
    AUDIT_ACTION,
    DirectoryEditRefusedError,
    LiveDirectory,
    NoSuchServiceError,
    audit_object_id,
    merged_directory,
    save_edit,
)
from bot.core.db.models import AuditEntry, DirectoryEntry
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.directory import Directory, DirectoryEntryError, SupportNeed

DIRECTORY_FILE = DATA_DIR / "services" / "directory.yml"
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.timezone.utc)
MONDAY_10AM = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.timezone.utc)
DRAMA_FREEPHONE = "0808 157 0123"


@pytest.fixture(scope="module")
def base() -> Directory:
    return Directory.from_file(DIRECTORY_FILE, datetime.date(2026, 12, 2))


@pytest.fixture
def db(engine: Engine) -> Database:
    return Database(engine, clock=lambda: NOW)


@pytest.fixture
def supervisor(db: Database, fast_kdf: KdfParams) -> Actor:
    with db.transaction() as session:
        provisioned = create_organisation(
            session, "Charity", Credentials("charity", "a passphrase"), NOW, kdf=fast_kdf
        )
    return Actor("supervisor", provisioned.admin.staff_id)


def file_entry(service_id: str) -> dict[str, Any]:
    document = yaml.safe_load(DIRECTORY_FILE.read_text(encoding="utf-8"))
    return copy.deepcopy(next(s for s in document["services"] if s["id"] == service_id))


def new_service(**fields: Any) -> dict[str, Any]:
    entry = {
        "id": "test_helpline",
        "name": "Test Helpline",
        "helps_with": ["physical", "emotional", "talk"],
        "who": "anyone in Wales affected by domestic abuse",
        "nations": ["wales"],
        "languages": ["en", "cy"],
        "contact": [{"kind": "phone", "value": DRAMA_FREEPHONE, "free": True}],
        "hours": {"always": True},
        "immigration_advice": False,
        "source": "https://example.org/test-helpline",
        "verified": "2026-11-20",
    }
    entry.update(fields)
    return entry


def save(
    db: Database, base: Directory, actor: Actor, entry: dict[str, Any], *, adding: bool = False
) -> None:
    with db.transaction() as session:
        save_edit(session, base, entry, actor, NOW, adding=adding)


def current(db: Database, base: Directory) -> Directory:
    with db.transaction() as session:
        return merged_directory(base, session, NOW.date())


def test_an_edit_replaces_the_file_entry_of_the_same_id(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    """Given Live Fear Free with a new phone number, When saved, Then the merged directory
    holds the new number in the file's place and ranking for Wales offers it."""
    entry = file_entry("live_fear_free")
    entry["contact"][0]["value"] = DRAMA_FREEPHONE
    save(db, base, supervisor, entry)

    merged = current(db, base)
    edited = merged.service("live_fear_free")
    assert edited is not None and edited.contact[0].value == DRAMA_FREEPHONE
    assert len(merged.services) == len(base.services)
    assert [s.id for s in merged.services] == [s.id for s in base.services]
    assert merged.rank(SupportNeed(nation="wales"), MONDAY_10AM)[0] is edited
    assert merged.emergency_routes == base.emergency_routes
    with db.transaction() as session:
        row = session.get(DirectoryEntry, "live_fear_free")
        assert row is not None
        assert row.entry["contact"][0]["value"] == DRAMA_FREEPHONE
        assert row.entry["verified"] == "2026-11-25"  # the file's date, stored as ISO text
        assert row.updated_by == supervisor.id


def test_a_new_service_is_added_after_the_file_services(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    save(db, base, supervisor, new_service(), adding=True)

    merged = current(db, base)
    assert merged.services[-1].id == "test_helpline"
    assert len(merged.services) == len(base.services) + 1


@pytest.mark.parametrize("field", ["source", "verified"])
def test_an_edit_without_source_or_verified_date_is_refused(
    db: Database, base: Directory, supervisor: Actor, field: str
) -> None:
    entry = file_entry("galop")
    del entry[field]

    with pytest.raises(DirectoryEntryError) as caught:
        save(db, base, supervisor, entry)

    assert caught.value.field == field
    assert current(db, base).service("galop") == base.service("galop")


def test_a_verified_date_in_the_future_is_refused(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    with pytest.raises(DirectoryEntryError) as caught:
        save(db, base, supervisor, new_service(verified="2026-11-26"), adding=True)

    assert caught.value.field == "verified"
    assert "future" in caught.value.problem


def test_the_verified_date_is_the_uk_date(db: Database, base: Directory, supervisor: Actor) -> None:
    """Given 23:30 UTC in summer (00:30 the next day in London), Then that next day is today."""
    summer_night = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.timezone.utc)
    with db.transaction() as session:
        save_edit(
            session, base, new_service(verified="2026-07-02"), supervisor, summer_night, adding=True
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("who", "women on a spouse visa"),
        ("caution", "They cannot help people with no recourse to public funds."),
        ("name", "Asylum Support Line"),
        ("id", "no_recourse_public_funds_line"),
    ],
)
def test_new_immigration_wording_is_refused_with_a_clear_message(
    db: Database, base: Directory, supervisor: Actor, field: str, value: str
) -> None:
    with pytest.raises(DirectoryEditRefusedError) as caught:
        save(db, base, supervisor, new_service(**{field: value}), adding=True)

    assert caught.value.field == field
    assert "immigration" in str(caught.value)
    assert value not in str(caught.value)
    with db.transaction() as session:
        assert session.scalars(select(DirectoryEntry)).all() == []


def test_immigration_wording_in_a_contact_note_is_refused(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    route = {"kind": "phone", "value": DRAMA_FREEPHONE, "note": "for asylum seekers"}
    with pytest.raises(DirectoryEditRefusedError) as caught:
        save(db, base, supervisor, new_service(contact=[route]), adding=True)

    assert caught.value.field == "contact[0].note"


def test_the_reviewed_files_own_wording_may_stay_when_another_field_changes(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    """Given LAWA, whose reviewed name says "Latin American", When only its number changes,
    Then the edit is saved; but new immigration wording in it is still refused."""
    entry = file_entry("lawa")
    entry["contact"][0]["value"] = "07700 900123"
    save(db, base, supervisor, entry)
    entry["who"] = "Latin American women without papers"

    with pytest.raises(DirectoryEditRefusedError):
        save(db, base, supervisor, entry)


def test_every_edit_is_audited_without_text(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    save(db, base, supervisor, new_service(), adding=True)
    save(db, base, supervisor, new_service(name="Test Helpline Cymru"))

    with db.transaction() as session:
        edits = session.scalars(
            select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION).order_by(AuditEntry.seq)
        ).all()
        assert verify_chain(session).ok
    assert [e.detail for e in edits] == [{"added": 1}, {"added": 0}]
    assert {e.object_id for e in edits} == {audit_object_id("test_helpline")}
    assert {(e.actor_role, e.actor_id) for e in edits} == {("supervisor", supervisor.id)}


@pytest.mark.parametrize("route_id", ["call_999", "silent_solution"])
def test_emergency_routes_cannot_be_edited(
    db: Database, base: Directory, supervisor: Actor, route_id: str
) -> None:
    for adding in (True, False):
        with pytest.raises(DirectoryEditRefusedError) as caught:
            save(db, base, supervisor, new_service(id=route_id), adding=adding)
        assert "Emergency routes" in str(caught.value)


def test_adding_an_existing_id_or_editing_a_missing_one_is_refused(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    with pytest.raises(DirectoryEditRefusedError) as existing:
        save(db, base, supervisor, file_entry("galop"), adding=True)
    with pytest.raises(NoSuchServiceError):
        save(db, base, supervisor, new_service(id="not_in_the_directory"))

    assert "already" in str(existing.value)


@pytest.mark.parametrize("number", ["0808 157", "0044 808 157 0123", "999", "01234"])
def test_a_phone_number_that_cannot_be_a_uk_number_is_refused(
    db: Database, base: Directory, supervisor: Actor, number: str
) -> None:
    route = {"kind": "phone", "value": number}
    with pytest.raises(DirectoryEntryError) as caught:
        save(db, base, supervisor, new_service(contact=[route]), adding=True)

    assert caught.value.field == "contact[0].value"


def test_a_stored_edit_that_no_longer_validates_is_left_out(
    db: Database, base: Directory, supervisor: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    """Given a row written around the console (no source), Then the file's Galop stays, and
    the log counts it without any of its text."""
    entry = file_entry("galop")
    entry["name"], entry["verified"] = "Galop (unsourced)", "2026-11-25"
    del entry["source"]
    with db.transaction() as session:
        session.add(DirectoryEntry(service_id="galop", entry=entry, updated_at=NOW))

    with caplog.at_level(logging.ERROR):
        merged = current(db, base)

    assert merged.service("galop") == base.service("galop")
    assert "1 stored directory edit" in caplog.text and "unsourced" not in caplog.text


# --- LiveDirectory: what the victim side ranks from. ---


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_live_directory_sees_an_edit_once_its_copy_is_older_than_max_age(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    ticks = Ticks()
    live = LiveDirectory(base, db.transaction, max_age=30, monotonic=ticks)
    assert live.current().service("test_helpline") is None

    save(db, base, supervisor, new_service(), adding=True)
    ticks.now = 29.0
    assert live.current().service("test_helpline") is None  # the copy is still fresh
    ticks.now = 30.0
    assert live.current().service("test_helpline") is not None


def test_an_unreachable_database_falls_back_to_the_file_and_logs_only_the_error_type(
    base: Directory, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1, so every connection is refused.
    secret_url = "postgresql+psycopg://lantern:hunter2-secret@127.0.0.1:1/lantern"
    unreachable = Database(create_engine(secret_url))
    live = LiveDirectory(base, unreachable.transaction, wait=5.0)

    with caplog.at_level(logging.ERROR):
        directory = live.current()

    assert directory is base
    assert [r.getMessage() for r in caplog.records] == [
        "directory edits could not be loaded: OperationalError"
    ]


def test_after_a_failure_the_last_directory_loaded_is_kept(
    db: Database, base: Directory, supervisor: Actor
) -> None:
    save(db, base, supervisor, new_service(), adding=True)
    ticks = Ticks()
    working = [True]

    def transaction() -> AbstractContextManager[Session]:
        if not working[0]:
            unreachable = Database(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/x"))
            return unreachable.transaction()
        return db.transaction()

    live = LiveDirectory(base, transaction, max_age=1, monotonic=ticks)
    assert live.current().service("test_helpline") is not None
    working[0], ticks.now = False, 5.0
    assert live.current().service("test_helpline") is not None


@pytest.fixture
def locked_sqlite(sqlite_engine: Engine) -> Iterator[Engine]:
    """An SQLite database another connection holds an exclusive lock on: reads wait for it."""
    blocker = sqlite_engine.raw_connection()
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield sqlite_engine
    finally:
        blocker.rollback()
        blocker.close()


def test_a_slow_database_delays_the_answer_by_at_most_the_wait(
    locked_sqlite: Engine, base: Directory, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveDirectory(base, Database(locked_sqlite).transaction, wait=0.2)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        directory = live.current()

    assert time.monotonic() - started < 1.0
    assert directory is base
    assert "still loading" in caplog.text
    # Meanwhile others are answered at once, and no second reload starts.
    started = time.monotonic()
    assert live.current() is base
    assert time.monotonic() - started < 0.1
    assert [t.name for t in threading.enumerate()].count("directory-edits") == 1


def test_loading_the_edits_is_cheap(db: Database, base: Directory, supervisor: Actor) -> None:
    """Twenty edits load, validate and merge in well under the time a person waits."""
    for index in range(20):
        save(db, base, supervisor, new_service(id=f"test_{index}"), adding=True)
    with db.transaction() as session:
        session.execute(text("SELECT 1"))  # the pool holds a connection, as in a live server
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        assert len(current(db, base).services) == len(base.services) + 20
    per_load = (time.perf_counter() - started) / rounds
    assert per_load < 0.1, per_load
